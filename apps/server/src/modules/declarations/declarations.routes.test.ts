import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, declarationBody, csvRow, CSV_HEADER, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations } from '../../db/schema.ts';
import { eq, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { CSV_WORKER_MIN_CHARS, parseDeclarationsCsv, parseDeclarationsCsvOffThread } from './declarations.csv.ts';

let t: TestApp;
let alpha = '';
let beta = '';
before(async () => {
  t = await startTestApp();
  alpha = await t.login('alpha.user');
  beta = await t.login('beta.user');
});
after(async () => t?.close());

const post = (url: string, cookie: string, payload: unknown, contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': contentType }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

test('filing: a valid declaration is stored, audited in the same transaction and returned', async () => {
  const r = await post('/api/declarations', alpha, declarationBody('D-100', { goodsDescription: 'Mobile phones' }));
  assert.equal(r.statusCode, 201, r.body);
  const d = r.json();
  assert.equal(d.declarationNo, 'D-100');
  assert.equal(d.status, 'filed');
  assert.equal(d.source, 'api');
  const entries = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, d.id));
  assert.equal(entries.length, 1);
  assert.equal(entries[0].action, 'declaration.submitted');
  assert.equal(entries[0].actorRole, 'enterprise_user');
  assert.ok(entries[0].requestId, 'request id recorded');
});

test('filing: the same declaration number twice is a conflict, and another enterprise may reuse it', async () => {
  assert.equal((await post('/api/declarations', alpha, declarationBody('D-200'))).statusCode, 201);
  const again = await post('/api/declarations', alpha, declarationBody('D-200'));
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().error.code, 'duplicate_declaration');
  assert.equal((await post('/api/declarations', beta, declarationBody('D-200'))).statusCode, 201);
});

test('filing: malformed bodies get 400 naming the field, never 500', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [declarationBody('B1', { netMassKg: -1 }), /netMassKg/],
    [declarationBody('B2', { itemPrice: -5 }), /itemPrice/],
    [declarationBody('B3', { netMassKg: '12' }), /netMassKg/],
    [declarationBody('B4', { date: '2020-02-30' }), /date/],
    [declarationBody('B5', { date: 'yesterday' }), /date/],
    [declarationBody('B6', { hs6: '85A7' }), /hs6/],
    [declarationBody('B7', { countryOfOrigin: 'China' }), /countryOfOrigin/],
    [declarationBody('B8', { surprise: 1 }), /surprise/],
    [(() => { const b: Record<string, unknown> = declarationBody('B9'); delete b.importerCode; return b; })(), /importerCode/],
  ];
  for (const [body, field] of cases) {
    const r = await post('/api/declarations', alpha, body);
    assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} → ${r.statusCode}`);
    assert.equal(r.json().error.code, 'validation');
    assert.match(r.json().error.message, field);
  }
  const notJson = await post('/api/declarations', alpha, '{"declarationNo": ');
  assert.equal(notJson.statusCode, 400);
  const huge = await post('/api/declarations', alpha, JSON.stringify({ ...declarationBody('BIG'), goodsDescription: 'x'.repeat(2_000_000) }));
  assert.equal(huge.statusCode, 413);
  const badQuery = await t.app.inject({ url: '/api/declarations?limit=100000', headers: { cookie: alpha } });
  assert.equal(badQuery.statusCode, 400);
  assert.match(badQuery.json().error.message, /limit/);
  const badSort = await t.app.inject({ url: '/api/declarations?sort=password', headers: { cookie: alpha } });
  assert.equal(badSort.statusCode, 400);
});

test('import: good CSV stored; bad rows reported by line; whole file refused by default', async () => {
  const good = [CSV_HEADER, csvRow('70000001'), csvRow('70000002'), csvRow('70000003')].join('\n');
  const r1 = await post('/api/declarations/import?fileName=good.csv', alpha, good, 'text/csv');
  assert.equal(r1.statusCode, 200, r1.body);
  assert.equal(r1.json().inserted, 3);

  const bad = [CSV_HEADER, csvRow('71000001'), csvRow('71000002', { mass: '-3' }), csvRow('71000003', { date: '2020-13-01' }), csvRow('71000004', { price: 'abc' }), csvRow('71000001')].join('\r\n');
  const r2 = await post('/api/declarations/import', alpha, bad, 'text/csv');
  assert.equal(r2.statusCode, 422);
  const body = r2.json();
  assert.equal(body.refused, true);
  assert.equal(body.inserted, 0);
  assert.deepEqual(body.invalid.map((p: { line: number }) => p.line), [3, 4, 5, 6]);
  assert.match(body.invalid[0].reason, /Net Mass.*negative/);
  assert.match(body.invalid[1].reason, /Date/);
  assert.match(body.invalid[2].reason, /Item Price/);
  assert.match(body.invalid[3].reason, /repeats line 2/);
  const stored = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(declarations).where(eq(declarations.declarationNo, '71000001'));
  assert.equal(stored[0].n, 0, 'refused import stores nothing');

  const r3 = await post('/api/declarations/import?skipInvalid=true', alpha, bad, 'text/csv');
  assert.equal(r3.statusCode, 200);
  assert.equal(r3.json().inserted, 1);
  assert.equal(r3.json().invalid.length, 4, 'skipped rows are still reported, never dropped silently');
});

test('import: re-importing the same file is an idempotent no-op with duplicates reported', async () => {
  const csv = [CSV_HEADER, csvRow('72000001'), csvRow('72000002')].join('\n');
  assert.equal((await post('/api/declarations/import', alpha, csv, 'text/csv')).json().inserted, 2);
  const again = (await post('/api/declarations/import', alpha, csv, 'text/csv')).json();
  assert.equal(again.inserted, 0);
  assert.deepEqual(again.duplicates.map((d: { line: number }) => d.line), [2, 3]);
  const n = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(declarations).where(eq(declarations.declarationNo, '72000001'));
  assert.equal(n[0].n, 1);
});

test('import: a wrong header is refused naming the missing columns; not-CSV is refused', async () => {
  const r = await post('/api/declarations/import', alpha, 'Declaration ID,Date\n1,2020-01-01\n', 'text/csv');
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error.message, /Office ID/);
  assert.match(r.json().error.message, /HS6 Code/);
  const q = await post('/api/declarations/import', alpha, `${CSV_HEADER}\n"unterminated,1`, 'text/csv');
  assert.equal(q.statusCode, 400);
  const wrongType = await post('/api/declarations/import', alpha, { rows: [] });
  assert.equal(wrongType.statusCode, 415);
});

test('a large CSV is parsed in a worker thread (issue 13.9): the same rows, lines and reasons as inline; bad rows named by line and column, nothing lost', async () => {
  const lines = [CSV_HEADER];
  for (let i = 0; i < 3000; i++) lines.push(csvRow(`WK${String(i).padStart(6, '0')}`, i === 1234 ? { mass: '-3' } : i === 2999 ? { date: '2020-13-01' } : {}));
  const csv = lines.join('\n');
  assert.ok(csv.length >= CSV_WORKER_MIN_CHARS, `${csv.length} chars: over the worker threshold`);
  const inline = parseDeclarationsCsv(csv).rows;
  const off = await parseDeclarationsCsvOffThread(csv, { chunkRows: 700 });
  assert.equal(off.inWorker, true);
  assert.deepEqual(off.rows, inline, 'the worker gives exactly the inline rows');
  assert.equal(off.sha256, createHash('sha256').update(csv).digest('hex'));

  const refused = await post('/api/declarations/import?fileName=big.csv', alpha, csv, 'text/csv');
  assert.equal(refused.statusCode, 422);
  assert.equal(refused.json().rows, 3000);
  assert.deepEqual(refused.json().invalid.map((p: { line: number; declarationNo: string }) => [p.line, p.declarationNo]), [[1236, 'WK001234'], [3001, 'WK002999']]);
  assert.match(refused.json().invalid[0].reason, /^Net Mass: must not be negative/);
  assert.match(refused.json().invalid[1].reason, /^Date: "2020-13-01" is not a valid date/);
  const kept = await post('/api/declarations/import?fileName=big.csv&skipInvalid=true', alpha, csv, 'text/csv');
  assert.equal(kept.statusCode, 200, kept.body);
  assert.equal(kept.json().inserted, 2998);
  assert.equal(kept.json().invalid.length, 2);
  const [{ n }] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(declarations).where(sql`${declarations.declarationNo} like 'WK%'`);
  assert.equal(n, 2998, 'every good row is stored');
  const [batch] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'declaration.imported')).orderBy(sql`${auditLog.seq} desc`).limit(1);
  assert.equal((batch.summary as { sha256: string }).sha256, off.sha256);

  // refusals of the whole file come back from the worker as the same 400s, naming the column or the line
  const header = await post('/api/declarations/import', alpha, [CSV_HEADER.replace('HS6 Code,', ''), ...lines.slice(1)].join('\n'), 'text/csv');
  assert.equal(header.statusCode, 400);
  assert.equal(header.json().error.code, 'csv_header');
  assert.match(header.json().error.message, /HS6 Code/);
  const syntax = await post('/api/declarations/import', alpha, `${csv}\n"unterminated,1`, 'text/csv');
  assert.equal(syntax.statusCode, 400);
  assert.equal(syntax.json().error.code, 'csv_syntax');
  assert.match(syntax.json().error.message, /line 3002/);
});

test('list: filter, sort and page; another enterprise never sees the rows', async () => {
  const rows = [CSV_HEADER];
  for (let i = 0; i < 30; i++) rows.push(csvRow(`LST${String(i).padStart(5, '0')}`, { date: `2020-02-${String(i % 28 + 1).padStart(2, '0')}`, hs6: i % 2 ? '851762' : '300490', origin: i % 3 ? 'CN' : 'KR', price: String(1000 + i) }));
  assert.equal((await post('/api/declarations/import', beta, rows.join('\n'), 'text/csv')).json().inserted, 30);
  const get = async (qs: string, cookie = beta) => {
    const r = await t.app.inject({ url: `/api/declarations?${qs}`, headers: { cookie } });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const page1 = await get('q=LST&sort=itemPrice&order=asc&limit=10');
  assert.equal(page1.items.length, 10);
  assert.equal(page1.total, 30);
  assert.deepEqual(page1.items.map((d: { itemPrice: number }) => d.itemPrice), [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
  const page3 = await get('q=LST&sort=itemPrice&order=asc&limit=10&offset=20');
  assert.equal(page3.items[0].itemPrice, 1020);
  const hs = await get('q=LST&hs6=8517&limit=100');
  assert.equal(hs.total, 15);
  assert.ok(hs.items.every((d: { hs6: string }) => d.hs6.startsWith('8517')));
  const kr = await get('q=LST&countryOfOrigin=KR&limit=100');
  assert.equal(kr.total, 10);
  const dates = await get('q=LST&dateFrom=2020-02-01&dateTo=2020-02-05&limit=100');
  assert.ok(dates.items.every((d: { date: string }) => d.date >= '2020-02-01' && d.date <= '2020-02-05'));
  assert.equal(dates.total, 7); // days 1-5 for i = 0..4, and days 1-2 again for i = 28, 29
  const fromAlpha = await get('q=LST', alpha);
  assert.equal(fromAlpha.total, 0);
});

test('arrival notice and inspection application, with state checks', async () => {
  const d = (await post('/api/declarations', alpha, declarationBody('D-300'))).json();
  const an = await post(`/api/declarations/${d.id}/arrival-notices`, alpha, { expectedArrivalAt: '2026-12-02T09:30:00+08:00', location: 'Yangshan T4, yard 12', containerNumbers: ['MSCU1234566'], goodsSummary: '24 cartons of phones' });
  assert.equal(an.statusCode, 201, an.body);
  assert.equal(an.json().arrivalNotices.length, 1);
  const badAn = await post(`/api/declarations/${d.id}/arrival-notices`, alpha, { expectedArrivalAt: '2026-02-30T09:30:00Z', location: '', containerNumbers: ['nope'], goodsSummary: 'x' });
  assert.equal(badAn.statusCode, 400);
  const ap = await post(`/api/declarations/${d.id}/inspection-applications`, alpha, { preferredMode: 'remote', note: 'Goods arrive Tuesday' });
  assert.equal(ap.statusCode, 201);
  assert.equal(ap.json().status, 'inspection_requested');
  const twice = await post(`/api/declarations/${d.id}/inspection-applications`, alpha, { preferredMode: 'remote' });
  assert.equal(twice.statusCode, 409);
  const badMode = await post(`/api/declarations/${d.id}/inspection-applications`, alpha, { preferredMode: 'telepathy' });
  assert.equal(badMode.statusCode, 400);
  assert.match(badMode.json().error.message, /preferredMode/);
});

test('list: the unfiltered total is exact beyond the filtered count cap', async () => {
  // The per-organisation counter answers unfiltered lists; only filtered counts stop at 10,000.
  const { orgDeclarationCounts } = await import('../../db/schema.ts');
  const { eq } = await import('drizzle-orm');
  await t.ctx.db.update(orgDeclarationCounts).set({ count: 12_345 }).where(eq(orgDeclarationCounts.orgId, t.orgs.alpha));
  const r = (await t.app.inject({ url: '/api/declarations?limit=1', headers: { cookie: alpha } })).json();
  assert.equal(r.total, 12_345);
  assert.equal(r.totalIsExact, true);
});
