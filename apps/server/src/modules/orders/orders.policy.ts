// Who may do what to an inspection order. Role actions come from platform/policy.ts; the record rules here add
// what is specific to orders: the inspector acting must be the one assigned, the enterprise acts only on its own
// orders, and each action is offered only in the states where the state machine allows it.
import { canTransition, type OrderState } from '@rvi/dispatch';
import type { Actor } from '../../platform/actor.ts';
import { forbidden } from '../../platform/errors.ts';
import { authorize, can, isCustoms, isEnterprise, type Action, type OrgScoped } from '../../platform/policy.ts';

export interface OrderRecord {
  id: string;
  officeId: string;
  enterpriseId: string;
  state: string;
  mode: 'remote' | 'onsite' | null;
  inspectorId: string | null;
  registeredAt: Date | null;
}

export const scopeOf = (o: { officeId: string; enterpriseId: string }): OrgScoped => ({ orgId: o.enterpriseId, customsOfficeId: o.officeId });

const isAssigned = (actor: Actor, o: OrderRecord) => actor.kind === 'system' || (!!o.inspectorId && actor.userId === o.inspectorId);
const st = (o: OrderRecord) => o.state as OrderState;

/** States in which the supervisor may move an order to another inspector (before the inspection starts). */
export const REASSIGNABLE: readonly string[] = ['assigned', 'eligibility_decided', 'booked', 'rescheduled', 'missed', 'onsite_scheduled'];
/** States in which the inspector may (re)offer remote slots. */
export const REGISTRABLE: readonly string[] = ['eligibility_decided', 'rescheduled', 'missed'];
/** States in which the enterprise may book a slot. */
export const BOOKABLE: readonly string[] = ['eligibility_decided', 'rescheduled'];

/** The `can` map sent with each order: the UI shows buttons from it and never re-derives role logic. */
export function orderCan(actor: Actor, o: OrderRecord): Record<string, boolean> {
  const rec = scopeOf(o);
  const allowed = (a: Action) => can(actor, a, rec);
  const s = st(o);
  return {
    read: allowed('order.read'),
    eligibility: (isCustoms(actor) || actor.kind === 'system') && allowed('order.read'),
    decide: allowed('order.decide_eligibility') && isAssigned(actor, o) && canTransition(s, 'eligibility_decided'),
    register: allowed('order.schedule') && isAssigned(actor, o) && o.mode === 'remote' && REGISTRABLE.includes(s),
    scheduleVisit: allowed('order.schedule') && isAssigned(actor, o) && o.mode !== null && canTransition(s, 'onsite_scheduled') && s !== 'in_progress',
    start: allowed('order.schedule') && isAssigned(actor, o) && canTransition(s, 'in_progress'),
    book: allowed('order.book') && isEnterprise(actor) && o.mode === 'remote' && !!o.registeredAt && BOOKABLE.includes(s),
    reschedule: s === 'booked' && ((allowed('order.book') && isEnterprise(actor)) || (allowed('order.schedule') && isAssigned(actor, o))),
    reassign: allowed('order.reassign') && !!o.inspectorId && REASSIGNABLE.includes(s),
    assign: allowed('order.reassign') && s === 'selected',
    cancel: allowed('order.plan') && canTransition(s, 'cancelled'),
  };
}

/**
 * Throws 404 when the actor may not see the order, 403 when the role or the record rule forbids the action.
 * `check` names the entry of orderCan that must hold.
 */
export function authorizeOrder(actor: Actor, action: Action, o: OrderRecord | null, id: string, check?: keyof ReturnType<typeof orderCan>): asserts o {
  authorize(actor, action, o ? scopeOf(o) : null, 'Inspection order', id);
  if (!o || !check) return;
  if (check === 'decide' || check === 'register' || check === 'scheduleVisit' || check === 'start') {
    if (!isAssigned(actor, o)) throw forbidden('Only the inspector assigned to this order may do this');
  }
}
