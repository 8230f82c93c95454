// The audit log is scoped by customs office (issue 13, item 5): GET /api/audit gives supervisors, auditors and
// administrators only the entries about their own office (or about no office); an auditor named in
// RVI_NATIONAL_AUDITORS sees every office. Two customs offices: the demo's Yangshan (with its enterprises) and Pudong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../platform/config.ts';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { auditLog, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor } from '../../platform/actor.ts';
import { hashPassword } from '../auth/auth.service.ts';
import { client, orderInProgress, setUpActors, type Actors, type Client } from '../findings/findings.test-helpers.ts';
import { recordAudit } from './audit.service.ts';

let t: TestApp;
let a: Actors;
let pdOffice: string;
const pd: Record<'sup' | 'auditor' | 'admin', Client> = {} as never;
let national: Client;
let ysOrder: string;
let ysDeclaration: string;

interface Entry { seq: number; actorId: string | null; action: string; targetType: string | null; targetId: string | null; orgId: string | null }

async function addUser(username: string, role: string, orgId: string): Promise<Client> {
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId, username, displayName: username, role, passwordHash: await hashPassword(TEST_PASSWORD) });
  return client(t, username);
}

async function entries(c: Client, query = 'limit=500'): Promise<Entry[]> {
  const r = await c.get(`/api/audit?${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

before(async () => {
  t = await startTestApp({ nationalAuditors: ['national.auditor'] }, { jobs: false });
  a = await setUpActors(t);
  pdOffice = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: pdOffice, kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  pd.sup = await addUser('pd.supervisor', 'supervisor', pdOffice);
  pd.auditor = await addUser('pd.auditor', 'auditor', pdOffice);
  pd.admin = await addUser('pd.admin', 'administrator', pdOffice);
  national = await addUser('national.auditor', 'auditor', pdOffice);

  // Yangshan: an enterprise files, the office inspects. Pudong: its administrator changes its settings.
  const o = await orderInProgress(t, a);
  ysOrder = o.id;
  ysDeclaration = o.declarationId;
  const settings = (await pd.admin.get('/api/order-settings')).body;
  const r = await pd.admin.put('/api/order-settings', { ...settings, slotMinutes: 30 });
  assert.equal(r.status, 200, r.text);
  // An entry about a record that no longer exists names its order in the summary (as a retention tombstone does).
  await t.ctx.db.transaction(async (tx) => {
    await recordAudit(tx as unknown as Db, systemActor('test'), 'retention.deleted', { type: 'finding', id: 'gone-finding' }, { orderId: ysOrder });
  });
});
after(async () => t?.close());

const pdIds = () => [pd.sup.userId, pd.auditor.userId, pd.admin.userId, national.userId];

test('each office sees its own entries: Yangshan none of Pudong, Pudong none of Yangshan (supervisor, auditor, administrator)', async () => {
  for (const c of [a.sup, a.auditor, a.admin]) {
    const items = await entries(c);
    assert.ok(items.some((e) => e.targetId === ysOrder), 'own order');
    assert.ok(items.some((e) => e.targetId === ysDeclaration && e.actorId === a.alpha.userId), "an enterprise's entries belong to its supervising office");
    assert.ok(items.some((e) => e.targetId === 'gone-finding'), 'a deleted record is placed by the order its summary names');
    assert.ok(!items.some((e) => e.orgId === pdOffice || pdIds().includes(e.actorId ?? '')), 'no entry by Pudong staff');
    assert.ok(!items.some((e) => e.targetId === pdOffice), 'no entry about the Pudong office');
  }
  for (const c of [pd.sup, pd.auditor, pd.admin]) {
    const items = await entries(c);
    assert.ok(items.some((e) => e.action === 'order_settings.changed' && e.targetId === pdOffice), 'own settings change');
    for (const e of items) {
      assert.notEqual(e.targetId, ysOrder);
      assert.notEqual(e.targetId, ysDeclaration);
      assert.notEqual(e.targetId, 'gone-finding');
      assert.ok(e.orgId === null || e.orgId === pdOffice, `entry ${e.seq} (${e.action}) of org ${e.orgId} must not reach Pudong`);
    }
  }
});

test('a national auditor (RVI_NATIONAL_AUDITORS) sees both offices; paging keeps the scope; other roles are refused', async () => {
  const all = await entries(national);
  assert.ok(all.some((e) => e.targetId === ysOrder) && all.some((e) => e.targetId === pdOffice));
  const total = (await t.ctx.db.select({ seq: auditLog.seq }).from(auditLog)).length;
  assert.equal(all.length, Math.min(500, total), 'a national auditor sees every entry');
  // The capability is the auditor's: the same username as a supervisor would not widen anything.
  await t.ctx.db.update(users).set({ role: 'supervisor' }).where(eq(users.id, national.userId));
  try {
    const asSup = await client(t, 'national.auditor');
    assert.ok(!(await entries(asSup)).some((e) => e.targetId === ysOrder));
  } finally {
    await t.ctx.db.update(users).set({ role: 'auditor' }).where(eq(users.id, national.userId));
  }

  // Paging: every page of Pudong's view stays in Pudong.
  const first = await entries(pd.auditor, 'limit=2');
  assert.equal(first.length, 2);
  const next = await entries(pd.auditor, `limit=500&beforeSeq=${first[1].seq}`);
  assert.ok(next.every((e) => e.seq < first[1].seq && (e.orgId === null || e.orgId === pdOffice)));

  for (const c of [a.alpha, a.inspector1]) assert.equal((await c.get('/api/audit')).status, 403);
  assert.deepEqual(loadConfig({ RVI_NATIONAL_AUDITORS: ' a.b , c ' } as NodeJS.ProcessEnv).nationalAuditors, ['a.b', 'c']);
});
