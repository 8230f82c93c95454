// Remote eligibility through the API: facts from the declaration, order, enterprise credit rating, camera device,
// connection test and arrival notice; every fired rule listed; the inspector's decision (reason required against
// the recommendation) audited; an administrator's new rule version takes effect at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { iso6346CheckDigit } from '@rvi/contracts';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { eligibilityDecisions, inspectionOrders } from '../../db/schema.ts';
import { auditActions, client, declarationIds, futureWeekday, userId, type Client } from '../orders/orders.test-helpers.ts';

const NOT_LIVE = (hs: string) => !hs.startsWith('01') && !hs.startsWith('36') && !hs.startsWith('93') && !hs.startsWith('2710');
let t: TestApp;
let sup: Client;
let admin: Client;
let insp1: Client;
let insp2: Client;
let alphaUser: Client;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  [sup, admin, insp1, insp2, alphaUser] = await Promise.all(['supervisor', 'admin', 'inspector1', 'inspector2', 'alpha.user'].map((u) => client(t, u)));
  // No rotation here: these tests dispatch several orders of one enterprise to the two demo inspectors.
  const s = (await admin.get('/api/order-settings')).body;
  assert.equal((await admin.put('/api/order-settings', { ...s, rotationDays: 0 })).status, 200);
});
after(async () => t?.close());

/** An order of the enterprise, dispatched (to inspector1 or 2); returns the order and the client of its inspector. */
async function assignedOrder(org: 'alpha' | 'beta', index: number, containers?: number) {
  const [d] = (await declarationIds(t, org, index + 1, NOT_LIVE)).slice(index);
  if (containers !== undefined) {
    const owner = await client(t, `${org}.user`);
    const n = await owner.post(`/api/declarations/${d.id}/arrival-notices`, {
      expectedArrivalAt: `${futureWeekday(2)}T02:00:00Z`, location: 'Yangshan terminal 4',
      containerNumbers: Array.from({ length: containers }, (_, i) => { const p = `MSKU${String(100000 + i)}`; return `${p}${iso6346CheckDigit(p)}`; }), goodsSummary: 'electronics',
    });
    assert.equal(n.status, 201, n.text);
  }
  const o = await sup.post('/api/orders', { declarationId: d.id });
  assert.equal(o.status, 201, o.text);
  const run = await sup.post('/api/dispatch/runs', { date: futureWeekday(2) });
  assert.equal(run.status, 201, run.text);
  const [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, o.body.id));
  assert.equal(row.state, 'assigned', JSON.stringify(row.unassignedReason));
  const inspector = row.inspectorId === (await userId(t, 'inspector1')) ? insp1 : insp2;
  const other = inspector === insp1 ? insp2 : insp1;
  return { id: row.id, inspector, other };
}

test('recommendation lists every fired rule: Alpha with a tested camera and 2 containers → remote; Beta without a camera → on site', async () => {
  const a = await assignedOrder('alpha', 0, 2);
  const e = await sup.get(`/api/orders/${a.id}/eligibility`);
  assert.equal(e.status, 200, e.text);
  assert.equal(e.body.recommendation, 'remote', JSON.stringify(e.body.fired));
  assert.deepEqual(e.body.fired, []);
  assert.equal(e.body.facts['goods.containerCount'], 2);
  assert.equal(e.body.facts['enterprise.creditRating'], 'A');
  assert.equal(e.body.facts['enterprise.hasRegisteredDevice'], true);
  assert.equal(e.body.ruleSet.version, 1);

  const b = await assignedOrder('beta', 0, 1);
  const eb = await sup.get(`/api/orders/${b.id}/eligibility`);
  assert.equal(eb.body.recommendation, 'onsite');
  assert.deepEqual(eb.body.fired.map((f: { ruleId: string }) => f.ruleId).sort(), ['no-connection-test', 'no-registered-device']);

  // No arrival notice: the container count is unknown, so the container rule fires on missing facts (never remote by default).
  const c = await assignedOrder('alpha', 1);
  const ec = await sup.get(`/api/orders/${c.id}/eligibility`);
  assert.equal(ec.body.recommendation, 'onsite');
  const fired = ec.body.fired.find((f: { ruleId: string }) => f.ruleId === 'container-limit');
  assert.equal(fired.basis, 'missing_facts');
  assert.deepEqual(fired.missingFacts, ['goods.containerCount']);

  // Enterprises never see recommendations or reasons; 404 for unknown orders; 401 without a session.
  assert.equal((await alphaUser.get(`/api/orders/${a.id}/eligibility`)).status, 403);
  assert.equal((await sup.get('/api/orders/unknown/eligibility')).status, 404);
  assert.equal((await t.app.inject({ url: `/api/orders/${a.id}/eligibility` })).statusCode, 401);
});

test('the assigned inspector decides; against the recommendation only with a reason; audited; deciding twice is an illegal transition', async () => {
  const b = await assignedOrder('beta', 1, 1);
  assert.equal((await b.other.post(`/api/orders/${b.id}/eligibility`, { mode: 'onsite' })).status, 403, 'not the assigned inspector');
  assert.equal((await sup.post(`/api/orders/${b.id}/eligibility`, { mode: 'onsite' })).status, 403, 'supervisors do not decide');
  assert.equal((await b.inspector.post(`/api/orders/${b.id}/eligibility`, { mode: 'video' })).status, 400);
  const noReason = await b.inspector.post(`/api/orders/${b.id}/eligibility`, { mode: 'remote' });
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.error.code, 'reason_required');
  const ok = await b.inspector.post(`/api/orders/${b.id}/eligibility`, { mode: 'remote', reason: 'Beta will use a borrowed phone; tested by phone call' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.state, 'eligibility_decided');
  assert.equal(ok.body.mode, 'remote');
  const [decision] = await t.ctx.db.select().from(eligibilityDecisions).where(eq(eligibilityDecisions.orderId, b.id));
  assert.equal(decision.overridden, true);
  assert.equal(decision.recommendation, 'onsite');
  assert.match(decision.reason!, /borrowed phone/);
  assert.deepEqual(await auditActions(t, b.id), ['order.created', 'order.assigned', 'order.eligibility_decided']);
  const again = await b.inspector.post(`/api/orders/${b.id}/eligibility`, { mode: 'remote', reason: 'again' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'invalid_transition');
  assert.match(again.body.error.message, /cannot go from eligibility_decided to eligibility_decided/);
  // The decision is shown to customs with the order.
  const detail = await sup.get(`/api/orders/${b.id}`);
  assert.equal(detail.body.eligibilityDecision.overridden, true);
  // Going with the recommendation needs no reason.
  const a = await assignedOrder('alpha', 2, 1);
  const follow = await a.inspector.post(`/api/orders/${a.id}/eligibility`, { mode: 'remote' });
  assert.equal(follow.status, 200, follow.text);
});

test('an administrator\'s new rule version takes effect at once; invalid rules are refused naming the field', async () => {
  const a = await assignedOrder('alpha', 3, 3);
  assert.equal((await sup.get(`/api/orders/${a.id}/eligibility`)).body.recommendation, 'remote');
  const current = (await admin.get('/api/eligibility/rule-sets')).body;
  assert.equal(current.active.version, 1);
  assert.ok(current.active.facts['goods.containerCount']);

  const bad = await admin.post('/api/eligibility/rule-sets', { rules: [{ id: 'x', description: 'typo', when: { fact: 'goods.containerCnt', op: 'gt', value: 2 }, outcome: 'onsite' }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_rules');
  assert.equal(bad.body.error.details.issues[0].path, 'rules[0].when.fact');
  assert.equal((await sup.post('/api/eligibility/rule-sets', { rules: [] })).status, 403, 'only administrators edit rules');

  const rules = current.active.rules.map((r: { id: string; when: { value: unknown } }) => (r.id === 'container-limit'
    ? { ...r, description: 'More than 2 containers cannot be inspected remotely', when: { ...r.when, value: 2 } } : r));
  const saved = await admin.post('/api/eligibility/rule-sets', { rules, note: 'tighter container limit' });
  assert.equal(saved.status, 201, saved.text);
  assert.equal(saved.body.version, 2);
  const after = await sup.get(`/api/orders/${a.id}/eligibility`);
  assert.equal(after.body.ruleSet.version, 2);
  assert.equal(after.body.recommendation, 'onsite');
  assert.deepEqual(after.body.fired.map((f: { ruleId: string; basis: string }) => [f.ruleId, f.basis]), [['container-limit', 'matched']]);
  const list = (await admin.get('/api/eligibility/rule-sets')).body;
  assert.deepEqual(list.versions.map((v: { version: number; active: boolean }) => [v.version, v.active]), [[2, true], [1, false]]);
  assert.deepEqual(await auditActions(t, saved.body.id), ['eligibility.rules_changed']);
});
