import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORDER_STATES, TERMINAL_STATES, allowedTransitions, assertTransition, canTransition, type OrderState } from './order-state.ts';
import { InvalidTransitionError } from './errors.ts';

function walk(path: OrderState[]): void {
  for (let i = 1; i < path.length; i++) assertTransition(path[i - 1], path[i]);
}

test('the remote path, the on-site path, missed and rescheduled appointments and cancellation are allowed', () => {
  walk(['selected', 'assigned', 'eligibility_decided', 'booked', 'in_progress', 'inspected', 'decided', 'closed']);
  walk(['selected', 'assigned', 'eligibility_decided', 'onsite_scheduled', 'in_progress', 'inspected', 'decided', 'closed']);
  walk(['eligibility_decided', 'booked', 'missed', 'rescheduled', 'booked', 'rescheduled', 'booked', 'in_progress']);
  walk(['booked', 'missed', 'onsite_scheduled']);
  walk(['booked', 'in_progress', 'onsite_scheduled', 'in_progress']); // remote session failed → on site
  for (const s of ['selected', 'assigned', 'eligibility_decided', 'booked', 'rescheduled', 'missed', 'onsite_scheduled'] as const) {
    assertTransition(s, 'cancelled');
  }
});

test('illegal transitions are refused with code invalid_transition and a clear message', () => {
  const refused: [OrderState, OrderState][] = [
    ['selected', 'booked'], // skips assignment and the eligibility decision
    ['assigned', 'in_progress'],
    ['booked', 'closed'],
    ['in_progress', 'cancelled'], // evidence is being recorded
    ['inspected', 'cancelled'],
    ['closed', 'selected'],
    ['cancelled', 'assigned'],
    ['decided', 'inspected'],
    ['booked', 'booked'],
  ];
  for (const [from, to] of refused) {
    assert.equal(canTransition(from, to), false, `${from} → ${to}`);
    assert.throws(
      () => assertTransition(from, to),
      (e: unknown) => {
        assert.ok(e instanceof InvalidTransitionError);
        assert.equal(e.code, 'invalid_transition');
        assert.equal(e.from, from);
        assert.equal(e.to, to);
        assert.match(e.message, new RegExp(`cannot go from ${from} to ${to}`));
        assert.deepEqual((e.details as { allowed: string[] }).allowed, allowedTransitions(from));
        return true;
      },
    );
  }
  assert.throws(() => assertTransition('selected', 'booked'), /allowed from selected: assigned, cancelled/);
  assert.throws(() => assertTransition('closed', 'decided'), /closed is final/);
  assert.throws(() => assertTransition('selected', 'approved' as OrderState), /unknown order state "approved"/);
  assert.throws(() => assertTransition('draft' as OrderState, 'assigned'), (e: unknown) => e instanceof InvalidTransitionError && e.code === 'invalid_transition');
});

test('allowedTransitions lists the next states; every state is reachable and every path can end', () => {
  assert.deepEqual(allowedTransitions('booked'), ['in_progress', 'missed', 'rescheduled', 'onsite_scheduled', 'cancelled']);
  assert.deepEqual(allowedTransitions('closed'), []);
  assert.deepEqual(allowedTransitions('nonsense' as OrderState), []);
  assert.deepEqual([...TERMINAL_STATES].sort(), ['cancelled', 'closed']);
  // Reachable from selected.
  const seen = new Set<OrderState>(['selected']);
  const queue: OrderState[] = ['selected'];
  while (queue.length) for (const n of allowedTransitions(queue.shift()!)) if (!seen.has(n)) { seen.add(n); queue.push(n); }
  assert.deepEqual([...seen].sort(), [...ORDER_STATES].sort());
  // From every state a terminal state is reachable (nothing falls through).
  for (const s of ORDER_STATES) {
    const reach = new Set<OrderState>([s]);
    const q: OrderState[] = [s];
    while (q.length) for (const n of allowedTransitions(q.shift()!)) if (!reach.has(n)) { reach.add(n); q.push(n); }
    assert.ok(reach.has('closed') || reach.has('cancelled') || TERMINAL_STATES.includes(s), s);
  }
  // The returned list is a copy: callers cannot change the machine.
  allowedTransitions('selected').push('closed');
  assert.equal(canTransition('selected', 'closed'), false);
});
