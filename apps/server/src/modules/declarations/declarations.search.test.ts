// The declarations list's text search at real volumes (issue 18): 4,000 declarations of two enterprises; a container
// number (any case, from the start) or the enterprise's name finds them, pages of a search hold every match once,
// and neither another enterprise nor another customs office finds anything of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { declarations, organisations, users } from '../../db/schema.ts';
import { hashPassword } from '../auth/auth.service.ts';

let t: TestApp;
const cookies: Record<string, string> = {};
const seeded: { id: string; org: 'alpha' | 'beta'; containers: string[] }[] = [];

before(async () => {
  t = await startTestApp({}, { jobs: false });
  const office2 = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: office2, kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId: office2, username: 'pd.supervisor', displayName: 'PD supervisor', role: 'supervisor', passwordHash: await hashPassword(TEST_PASSWORD) });
  for (const u of ['supervisor', 'pd.supervisor', 'alpha.user', 'beta.user']) cookies[u] = await t.login(u);
  for (const [org, n] of [['alpha', 3000], ['beta', 1000]] as const) {
    const rows: (typeof declarations.$inferInsert)[] = [];
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      // owner code per enterprise, the serial shared: the same 'MSCU0001' prefix exists in both enterprises
      const containers = i % 20 === 0 ? [`${org === 'alpha' ? 'MSCU' : 'TGHU'}${String(i).padStart(7, '0')}`] : [];
      rows.push({
        id, orgId: t.orgs[org], customsOfficeId: t.orgs.office, declarationNo: `SRCH-${org}-${String(i).padStart(5, '0')}`, date: '2029-12-01', officeCode: '30',
        processType: 'B', importType: '11', importUse: '21', paymentType: '11', transportMode: '10', declarantCode: 'D1', importerCode: 'I1', hs6: '851762',
        countryOfDeparture: 'CN', countryOfOrigin: 'CN', taxRate: 8, taxType: 'A', originIndicator: 'Y', netMassKg: 100, itemPrice: 1000,
        containers: containers.map((number) => ({ number, seals: [] })), source: 'api',
      });
      seeded.push({ id, org, containers });
    }
    for (let i = 0; i < rows.length; i += 500) await t.ctx.db.insert(declarations).values(rows.slice(i, i + 500));
  }
});
after(async () => t?.close());

async function list(user: string, qs: string) {
  const r = await t.app.inject({ url: `/api/declarations?${qs}`, headers: { cookie: cookies[user] } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as { items: { id: string; orgId: string }[]; total: number };
}

test('a container number finds its declaration; a prefix, in lower case, finds all that start with it', async () => {
  const one = seeded.find((s) => s.org === 'alpha' && s.containers.length)!;
  assert.deepEqual((await list('supervisor', `q=${one.containers[0]}`)).items.map((d) => d.id), [one.id]);
  const prefix = 'mscu0001';
  const expected = seeded.filter((s) => s.containers.some((c) => c.startsWith(prefix.toUpperCase())));
  assert.ok(expected.length > 5);
  const found = await list('supervisor', `q=${prefix}&limit=200`);
  assert.equal(found.total, expected.length);
  assert.deepEqual(new Set(found.items.map((d) => d.id)), new Set(expected.map((s) => s.id)));
});

test('customs find an enterprise by part of its name; the pages of the search hold each match once', async () => {
  const ids: string[] = [];
  let total = 0;
  for (let offset = 0; ; offset += 200) {
    const page = await list('supervisor', `q=${encodeURIComponent('imports ltd')}&sort=declarationNo&order=asc&limit=200&offset=${offset}`);
    total = page.total;
    ids.push(...page.items.map((d) => d.id));
    assert.ok(page.items.every((d) => d.orgId === t.orgs.beta));
    if (page.items.length < 200) break;
  }
  const [{ n: betaAll }] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(declarations).where(eq(declarations.orgId, t.orgs.beta));
  assert.equal(total, Number(betaAll), 'every declaration of Beta Imports Ltd.');
  assert.ok(total >= 1000);
  assert.equal(new Set(ids).size, total);
});

test('isolation: another enterprise and another office find nothing by container or name', async () => {
  const alphaContainer = seeded.find((s) => s.org === 'alpha' && s.containers.length)!.containers[0];
  assert.equal((await list('beta.user', `q=${alphaContainer}`)).total, 0);
  assert.equal((await list('beta.user', 'q=Alpha%20Trading')).total, 0);
  assert.equal((await list('alpha.user', 'q=TGHU')).total, 0);
  assert.equal((await list('alpha.user', 'q=MSCU&limit=1')).total, seeded.filter((s) => s.org === 'alpha' && s.containers.length).length);
  assert.equal((await list('pd.supervisor', `q=${alphaContainer}`)).total, 0);
  assert.equal((await list('pd.supervisor', 'q=Beta')).total, 0);
  // LIKE's wildcards are searched for, not used
  assert.equal((await list('supervisor', 'q=%25')).total, 0);
});
