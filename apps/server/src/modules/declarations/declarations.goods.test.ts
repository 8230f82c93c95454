// The declaration carries what the AI reads (issue 18): containers (ISO 6346 with the check digit), seals, packages,
// gross weight, goods lines, currency and value; code lists enforced (ISO 3166, ISO 4217, UN/ECE Rec. 20/21) over the
// JSON API, the CSV import (optional columns) and the JSON import; arrival notices editable until confirmed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { startTestApp, declarationBody, CSV_HEADER, csvRow, type TestApp } from '../../../test/harness.ts';
import { auditLog } from '../../db/schema.ts';

let t: TestApp;
let alpha: string;
let sup: string;
before(async () => {
  t = await startTestApp({}, { jobs: false });
  alpha = await t.login('alpha.user');
  sup = await t.login('supervisor');
});
after(async () => t?.close());

const post = (cookie: string, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers: { cookie, ...headers }, payload: payload as string });

const goods = {
  grossMassKg: 352.5, packageCount: 24, packageKind: 'CT', packageMarks: 'ALPHA/SH/1-24', currency: 'USD', customsValue: 18250,
  containers: [{ number: 'MSCU1234566', sizeType: '22G1', seals: ['EU1234567', 'EU1234568'] }, { number: 'CSQU3054383', seals: [] }],
  goodsLines: [
    { lineNo: 1, hsCode: '85176200', description: 'Wi-Fi routers', quantity: 240, unit: 'PCE', netMassKg: 300, value: 18250, countryOfOrigin: 'VN' },
  ],
};

test('a declaration with containers, seals, packages, goods lines and value is filed and read back', async () => {
  const r = await post(alpha, '/api/declarations', declarationBody('G-0001', goods));
  assert.equal(r.statusCode, 201, r.body);
  const d = r.json();
  assert.deepEqual(d.containers, [{ number: 'MSCU1234566', sizeType: '22G1', seals: ['EU1234567', 'EU1234568'] }, { number: 'CSQU3054383', sizeType: null, seals: [] }]);
  assert.deepEqual([d.grossMassKg, d.packageCount, d.packageKind, d.currency, d.customsValue, d.version], [352.5, 24, 'CT', 'USD', 18250, 1]);
  const back = await t.app.inject({ url: `/api/declarations/${d.id}`, headers: { cookie: sup } });
  assert.equal(back.json().goodsLines[0].unit, 'PCE');
  const list = await t.app.inject({ url: '/api/declarations?q=G-0001', headers: { cookie: alpha } });
  assert.equal(list.json().items[0].containers[0].seals.length, 2);
});

test('bad codes are refused naming the field: a wrong check digit (SEGU6284788), currency, package kind, unit, country', async () => {
  const bad = await post(alpha, '/api/declarations', declarationBody('G-0002', { ...goods, containers: [{ number: 'SEGU6284788', seals: ['S1'] }] }));
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'validation');
  assert.equal(bad.json().error.details[0].field, 'body.containers[0].number');
  assert.match(bad.json().error.message, /SEGU6284788: the check digit is 8, ISO 6346 gives 9/);
  const codes = await post(alpha, '/api/declarations', declarationBody('G-0003', {
    ...goods, currency: 'USX', packageKind: 'QQ', countryOfOrigin: 'QQ', goodsLines: [{ ...goods.goodsLines[0], unit: 'FOO' }],
  }));
  assert.equal(codes.statusCode, 400);
  const fields = codes.json().error.details.map((x: { field: string }) => x.field).sort();
  assert.deepEqual(fields, ['body.countryOfOrigin', 'body.currency', 'body.goodsLines[0].unit', 'body.packageKind']);
  const dupSeal = await post(alpha, '/api/declarations', declarationBody('G-0004', { containers: [{ number: 'MSCU1234566', seals: ['A1'] }, { number: 'CSQU3054383', seals: ['A1'] }] }));
  assert.match(dupSeal.json().error.message, /seal A1 is listed twice/);
  // ZZ (unknown), which the customs dataset uses, is accepted.
  assert.equal((await post(alpha, '/api/declarations', declarationBody('G-0005', { countryOfOrigin: 'ZZ' }))).statusCode, 201);
});

test('CSV import: optional goods columns; a bad container names the row, the column and the container', async () => {
  const header = `${CSV_HEADER},Gross Mass,Package Count,Package Kind,Currency,Customs Value,Containers`;
  const ok = `${header}\n${csvRow('G-CSV-1')},520.5,40,ct,eur,9100,MSCU1234566/22G1:EU1|EU2; CSQU3054383\n${csvRow('G-CSV-2')},,,,,,\n`;
  const r = await post(alpha, '/api/declarations/import', ok, { 'content-type': 'text/csv' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().inserted, 2);
  const list = (await t.app.inject({ url: '/api/declarations?q=G-CSV-1', headers: { cookie: alpha } })).json();
  assert.deepEqual([list.items[0].packageKind, list.items[0].currency, list.items[0].containers[0].seals], ['CT', 'EUR', ['EU1', 'EU2']]);
  const bad = `${header}\n${csvRow('G-CSV-3')},1,1,CT,EUR,1,SEGU6284788:S1\n${csvRow('G-CSV-4')},1,1,CT,EURO,1,\n`;
  const refused = await post(alpha, '/api/declarations/import', bad, { 'content-type': 'text/csv' });
  assert.equal(refused.statusCode, 422);
  const [a, b] = refused.json().invalid;
  assert.equal(a.line, 2);
  assert.match(a.reason, /Containers \(container 1\): SEGU6284788: the check digit is 8, ISO 6346 gives 9/);
  assert.equal(b.line, 3);
  assert.match(b.reason, /currency/i);
});

test('JSON import: an array of declarations with goods lines; bad items reported by position', async () => {
  const items = [declarationBody('G-JSON-1', goods), declarationBody('G-JSON-2', { ...goods, containers: [{ number: 'MSCU1234567', seals: [] }] })];
  const refused = await post(alpha, '/api/declarations/import', JSON.stringify(items), { 'content-type': 'application/json' });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.equal(refused.json().invalid[0].line, 2);
  assert.match(refused.json().invalid[0].reason, /containers\[0\]\.number: MSCU1234567: the check digit is 7, ISO 6346 gives 6/);
  const ok = await post(alpha, '/api/declarations/import?skipInvalid=true', JSON.stringify({ items }), { 'content-type': 'application/json' });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().inserted, 1);
  const d = (await t.app.inject({ url: '/api/declarations?q=G-JSON-1', headers: { cookie: alpha } })).json().items[0];
  assert.equal(d.goodsLines[0].description, 'Wi-Fi routers');
});

test('arrival notices: a wrong check digit is refused; the notice is corrected until customs confirms the arrival', async () => {
  const decl = (await post(alpha, '/api/declarations', declarationBody('G-AN-1'))).json();
  const notice = { expectedArrivalAt: new Date(Date.now() + 86_400_000).toISOString(), location: 'Yangshan T4', containerNumbers: ['SEGU6284788'], goodsSummary: 'routers' };
  const bad = await post(alpha, `/api/declarations/${decl.id}/arrival-notices`, notice);
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'body.containerNumbers[0]');
  assert.match(bad.json().error.message, /SEGU6284788: the check digit is 8, ISO 6346 gives 9/);
  const filed = await post(alpha, `/api/declarations/${decl.id}/arrival-notices`, { ...notice, containerNumbers: ['SEGU6284789'] });
  assert.equal(filed.statusCode, 201, filed.body);
  const n = filed.json().arrivalNotices[0];
  assert.equal(n.can.update, true);
  const put = (cookie: string, body: unknown) => t.app.inject({ method: 'PUT', url: `/api/arrival-notices/${n.id}`, headers: { cookie }, payload: body as object });
  // Another enterprise: 404; customs: 403; a wrong check digit: 400; then the correction.
  const beta = await t.login('beta.user');
  assert.equal((await put(beta, { ...notice, containerNumbers: ['SEGU6284789'] })).statusCode, 404);
  assert.equal((await put(sup, { ...notice, containerNumbers: ['SEGU6284789'] })).statusCode, 403);
  assert.equal((await put(alpha, { ...notice, containerNumbers: ['SEGU6284780'] })).statusCode, 400);
  const fixed = await put(alpha, { ...notice, location: 'Yangshan T5', containerNumbers: ['SEGU6284789', 'MSCU1234566'] });
  assert.equal(fixed.statusCode, 200, fixed.body);
  assert.deepEqual(fixed.json().arrivalNotices[0].containerNumbers, ['SEGU6284789', 'MSCU1234566']);
  const [entry] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'arrival_notice.updated'));
  assert.deepEqual((entry.summary as { changed: string[] }).changed, ['location', 'containerNumbers']);
  // Confirmed by customs: fixed from then on.
  const confirm = await t.app.inject({ method: 'POST', url: `/api/arrival-notices/${n.id}/confirm`, headers: { cookie: sup } });
  assert.equal(confirm.statusCode, 200, confirm.body);
  const late = await put(alpha, { ...notice, containerNumbers: ['SEGU6284789'] });
  assert.equal(late.statusCode, 409);
  assert.equal(late.json().error.code, 'notice_confirmed');
  const after = (await t.app.inject({ url: `/api/declarations/${decl.id}`, headers: { cookie: alpha } })).json();
  assert.deepEqual([after.arrivalNotices[0].status, after.arrivalNotices[0].can.update], ['arrived', false]);
});
