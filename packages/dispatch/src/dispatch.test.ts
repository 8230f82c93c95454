import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dispatch,
  replayDispatch,
  assignmentsOf,
  type DispatchInput,
  type DispatchInspector,
  type DispatchOrder,
  type AssignedOrder,
  type UnassignedOrder,
} from './dispatch.ts';
import { DomainValidationError } from './errors.ts';

// 2025-03-05 is a Wednesday (ISO weekday 3).
const DAY = '2025-03-05';
const WEEKDAYS = [1, 2, 3, 4, 5];

function inspector(id: string, over: Partial<DispatchInspector> = {}): DispatchInspector {
  return { id, officeId: 'HAM', qualifications: ['food'], roster: { weekdays: WEEKDAYS }, dailyCapacity: 100, ...over };
}

function orders(n: number, over: Partial<DispatchOrder> | ((i: number) => Partial<DispatchOrder>) = {}): DispatchOrder[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `o${String(i).padStart(4, '0')}`,
    officeId: 'HAM',
    enterpriseId: `E${i}`,
    category: 'food',
    date: DAY,
    ...(typeof over === 'function' ? over(i) : over),
  }));
}

const assigned = (r: ReturnType<typeof dispatch>) => r.orders.filter((o): o is AssignedOrder => o.status === 'assigned');
const unassigned = (r: ReturnType<typeof dispatch>) => r.orders.filter((o): o is UnassignedOrder => o.status === 'unassigned');

test('conflicted, off-duty, unqualified, full and other-office inspectors are never chosen', () => {
  const input: DispatchInput = {
    orders: orders(40, (i) => ({ enterpriseId: i % 2 ? 'ACME' : `E${i}` })),
    inspectors: [
      inspector('ok-1'),
      inspector('ok-2'),
      inspector('conflicted', { conflicts: ['ACME'] }),
      inspector('weekend-only', { roster: { weekdays: [6, 7] } }),
      inspector('on-leave', { roster: { weekdays: WEEKDAYS, offDates: [DAY] } }),
      inspector('textiles-only', { qualifications: ['textiles'] }),
      inspector('full', { dailyCapacity: 3, load: { [DAY]: 3 } }),
      inspector('other-office', { officeId: 'BRE' }),
    ],
    rules: { rotationDays: 0 },
  };
  const seen = new Set<string>();
  for (let s = 0; s < 100; s++) {
    const r = dispatch(input, `seed-${s}`);
    assert.equal(r.summary.assigned, 40);
    for (const o of assigned(r)) {
      seen.add(o.inspectorId);
      const isAcme = Number(o.orderId.slice(1)) % 2 === 1;
      if (isAcme) assert.notEqual(o.inspectorId, 'conflicted');
      assert.ok(!['weekend-only', 'on-leave', 'textiles-only', 'full', 'other-office'].includes(o.inspectorId), o.inspectorId);
    }
  }
  // The conflicted inspector is fine for other enterprises, so all three eligible ones are used.
  assert.deepEqual([...seen].sort(), ['conflicted', 'ok-1', 'ok-2']);
  // The explanation counts each office inspector under the first rule it failed.
  const first = dispatch(input, 'x').orders.find((o) => o.orderId === 'o0001') as AssignedOrder;
  assert.deepEqual(first.explanation.eliminated, { unqualified: 1, off_duty: 2, conflict_of_interest: 1, rotation: 0, at_capacity: 1 });
  assert.equal(first.explanation.officeInspectors, 7);
  assert.equal(first.explanation.candidates, 2);
  assert.deepEqual(first.explanation.loadLevels.flatMap((l) => l.inspectorIds).sort(), ['ok-1', 'ok-2']);
});

test('roster: explicit duty dates count, off dates win over weekdays', () => {
  const input: DispatchInput = {
    orders: orders(1, { date: '2025-03-08' }), // a Saturday
    inspectors: [inspector('weekday'), inspector('saturday-duty', { roster: { weekdays: WEEKDAYS, dates: ['2025-03-08'] } })],
    rules: { rotationDays: 0 },
  };
  for (let s = 0; s < 20; s++) assert.equal(assignmentsOf(dispatch(input, `s${s}`)).get('o0000'), 'saturday-duty');
  input.inspectors[1].roster.offDates = ['2025-03-08'];
  const r = dispatch(input, 's');
  assert.equal(r.orders[0].status, 'unassigned');
  assert.deepEqual((r.orders[0] as UnassignedOrder).blockingRules, ['off_duty']);
});

test('daily capacity holds during the run; the overflow stays unassigned with the reason', () => {
  const input: DispatchInput = {
    orders: orders(7),
    inspectors: [inspector('a', { dailyCapacity: 2 }), inspector('b', { dailyCapacity: 3, load: { [DAY]: 1 } })],
    rules: { rotationDays: 0 },
  };
  const r = dispatch(input, 'cap');
  const counts: Record<string, number> = {};
  for (const o of assigned(r)) counts[o.inspectorId] = (counts[o.inspectorId] ?? 0) + 1;
  assert.deepEqual(counts, { a: 2, b: 2 });
  const left = unassigned(r);
  assert.equal(left.length, 3);
  for (const o of left) {
    assert.equal(o.reason, 'no_candidates');
    assert.deepEqual(o.blockingRules, ['at_capacity']);
    assert.equal(o.explanation.eliminated.at_capacity, 2);
    assert.match(o.message, /at capacity 2/);
  }
  assert.equal(r.summary.unassignedByRule.at_capacity, 3);
  // Other days are unaffected by this day's load.
  const other = dispatch({ ...input, orders: orders(4, { date: '2025-03-06' }) }, 'cap');
  assert.equal(other.summary.assigned, 4);
});

test('rotation: no inspector gets the same enterprise twice within the window, in either direction', () => {
  const base: DispatchInput = {
    orders: [],
    inspectors: [inspector('a'), inspector('b')],
    rules: { rotationDays: 7 },
  };
  // History: a inspected ACME 6 days ago (inside the window), b 7 days ago (just outside).
  base.inspectors[0].recentAssignments = [{ enterpriseId: 'ACME', date: '2025-02-27' }];
  base.inspectors[1].recentAssignments = [{ enterpriseId: 'ACME', date: '2025-02-26' }];
  for (let s = 0; s < 30; s++) {
    const r = dispatch({ ...base, orders: orders(1, { enterpriseId: 'ACME' }) }, `r${s}`);
    assert.equal(assignmentsOf(r).get('o0000'), 'b');
    assert.equal((r.orders[0] as AssignedOrder).explanation.eliminated.rotation, 1);
  }
  // Within the run: three ACME orders on days 0, +3 and +10 with two inspectors and no history.
  // The +3 order is processed first (inspect on arrival), so the window must hold backwards as well.
  const run: DispatchInput = {
    orders: [
      { id: 'd0', officeId: 'HAM', enterpriseId: 'ACME', category: 'food', date: '2025-03-03' },
      { id: 'd3', officeId: 'HAM', enterpriseId: 'ACME', category: 'food', date: '2025-03-06', inspectOnArrival: true },
      { id: 'd10', officeId: 'HAM', enterpriseId: 'ACME', category: 'food', date: '2025-03-13' },
      { id: 'd1', officeId: 'HAM', enterpriseId: 'ACME', category: 'food', date: '2025-03-04' },
    ],
    inspectors: [inspector('a'), inspector('b')],
    rules: { rotationDays: 7 },
  };
  for (let s = 0; s < 50; s++) {
    const r = dispatch(run, `w${s}`);
    const m = assignmentsOf(r);
    assert.notEqual(m.get('d0'), m.get('d3'));
    assert.ok(m.has('d0') && m.has('d3') && m.has('d10'));
    // d1 is within 7 days of both d0 and d3, which used both inspectors.
    assert.equal(m.has('d1'), false);
    const d1 = r.orders.find((o) => o.orderId === 'd1') as UnassignedOrder;
    assert.deepEqual(d1.blockingRules, ['rotation']);
  }
  // rotationDays 0 disables the rule.
  const off = dispatch({ ...run, rules: { rotationDays: 0 } }, 'off');
  assert.equal(off.summary.assigned, 4);
});

test('inspect-on-arrival orders go first, then priority, then date and id', () => {
  const input: DispatchInput = {
    orders: [
      { id: 'a-routine', officeId: 'HAM', enterpriseId: 'E1', category: 'food', date: '2025-03-05' },
      { id: 'b-early', officeId: 'HAM', enterpriseId: 'E2', category: 'food', date: '2025-03-04' },
      { id: 'c-priority', officeId: 'HAM', enterpriseId: 'E3', category: 'food', date: '2025-03-05', priority: 5 },
      { id: 'd-arrived', officeId: 'HAM', enterpriseId: 'E4', category: 'food', date: '2025-03-05', inspectOnArrival: true },
    ],
    inspectors: [inspector('only', { dailyCapacity: 1, roster: { weekdays: [3] } })],
    rules: { rotationDays: 0 },
  };
  const r = dispatch(input, 'q');
  assert.deepEqual(r.orders.map((o) => o.orderId), ['d-arrived', 'c-priority', 'b-early', 'a-routine']);
  assert.deepEqual(r.orders.map((o) => o.position), [0, 1, 2, 3]);
  // Only one slot on Wednesday: the arrived goods get it.
  assert.equal(assignmentsOf(r).get('d-arrived'), 'only');
  assert.equal(r.orders[1].status, 'unassigned');
  assert.equal((r.orders[2] as UnassignedOrder).blockingRules[0], 'off_duty'); // Tuesday
});

test('an office without inspectors and an unknown category are explained', () => {
  const r = dispatch(
    { orders: [...orders(1, { officeId: 'NOWHERE' }), ...orders(1, { id: 'x', category: 'uranium' })], inspectors: [inspector('a')], rules: { rotationDays: 0 } },
    's',
  );
  const [a, b] = r.orders as UnassignedOrder[];
  assert.equal(a.reason, 'no_inspectors_in_office');
  assert.match(a.message, /no inspectors in office NOWHERE/);
  assert.equal(b.reason, 'no_candidates');
  assert.deepEqual(b.blockingRules, ['unqualified']);
  assert.equal(r.summary.unassignedByRule.no_inspectors_in_office, 1);
  assert.equal(r.summary.unassignedByRule.unqualified, 1);
});

test('same input and seed give the same result whatever the row order; the input is not modified', () => {
  const input: DispatchInput = {
    orders: orders(60, (i) => ({ enterpriseId: `E${i % 7}`, date: `2025-03-0${3 + (i % 3)}` })),
    inspectors: Array.from({ length: 8 }, (_, i) => inspector(`i${i}`, { dailyCapacity: 9, load: { '2025-03-03': i % 3 } })),
    rules: { rotationDays: 2 },
  };
  const before = JSON.stringify(input);
  const a = dispatch(input, 'same');
  assert.equal(JSON.stringify(input), before);
  const shuffled: DispatchInput = { ...input, orders: [...input.orders].reverse(), inspectors: [...input.inspectors].reverse() };
  assert.deepEqual(dispatch(shuffled, 'same'), a);
  const b = dispatch(input, 'different');
  assert.notDeepEqual(assignmentsOf(b), assignmentsOf(a));
});

test('replay recomputes a recorded run and confirms it; a changed result, input or seed is detected', () => {
  const input: DispatchInput = {
    orders: orders(30, (i) => ({ enterpriseId: `E${i % 4}` })),
    inspectors: Array.from({ length: 5 }, (_, i) => inspector(`i${i}`, { dailyCapacity: 7 })),
    rules: { rotationDays: 1 },
  };
  const recorded = JSON.parse(JSON.stringify(dispatch(input, 'run-42')));
  const storedInput = JSON.parse(JSON.stringify(input));

  const ok = replayDispatch(storedInput, 'run-42', recorded);
  assert.equal(ok.same, true);
  assert.deepEqual(ok.differences, []);

  // Someone edits the recorded assignment of one order.
  const target = recorded.orders.findIndex((o: AssignedOrder) => o.status === 'assigned');
  const tampered = structuredClone(recorded);
  const original = tampered.orders[target].inspectorId;
  tampered.orders[target].inspectorId = original === 'i0' ? 'i1' : 'i0';
  const bad = replayDispatch(storedInput, 'run-42', tampered);
  assert.equal(bad.same, false);
  assert.deepEqual(bad.differences, [{ path: `orders[${target}].inspectorId`, recorded: tampered.orders[target].inspectorId, replayed: original }]);

  // A different seed or changed input does not reproduce the record.
  assert.equal(replayDispatch(storedInput, 'run-43', recorded).same, false);
  const changedInput = structuredClone(storedInput);
  changedInput.inspectors[0].conflicts = ['E0', 'E1', 'E2', 'E3'];
  const changed = replayDispatch(changedInput, 'run-42', recorded);
  assert.equal(changed.same, false);
  assert.ok(changed.differences.length > 0);

  // A record that is not even a result, or an input that no longer validates, is reported, not thrown.
  assert.equal(replayDispatch(storedInput, 'run-42', null).same, false);
  const broken = replayDispatch({ orders: 'nope' }, 'run-42', recorded);
  assert.equal(broken.same, false);
  assert.equal(broken.error?.code, 'validation_failed');
});

test('fairness: load is spread evenly within each run and across runs; the choice is still random', () => {
  // 12 identical inspectors, 60 orders on one day: the even split is 5 each.
  const input: DispatchInput = {
    orders: orders(60),
    inspectors: Array.from({ length: 12 }, (_, i) => inspector(`i${String(i).padStart(2, '0')}`, { dailyCapacity: 20 })),
    rules: { rotationDays: 0 },
  };
  const RUNS = 200;
  const totals: Record<string, number> = {};
  const firstPick = new Set<string>();
  let worstSpread = 0;
  let cvSum = 0;
  for (let s = 0; s < RUNS; s++) {
    const r = dispatch(input, `fair-${s}`);
    const counts: Record<string, number> = Object.fromEntries(input.inspectors.map((x) => [x.id, 0]));
    for (const o of assigned(r)) counts[o.inspectorId]++;
    const v = Object.values(counts);
    worstSpread = Math.max(worstSpread, Math.max(...v) - Math.min(...v));
    const mean = 5;
    cvSum += Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) / mean;
    for (const [k, n] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + n;
    firstPick.add((r.orders[0] as AssignedOrder).inspectorId);
  }
  // Within a run: nobody is more than 3 orders away from anybody else, and the mean CV is small.
  assert.ok(worstSpread <= 3, `worst spread ${worstSpread}`);
  assert.ok(cvSum / RUNS <= 0.15, `mean per-run load CV ${(cvSum / RUNS).toFixed(3)}`);
  // Across runs every inspector gets the same share (±10 %) …
  for (const [k, n] of Object.entries(totals)) assert.ok(Math.abs(n - RUNS * 5) <= RUNS * 5 * 0.1, `${k}: ${n}`);
  // … and the first order of the day can go to anyone: the draw is random, not round-robin.
  assert.equal(firstPick.size, 12);

  // Earlier load counts: an inspector starting the day with 4 orders gets few new ones.
  const loaded = structuredClone(input);
  loaded.inspectors[0].load = { [DAY]: 4 };
  let got = 0;
  for (let s = 0; s < 50; s++) got += assigned(dispatch(loaded, `l${s}`)).filter((o) => o.inspectorId === 'i00').length;
  assert.ok(got / 50 < 1.5, `pre-loaded inspector got ${got / 50} per run`);

  // With exponent 0 the draw ignores load (uniform): the spread is visibly worse, so the weighting is what levels.
  let uniformSpread = 0;
  for (let s = 0; s < 50; s++) {
    const r = dispatch({ ...input, rules: { rotationDays: 0, loadWeightExponent: 0 } }, `u${s}`);
    const counts: Record<string, number> = {};
    for (const o of assigned(r)) counts[o.inspectorId] = (counts[o.inspectorId] ?? 0) + 1;
    const v = input.inspectors.map((x) => counts[x.id] ?? 0);
    uniformSpread = Math.max(uniformSpread, Math.max(...v) - Math.min(...v));
  }
  assert.ok(uniformSpread > worstSpread, `uniform ${uniformSpread} vs weighted ${worstSpread}`);
});

test('the explanation shows weights that favour lower load, and the draw falls in the chosen span', () => {
  const input: DispatchInput = {
    orders: orders(1),
    inspectors: [inspector('busy', { load: { [DAY]: 3 } }), inspector('idle'), inspector('some', { load: { [DAY]: 1 } })],
    rules: { rotationDays: 0 },
  };
  const r = dispatch(input, 'w');
  const o = r.orders[0] as AssignedOrder;
  assert.deepEqual(o.explanation.loadLevels, [
    { load: 0, weight: 65536, inspectorIds: ['idle'] },
    { load: 1, weight: Math.floor(65536 / 2 ** 4), inspectorIds: ['some'] },
    { load: 3, weight: Math.floor(65536 / 4 ** 4), inspectorIds: ['busy'] },
  ]);
  assert.equal(o.explanation.totalWeight, 256 + 65536 + 4096);
  // Anyone can verify the choice from the record: walk candidates in id order, each covering its weight.
  for (let s = 0; s < 30; s++) {
    const e = (dispatch(input, `walk-${s}`).orders[0] as AssignedOrder);
    const spans = e.explanation.loadLevels
      .flatMap((l) => l.inspectorIds.map((id) => ({ id, weight: l.weight })))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    let acc = 0;
    const owner = spans.find((x) => e.explanation.draw < (acc += x.weight))!;
    assert.equal(owner.id, e.inspectorId);
  }
});

test('bad input is refused with every bad field named', () => {
  const bad = {
    orders: [
      { id: 'o1', officeId: 'HAM', enterpriseId: 'E', category: 'food', date: '2025-02-30' },
      { id: 'o1', officeId: '', enterpriseId: 'E', category: 'food', date: DAY, inspectOnArrival: 'yes' },
    ],
    inspectors: [{ id: 'i', officeId: 'HAM', qualifications: 'food', roster: { weekdays: [0] }, dailyCapacity: -1, load: { tomorrow: 1 } }],
    rules: { rotationDays: -3 },
  };
  assert.throws(
    () => dispatch(bad as unknown as DispatchInput, 's'),
    (e: unknown) => {
      assert.ok(e instanceof DomainValidationError);
      assert.equal(e.code, 'validation_failed');
      const paths = e.issues.map((i) => i.path);
      for (const p of ['rules.rotationDays', 'orders[0].date', 'orders[1].id', 'orders[1].officeId', 'orders[1].inspectOnArrival',
        'inspectors[0].qualifications', 'inspectors[0].dailyCapacity', 'inspectors[0].roster.weekdays[0]', 'inspectors[0].load["tomorrow"]']) {
        assert.ok(paths.includes(p), `missing issue for ${p}: ${paths.join(', ')}`);
      }
      assert.match(e.message, /orders\[0\]\.date: must be a calendar date YYYY-MM-DD/);
      return true;
    },
  );
  assert.throws(() => dispatch({ orders: [], inspectors: [], rules: { rotationDays: 0 } }, ''), /seed/);
  assert.throws(() => dispatch(null as unknown as DispatchInput, 's'), DomainValidationError);
});

test('look-ahead: an order nobody can take on its day is planned on the first later day with a candidate', () => {
  // Wednesday: the only inspector is on leave; Thursday: full; Friday: free.
  const input: DispatchInput = {
    orders: orders(1),
    inspectors: [inspector('solo', { dailyCapacity: 2, roster: { weekdays: WEEKDAYS, offDates: [DAY] }, load: { '2025-03-06': 2 } })],
    rules: { rotationDays: 0, lookaheadDays: 3 },
  };
  const r = dispatch(input, 'seed');
  const [o] = assigned(r);
  assert.equal(o.date, '2025-03-07');
  assert.equal(o.explanation.deferredFrom, DAY);
  assert.deepEqual(o.explanation.skippedDays?.map((d) => [d.date, d.eliminated.off_duty, d.eliminated.at_capacity]), [[DAY, 1, 0], ['2025-03-06', 0, 1]]);
  assert.deepEqual(r.rules, { rotationDays: 0, loadWeightExponent: 4, lookaheadDays: 3 });
  assert.equal(replayDispatch(input, 'seed', JSON.parse(JSON.stringify(r))).same, true);

  // Without look-ahead the same order stays unassigned on its day, and the old result shape is kept (no lookaheadDays key).
  const none = dispatch({ ...input, rules: { rotationDays: 0 } }, 'seed');
  assert.equal(unassigned(none).length, 1);
  assert.deepEqual(none.rules, { rotationDays: 0, loadWeightExponent: 4 });
  assert.match(unassigned(none)[0].message, /in office HAM/);

  // Look-ahead too short: unassigned, with every day tried and a message without the office id.
  const short = dispatch({ ...input, rules: { rotationDays: 0, lookaheadDays: 1 } }, 'seed');
  const [u] = unassigned(short);
  assert.equal(u.date, DAY);
  assert.deepEqual(u.blockingRules, ['off_duty']);
  assert.deepEqual(u.explanation.triedDays?.map((d) => d.date), ['2025-03-06']);
  assert.doesNotMatch(u.message, /HAM/);
  assert.match(u.message, /on 2025-03-05 or the next 1 day/);
});

test('look-ahead fills capacity day by day and counts the run\'s own assignments', () => {
  const input: DispatchInput = {
    orders: orders(5),
    inspectors: [inspector('a', { dailyCapacity: 2 })],
    rules: { rotationDays: 0, lookaheadDays: 5 },
  };
  const r = dispatch(input, 's');
  // Wed 2, Thu 2, Fri 1.
  assert.deepEqual(assigned(r).map((o) => o.date), [DAY, DAY, '2025-03-06', '2025-03-06', '2025-03-07']);
  // Nobody qualified: no later day is tried.
  const u = dispatch({ ...input, orders: orders(1, { category: 'weapons' }) }, 's');
  assert.equal(unassigned(u)[0].explanation.triedDays, undefined);
  assert.throws(() => dispatch({ ...input, rules: { rotationDays: 0, lookaheadDays: 61 } }, 's'), DomainValidationError);
});

test('inspectorFailures lists every rule an inspector fails, not only the first', async () => {
  const { inspectorFailures } = await import('./dispatch.ts');
  const order = orders(1, { enterpriseId: 'ACME' })[0];
  const x = inspector('x', { qualifications: ['textiles'], conflicts: ['ACME'], roster: { weekdays: [6] }, dailyCapacity: 1, load: { [DAY]: 1 }, recentAssignments: [{ enterpriseId: 'ACME', date: '2025-03-03' }] });
  assert.deepEqual(inspectorFailures(x, order, { rotationDays: 7 }), ['unqualified', 'off_duty', 'conflict_of_interest', 'rotation', 'at_capacity']);
  assert.deepEqual(inspectorFailures(inspector('ok'), order, { rotationDays: 7 }), []);
});
