// A snapshot uploaded in a live session is read by the vision module (real OCR on a real photo), compared with the
// declaration, and its readings and mismatch suggestions are stored and served to customs (never to the enterprise).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, outbox, suggestedFindings, visionReadings } from '../../db/schema.ts';
import { bookedOrder, people, type People } from '../sessions/sessions.test-helpers.ts';

const PHOTO = new URL('../../../../../packages/vision/test-fixtures/carton-kr.jpg', import.meta.url).pathname;
let t: TestApp;
let p: People;
before(async () => {
  t = await startTestApp(); // with the workflow's background reactions: vision reads every stored snapshot
  p = await people(t);
});
after(async () => t?.close());

test('an uploaded snapshot gets its readings and mismatch suggestions stored', { timeout: 180_000 }, async () => {
  const order = await bookedOrder(t, p); // declared: HS 851762, origin CN
  const open = await p.inspector1.post('/api/sessions', { orderId: order.id });
  assert.equal(open.status, 201, open.text);
  const token = new URL(open.body.link.url).hash.replace('#t=', '');
  const { deviceKey } = (await t.app.inject({ method: 'POST', url: '/api/device/redeem', payload: { token } })).json();
  const jpeg = readFileSync(PHOTO);
  const meta = await sharp(jpeg).metadata();
  const q = new URLSearchParams({
    clientId: 'vision-snap-1', width: String(meta.width), height: String(meta.height), takenAt: new Date().toISOString(),
    method: 'imagecapture', sha256: createHash('sha256').update(jpeg).digest('hex'),
  });
  const up = await t.app.inject({ method: 'POST', url: `/api/device/snapshots?${q}`, headers: { 'content-type': 'image/jpeg', 'x-device-key': deviceKey }, payload: jpeg });
  assert.ok(up.statusCode === 200 || up.statusCode === 201, up.body);
  const snapshotId = up.json().id as string;

  const deadline = Date.now() + 120_000;
  let reading: typeof visionReadings.$inferSelect | undefined;
  while (!reading && Date.now() < deadline) {
    [reading] = await t.ctx.db.select().from(visionReadings).where(eq(visionReadings.snapshotId, snapshotId));
    if (!reading) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(reading, 'the snapshot was read');
  assert.equal(reading.status, 'read');
  const result = reading.result as { origin: string | null; lines: unknown[] };
  assert.equal(result.origin, 'KR', 'reads the origin mark on the carton');
  assert.ok(result.lines.length > 3);

  const suggestions = await t.ctx.db.select().from(suggestedFindings).where(eq(suggestedFindings.orderId, order.id));
  const origin = suggestions.find((s) => s.field === 'origin');
  assert.ok(origin, `an origin mismatch is suggested (got ${suggestions.map((s) => s.field).join(', ')})`);
  assert.equal(origin.declaredValue, 'CN');
  assert.equal(origin.observedValue, 'KR');
  assert.equal(origin.status, 'suggested', 'nothing is decided automatically');
  assert.equal((origin.evidence as { snapshotId: string }).snapshotId, snapshotId);
  assert.ok(Array.isArray((origin.evidence as { box: unknown[] }).box));
  const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, snapshotId));
  assert.ok(audit, 'audited');

  const insp = await p.inspector1.get(`/api/snapshots/${snapshotId}/reading`);
  assert.equal(insp.status, 200, insp.text);
  assert.equal(insp.body.status, 'read');
  assert.ok(insp.body.comparison.findings.some((f: { field: string }) => f.field === 'origin'));
  const ent = await p.alpha.get(`/api/snapshots/${snapshotId}/reading`);
  assert.ok(ent.status === 403 || ent.status === 404);
});

/** Bicycles drawn with the emoji font (what CenterNet recognises in a picture a fresh machine can make; see objects.test.ts). */
async function bicycles(): Promise<Buffer> {
  let t = '';
  for (const [x, y] of [[40, 400], [600, 400], [320, 850]]) t += `<text x="${x}" y="${y}" font-family="Noto Color Emoji" font-size="300">🚲</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"><rect width="1200" height="900" fill="#c8c2b4"/>${t}</svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().jpeg().toBuffer();
}

test('labels first: the reading is stored with its objects pending, then the objects are added to it and the console refreshed again', { timeout: 180_000 }, async () => {
  const order = await bookedOrder(t, p); // declared: HS 851762 (phones)
  const open = await p.inspector1.post('/api/sessions', { orderId: order.id });
  assert.equal(open.status, 201, open.text);
  const token = new URL(open.body.link.url).hash.replace('#t=', '');
  const { deviceKey } = (await t.app.inject({ method: 'POST', url: '/api/device/redeem', payload: { token } })).json();
  const jpeg = await bicycles();
  const q = new URLSearchParams({
    clientId: 'vision-objects-1', width: '1200', height: '900', takenAt: new Date().toISOString(),
    method: 'imagecapture', sha256: createHash('sha256').update(jpeg).digest('hex'),
  });
  const up = await t.app.inject({ method: 'POST', url: `/api/device/snapshots?${q}`, headers: { 'content-type': 'image/jpeg', 'x-device-key': deviceKey }, payload: jpeg });
  assert.ok(up.statusCode === 200 || up.statusCode === 201, up.body);
  const snapshotId = up.json().id as string;

  const deadline = Date.now() + 120_000;
  let reading: typeof visionReadings.$inferSelect | undefined;
  while (Date.now() < deadline) {
    [reading] = await t.ctx.db.select().from(visionReadings).where(eq(visionReadings.snapshotId, snapshotId));
    if ((reading?.result as { objectsStatus?: string } | undefined)?.objectsStatus === 'read') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(reading, 'the snapshot was read');
  const result = reading.result as { objectsStatus: string; objects: { class: string; score: number }[]; objectsMs: number };
  assert.equal(result.objectsStatus, 'read', 'the objects were added to the reading');
  assert.equal(result.objects.filter((o) => o.class === 'bicycle' && o.score >= 0.3).length, 3, JSON.stringify(result.objects));

  // Two units of work: the label reading (objects pending), then the objects; each audited and each refreshing the reading's page.
  const audits = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, snapshotId)).orderBy(auditLog.seq)).filter((a) => a.action.startsWith('vision.'));
  assert.deepEqual(audits.map((a) => a.action), ['vision.snapshot_read', 'vision.snapshot_objects']);
  assert.equal((audits[0].summary as { objects: string }).objects, 'pending');
  const pushes = await t.ctx.db.select().from(outbox)
    .where(and(eq(outbox.event, 'realtime.push'), sql`${outbox.payload}::text like ${'%' + snapshotId + '%'}`));
  assert.equal(pushes.length, 2, 'the console is told twice: labels, then objects');

  // What is seen does not fit the declared chapter (bicycles, HS 87, against phones, HS 85): a suggested finding from the objects.
  const suggestions = await t.ctx.db.select().from(suggestedFindings).where(eq(suggestedFindings.orderId, order.id));
  const goods = suggestions.find((s) => s.field === 'goods_seen');
  assert.ok(goods, `a goods finding is suggested (got ${suggestions.map((s) => s.field).join(', ')})`);
  assert.equal((goods.evidence as { readingId: string }).readingId, reading.id);
  const insp = await p.inspector1.get(`/api/snapshots/${snapshotId}/reading`);
  assert.equal(insp.status, 200, insp.text);
  assert.equal(insp.body.reading.objectsStatus, 'read');
  assert.ok(insp.body.comparison.findings.some((f: { rule: string }) => f.rule === 'objects_hs_chapter_mismatch'));

  // The process stops between the two units of work: the labels are stored, the objects never are. The start-up sweep
  // finishes them, once.
  const { objects: _o, faces: _f, objectsMs: _m, ...labelsOnly } = reading.result as Record<string, unknown>;
  await t.ctx.db.update(visionReadings).set({ result: { ...labelsOnly, objectsStatus: 'pending' } }).where(eq(visionReadings.id, reading.id));
  await t.ctx.db.delete(suggestedFindings).where(and(eq(suggestedFindings.orderId, order.id), eq(suggestedFindings.field, 'goods_seen')));
  await t.ctx.vision!.sweep();
  await t.ctx.vision!.sweep();
  const [again] = await t.ctx.db.select().from(visionReadings).where(eq(visionReadings.id, reading.id));
  const recovered = again.result as { objectsStatus: string; objects: { class: string; score: number }[] };
  assert.equal(recovered.objectsStatus, 'read');
  assert.equal(recovered.objects.filter((o) => o.class === 'bicycle' && o.score >= 0.3).length, 3);
  const goodsAgain = (await t.ctx.db.select().from(suggestedFindings).where(eq(suggestedFindings.orderId, order.id))).filter((s) => s.field === 'goods_seen');
  assert.equal(goodsAgain.length, 1, 'the objects finding is stored once');
  const objectAudits = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, snapshotId))).filter((a) => a.action === 'vision.snapshot_objects');
  assert.equal(objectAudits.length, 2, 'the first detection and the recovery');
});
