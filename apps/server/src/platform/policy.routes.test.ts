import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestApp, declarationBody, csvRow, CSV_HEADER, TEST_PASSWORD, type TestApp } from '../../test/harness.ts';
import { organisations, users } from '../db/schema.ts';
import { hashPassword } from '../modules/auth/auth.service.ts';

// Every route × every role × organisation: the policy layer allows or denies as the table says, and a record of
// another organisation is never disclosed (404, never the data).
let t: TestApp;
const cookies: Record<string, string> = {};
let alphaDecl = '';
const ALL = ['alpha.user', 'alpha.operator', 'beta.user', 'beta.operator', 'inspector1', 'supervisor', 'admin', 'auditor', 'other.inspector'] as const;
type Who = (typeof ALL)[number];

before(async () => {
  t = await startTestApp();
  // A second customs office with its own inspector: it must not see the first office's records.
  const otherOffice = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: otherOffice, kind: 'customs_office', name: 'Other Customs', code: 'CUS-OTHER' });
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId: otherOffice, username: 'other.inspector', displayName: 'Other', role: 'inspector', passwordHash: await hashPassword(TEST_PASSWORD) });
  for (const u of ALL) cookies[u] = await t.login(u);
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie: cookies['alpha.user'] }, payload: declarationBody('POL-1') });
  assert.equal(r.statusCode, 201, r.body);
  alphaDecl = r.json().id;
});
after(async () => t?.close());

type Case = { name: string; method: 'GET' | 'POST'; url: () => string; body?: () => unknown; contentType?: string; expect: Partial<Record<Who, number>> & { default: number } };
let n = 0;
const cases: Case[] = [
  { name: 'list declarations', method: 'GET', url: () => '/api/declarations', expect: { default: 200 } },
  { name: 'file declaration', method: 'POST', url: () => '/api/declarations', body: () => declarationBody(`POL-N${++n}`), expect: { default: 403, 'alpha.user': 201, 'beta.user': 201 } },
  { name: 'import CSV', method: 'POST', url: () => '/api/declarations/import', contentType: 'text/csv', body: () => `${CSV_HEADER}\n${csvRow(`9${++n}`)}\n`, expect: { default: 403, 'alpha.user': 200, 'beta.user': 200, admin: 400 } },
  { name: 'read alpha declaration', method: 'GET', url: () => `/api/declarations/${alphaDecl}`, expect: { default: 200, 'beta.user': 404, 'beta.operator': 404, 'other.inspector': 404 } },
  { name: 'file arrival notice on alpha declaration', method: 'POST', url: () => `/api/declarations/${alphaDecl}/arrival-notices`,
    body: () => ({ expectedArrivalAt: '2026-12-01T08:00:00Z', location: 'Yangshan Terminal 4', containerNumbers: ['MSCU1234566'], goodsSummary: 'Phones' }),
    expect: { default: 403, 'alpha.user': 201, 'beta.user': 404, 'beta.operator': 404, 'other.inspector': 404 } },
  { name: 'verify audit chain', method: 'GET', url: () => '/api/audit/verify', expect: { default: 403, admin: 200, auditor: 200 } },
  { name: 'read audit log', method: 'GET', url: () => '/api/audit', expect: { default: 403, admin: 200, auditor: 200, supervisor: 200 } },
  { name: 'list organisations', method: 'GET', url: () => '/api/orgs', expect: { default: 200 } },
  { name: 'me', method: 'GET', url: () => '/api/auth/me', expect: { default: 200 } },
];

for (const c of cases) {
  test(`policy: ${c.name}`, async () => {
    const anon = await t.app.inject({ method: c.method, url: c.url(), payload: c.body?.() as never, headers: c.contentType ? { 'content-type': c.contentType } : {} });
    assert.equal(anon.statusCode, 401, `anonymous ${c.name}`);
    for (const who of ALL) {
      const body = c.body?.();
      const r = await t.app.inject({
        method: c.method, url: c.url(), headers: { cookie: cookies[who], ...(c.contentType ? { 'content-type': c.contentType } : {}) },
        payload: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
        ...(c.contentType || body === undefined ? {} : { headers: { cookie: cookies[who], 'content-type': 'application/json' } }),
      });
      const want = c.expect[who] ?? c.expect.default;
      assert.equal(r.statusCode, want, `${who} → ${c.name}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      if (r.statusCode === 404) assert.ok(!r.body.includes('POL-1'), 'a 404 never carries the record');
    }
  });
}

test('policy: lists are scoped by organisation', async () => {
  const ids = async (who: Who) => ((await t.app.inject({ url: '/api/declarations?limit=200', headers: { cookie: cookies[who] } })).json().items as { orgId: string }[]).map((d) => d.orgId);
  assert.ok((await ids('alpha.user')).every((o) => o === t.orgs.alpha));
  assert.ok((await ids('beta.user')).every((o) => o === t.orgs.beta));
  assert.ok(!(await ids('beta.user')).includes(t.orgs.alpha));
  const office = await ids('inspector1');
  assert.ok(office.includes(t.orgs.alpha) && office.includes(t.orgs.beta));
  assert.deepEqual(await ids('other.inspector'), []);
});

test('policy: an administrator imports only for enterprises of its own office', async () => {
  const csv = `${CSV_HEADER}\n${csvRow('88001')}\n`;
  const ok = await t.app.inject({ method: 'POST', url: `/api/declarations/import?orgId=ENT-ALPHA`, headers: { cookie: cookies.admin, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(ok.statusCode, 200, ok.body);
  const enterpriseForOther = await t.app.inject({ method: 'POST', url: `/api/declarations/import?orgId=${t.orgs.alpha}`, headers: { cookie: cookies['beta.user'], 'content-type': 'text/csv' }, payload: csv });
  assert.equal(enterpriseForOther.statusCode, 404, 'an enterprise cannot import into another enterprise');
});

test('policy: responses carry the can-map the UI uses', async () => {
  const mine = (await t.app.inject({ url: `/api/declarations/${alphaDecl}`, headers: { cookie: cookies['alpha.user'] } })).json();
  // amend: only after a decision (issue 18's amendments)
  assert.deepEqual(mine.can, { read: true, apply: true, fileArrivalNotice: true, amend: false });
  const insp = (await t.app.inject({ url: `/api/declarations/${alphaDecl}`, headers: { cookie: cookies.inspector1 } })).json();
  assert.deepEqual(insp.can, { read: true, apply: false, fileArrivalNotice: false, amend: false });
});
