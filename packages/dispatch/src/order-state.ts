// The inspection order's life cycle: one explicit state machine. Every state change in the server goes through
// assertTransition, so an illegal move is refused with the same error (code `invalid_transition`) everywhere.
//
// Main remote path: selected → assigned → eligibility_decided → booked → in_progress → inspected → decided → closed
// On-site branch:   eligibility_decided | booked | rescheduled | missed | in_progress → onsite_scheduled → in_progress
// Missed/moved:     booked → missed → rescheduled → booked;  booked → rescheduled
// Cancelled:        from any state before the inspection starts.
// The table below is the single source of truth. Reassigning an inspector is not a state change (the order stays
// where it is; the service audits the reassignment with its reason).

import { InvalidTransitionError } from './errors.ts';

export const ORDER_STATES = [
  'selected',
  'assigned',
  'eligibility_decided',
  'booked',
  'rescheduled',
  'missed',
  'onsite_scheduled',
  'in_progress',
  'inspected',
  'decided',
  'closed',
  'cancelled',
] as const;

export type OrderState = (typeof ORDER_STATES)[number];

const TRANSITIONS: Record<OrderState, readonly OrderState[]> = {
  // Targeting selected the goods; dispatch assigns an inspector.
  selected: ['assigned', 'cancelled'],
  // The inspector decides remote or on-site (recommended by the eligibility rules).
  assigned: ['eligibility_decided', 'cancelled'],
  // Remote: the enterprise accepts a slot → booked. On-site: a visit is scheduled.
  eligibility_decided: ['booked', 'onsite_scheduled', 'cancelled'],
  // Booked remote appointment: it starts, is missed (no operator within the grace period), is moved by agreement,
  // or is switched to on-site before it starts.
  booked: ['in_progress', 'missed', 'rescheduled', 'onsite_scheduled', 'cancelled'],
  // Waiting for a new agreed slot.
  rescheduled: ['booked', 'onsite_scheduled', 'cancelled'],
  // After a missed appointment: agree a new slot or go on site.
  missed: ['rescheduled', 'onsite_scheduled', 'cancelled'],
  // On-site visit scheduled; it starts when the inspector arrives.
  onsite_scheduled: ['in_progress', 'cancelled'],
  // Once started, an inspection is finished and decided, never cancelled (evidence exists). A remote session that
  // cannot continue (video lost, goods not visible) falls back on site.
  in_progress: ['inspected', 'onsite_scheduled'],
  inspected: ['decided'],
  decided: ['closed'],
  closed: [],
  cancelled: [],
};

export const TERMINAL_STATES: readonly OrderState[] = ORDER_STATES.filter((s) => TRANSITIONS[s].length === 0);

export function isOrderState(v: unknown): v is OrderState {
  return typeof v === 'string' && (ORDER_STATES as readonly string[]).includes(v);
}

/** States reachable in one step from `state` (empty for terminal or unknown states). */
export function allowedTransitions(state: OrderState): OrderState[] {
  return isOrderState(state) ? [...TRANSITIONS[state]] : [];
}

export function canTransition(from: OrderState, to: OrderState): boolean {
  return isOrderState(from) && isOrderState(to) && TRANSITIONS[from].includes(to);
}

/** Throws InvalidTransitionError (code `invalid_transition`, details {from, to, allowed}) unless from → to is allowed. */
export function assertTransition(from: OrderState, to: OrderState): void {
  const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v));
  if (!isOrderState(from)) {
    throw new InvalidTransitionError(String(from), String(to), `unknown order state ${show(from)} (known: ${ORDER_STATES.join(', ')})`, []);
  }
  const allowed = TRANSITIONS[from];
  if (!isOrderState(to)) {
    throw new InvalidTransitionError(from, String(to), `unknown order state ${show(to)} (known: ${ORDER_STATES.join(', ')})`, allowed);
  }
  if (!allowed.includes(to)) {
    const next = allowed.length ? `allowed from ${from}: ${allowed.join(', ')}` : `${from} is final`;
    throw new InvalidTransitionError(from, to, `an order cannot go from ${from} to ${to} (${next})`, allowed);
  }
}
