// Who may do what to an inspection order. Role actions come from platform/policy.ts; the record rules here add
// what is specific to orders: the inspector acting must be the one assigned, the enterprise acts only on its own
// orders, and each action is offered only in the states where the state machine allows it.
import { canTransition, type OrderState } from '@rvi/dispatch';
import type { Actor } from '../../platform/actor.ts';
import { conflict, forbidden } from '../../platform/errors.ts';
import { authorize, can, definePolicy, isCustoms, isEnterprise, type Action, type OrgScoped, type Policy } from '../../platform/policy.ts';

export interface OrderRecord {
  id: string;
  officeId: string;
  enterpriseId: string;
  state: string;
  mode: 'remote' | 'onsite' | null;
  inspectorId: string | null;
  registeredAt: Date | null;
  orderNo?: string;
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

type OrderRule = 'read' | 'eligibility' | 'decide' | 'register' | 'scheduleVisit' | 'start' | 'book' | 'reschedule' | 'reassign' | 'assign' | 'cancel';

/** What may be done to an order: the `can` map the UI shows its buttons from, and the rules the services enforce. */
export const orderPolicy: Policy<OrderRecord, OrderRule> = definePolicy<OrderRecord, OrderRule>({
  resource: 'Inspection order',
  scope: scopeOf,
  rules: {
    read: { action: 'order.read' },
    eligibility: { action: 'order.read', when: (a) => isCustoms(a) || a.kind === 'system' },
    decide: { action: 'order.decide_eligibility', when: (a, o) => isAssigned(a, o) && canTransition(st(o), 'eligibility_decided') },
    register: { action: 'order.schedule', when: (a, o) => isAssigned(a, o) && o.mode === 'remote' && REGISTRABLE.includes(st(o)) },
    scheduleVisit: { action: 'order.schedule', when: (a, o) => isAssigned(a, o) && o.mode !== null && canTransition(st(o), 'onsite_scheduled') && st(o) !== 'in_progress' },
    start: { action: 'order.schedule', when: (a, o) => isAssigned(a, o) && canTransition(st(o), 'in_progress') },
    // the enterprise books a slot the inspector offered: a remote order registered for it, in a bookable state
    book: {
      action: 'order.book',
      when: (a, o) => (isEnterprise(a) || a.kind === 'system') && o.mode === 'remote' && !!o.registeredAt && BOOKABLE.includes(st(o)),
      refuse: (a, o) => (isEnterprise(a) ? conflict('not_registered', `Order ${o.orderNo ?? o.id} has not been registered for a remote inspection yet`) : forbidden('Only the enterprise books its inspection slots')),
    },
    reschedule: { action: 'order.read', when: (a, o) => st(o) === 'booked' && ((can(a, 'order.book', scopeOf(o)) && isEnterprise(a)) || (can(a, 'order.schedule', scopeOf(o)) && isAssigned(a, o))) },
    reassign: { action: 'order.reassign', when: (_a, o) => !!o.inspectorId && REASSIGNABLE.includes(st(o)) },
    assign: { action: 'order.reassign', when: (_a, o) => st(o) === 'selected' },
    cancel: { action: 'order.plan', when: (_a, o) => canTransition(st(o), 'cancelled') },
  },
});

/** The `can` map sent with each order: the UI shows buttons from it and never re-derives role logic. */
export const orderCan = (actor: Actor, o: OrderRecord): Record<OrderRule, boolean> => orderPolicy.can(actor, o);

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
