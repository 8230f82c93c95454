// The order lists' URL state: what a link carries is what the page shows, defaults stay out of links, parameters of
// others (?order= of a notification) survive, nonsense in a hand-edited URL falls back to defaults, and the queries
// sent are ones the server's schema accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderListQuery, PlanQuery } from '@rvi/contracts';
import { checkObject } from '../../shared/validation/schema-check.ts';
import { inboxQuery, inspectionsQuery, nextSort, pageCount, planQuery, readOrderListState, writeOrderListState } from './list-state.ts';

test('a state written to the URL reads back the same; defaults are left out', () => {
  const s = readOrderListState(new URLSearchParams('q=MSCU12&state=booked&mode=remote&sort=appointment&dir=desc&page=3&limit=50&from=2030-01-06&days=7&unassigned=1'));
  assert.deepEqual(s, { q: 'MSCU12', state: 'booked', mode: 'remote', sort: 'appointment', order: 'desc', page: 3, limit: 50, from: '2030-01-06', days: 7, unassigned: true });
  assert.deepEqual(readOrderListState(writeOrderListState(s)), s);
  assert.equal(writeOrderListState(readOrderListState(new URLSearchParams(''))).toString(), '');
  assert.equal(writeOrderListState(readOrderListState(new URLSearchParams('order=abc')), new URLSearchParams('order=abc&page=2')).toString(), 'order=abc');
});

test('nonsense in the URL falls back to the defaults', () => {
  const s = readOrderListState(new URLSearchParams(`state=lost&mode=video&sort=risk&dir=sideways&page=-2&limit=7&from=2030-02-31&days=3&q=${'x'.repeat(80)}`));
  assert.deepEqual({ ...s, q: s.q.length }, { q: 64, state: '', mode: '', sort: '', order: 'asc', page: 1, limit: 20, from: '', days: 1, unassigned: false });
  assert.equal(readOrderListState(new URLSearchParams('from=2030-13-45')).from, '');
});

test('sorting: a new column ascending (newest first for the creation date), the same column flips', () => {
  assert.deepEqual(nextSort({ sort: '', order: 'asc' }, 'declarationNo'), { sort: 'declarationNo', order: 'asc' });
  assert.deepEqual(nextSort({ sort: 'declarationNo', order: 'asc' }, 'declarationNo'), { sort: 'declarationNo', order: 'desc' });
  assert.deepEqual(nextSort({ sort: 'declarationNo', order: 'desc' }, 'createdAt'), { sort: 'createdAt', order: 'desc' });
});

test('queries sent are valid for the server: inbox open and mine, enterprise without customs-only sorts, plan with its range', () => {
  const s = readOrderListState(new URLSearchParams('q=%20TGHU%20&sort=queue&dir=desc&page=4&limit=100&days=7&from=2030-01-06&unassigned=1'));
  const inbox = inboxQuery(s);
  assert.deepEqual(inbox, { q: 'TGHU', sort: 'queue', order: 'desc', limit: 100, offset: 300, mine: true, open: true });
  assert.deepEqual(checkObject(OrderListQuery, inbox), {});
  const ent = inspectionsQuery(s);
  assert.equal(ent.sort, undefined, 'the queue is not an enterprise\'s sort');
  assert.deepEqual(checkObject(OrderListQuery, ent), {});
  const plan = planQuery(s);
  assert.deepEqual(plan, { q: 'TGHU', sort: 'queue', order: 'desc', limit: 100, offset: 300, from: '2030-01-06', days: 7, unassigned: true });
  assert.deepEqual(checkObject(PlanQuery, plan), {});
  assert.equal(pageCount(0, 20), 1);
  assert.equal(pageCount(41, 20), 3);
});
