import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORDER_STATES } from '@rvi/dispatch';
import type { Role } from '@rvi/contracts';
import type { Actor } from '../../platform/actor.ts';
import { AppError } from '../../platform/errors.ts';
import { orderPolicy, type OrderRecord } from './orders.policy.ts';

// One rule table per resource (issue 14.3): the `can` map the UI shows and the enforcement in the services come from
// the same rules, so over every state, mode, role and organisation they must agree — a button is shown exactly when
// the server would allow the action. The rules are pure; no database needed.
const OFFICE = 'office-1';
const ENTERPRISE = 'ent-1';
const OTHER = 'ent-2';
const user = (role: Role, orgId: string, orgKind: 'enterprise' | 'customs_office', userId = `${role}-1`): Actor => ({
  kind: 'user', userId, username: userId, role, orgId, orgKind, officeId: orgKind === 'customs_office' ? orgId : OFFICE, requestId: null,
});
const actors: Actor[] = [
  user('enterprise_user', ENTERPRISE, 'enterprise'), user('enterprise_user', OTHER, 'enterprise', 'other-ent'),
  user('onsite_operator', ENTERPRISE, 'enterprise'),
  user('inspector', OFFICE, 'customs_office', 'insp-assigned'), user('inspector', OFFICE, 'customs_office', 'insp-other'),
  user('inspector', 'office-2', 'customs_office', 'insp-foreign'),
  user('supervisor', OFFICE, 'customs_office'), user('administrator', OFFICE, 'customs_office'), user('auditor', OFFICE, 'customs_office'),
];

test('orderPolicy: can(actor, order)[rule] is true exactly when authorize(actor, rule, order) passes, for every state, mode, registration, role and organisation', () => {
  const rules = Object.keys(orderPolicy.rules) as (keyof typeof orderPolicy.rules)[];
  let checked = 0;
  let allowed = 0;
  for (const state of ORDER_STATES) {
    for (const mode of ['remote', 'onsite', null] as const) {
      for (const registeredAt of [null, new Date()]) {
        const order: OrderRecord = { id: 'o-1', orderNo: 'IO-1', officeId: OFFICE, enterpriseId: ENTERPRISE, state, mode, inspectorId: 'insp-assigned', registeredAt };
        for (const actor of actors) {
          const can = orderPolicy.can(actor, order);
          for (const rule of rules) {
            let ok = true;
            try {
              orderPolicy.authorize(actor, rule, order, order.id);
            } catch (e) {
              assert.ok(e instanceof AppError && [403, 404, 409].includes(e.status), `${rule}: ${String(e)}`);
              ok = false;
            }
            assert.equal(can[rule], ok, `${actor.username} (${actor.role}) ${rule} on a ${mode ?? 'undecided'} order in ${state}${registeredAt ? ', registered' : ''}: can says ${can[rule]}, authorize ${ok ? 'passes' : 'refuses'}`);
            checked++;
            if (ok) allowed++;
          }
        }
      }
    }
  }
  assert.ok(allowed > 50 && allowed < checked / 2, `a grid that exercises both answers (${allowed} of ${checked} allowed)`);
});

test('orderPolicy book: only the owning enterprise, only a registered remote order in a bookable state; the refusal says which', () => {
  const order: OrderRecord = { id: 'o-1', orderNo: 'IO-7', officeId: OFFICE, enterpriseId: ENTERPRISE, state: 'eligibility_decided', mode: 'remote', inspectorId: 'insp-assigned', registeredAt: null };
  const enterprise = actors[0];
  assert.throws(() => orderPolicy.authorize(enterprise, 'book', order, order.id), (e: unknown) => e instanceof AppError && e.code === 'not_registered' && /IO-7/.test(e.message));
  orderPolicy.authorize(enterprise, 'book', { ...order, registeredAt: new Date() }, order.id);
  assert.throws(() => orderPolicy.authorize(actors[1], 'book', { ...order, registeredAt: new Date() }, order.id), (e: unknown) => e instanceof AppError && e.status === 404, 'another enterprise does not see it');
  assert.throws(() => orderPolicy.authorize(actors[3], 'book', { ...order, registeredAt: new Date() }, order.id), (e: unknown) => e instanceof AppError && e.status === 403, 'customs never books');
});
