// Live reading on the media node (issue 17.3), from the node's frame tap on: real VP8 RTP of a container door (libvpx in
// real time, as a phone sends) goes into the session's tap; the number that comes into view is read by the real OCR
// engine, stored as a still of the session (hashed, served like any snapshot), compared with the declaration, put on
// the timeline and audited. (The tap itself is fed by the media node's publisher track; no test drives live reading
// through WebRTC yet.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { RtpPacket } from 'werift';
import { containerCheckDigit } from '@rvi/vision';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations, inspectionOrders, sessionEvents, sessionSnapshots } from '../../db/schema.ts';
import { liveSessionsOf } from './sessions.routes.ts';
import { bookedOrder, people, type People } from './sessions.test-helpers.ts';
import { paintDoor } from '../../../../../packages/vision/src/testing/synth-door.ts';
import { streamDoorRtp } from '../../../../../packages/vision/src/testing/rtp-door.ts';

let t: TestApp;
let p: People;
before(async () => {
  t = await startTestApp({ liveReading: { enabled: true, cpu: 0.5 } }, { jobs: false });
  p = await people(t);
});
after(async () => t?.close());

test('a container number shown to the camera is read from the stream, stored as evidence, matched with the declaration and put on the timeline', { timeout: 300_000 }, async () => {
  const code = 'MSKU146628' + containerCheckDigit('MSKU146628');
  const order = await bookedOrder(t, p);
  const [o] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.id));
  await t.ctx.db.update(declarations).set({ containers: [{ number: code, seals: [] }] }).where(eq(declarations.id, o.declarationId));
  const opened = await p.inspector1.post('/api/sessions', { orderId: order.id });
  assert.equal(opened.status, 201, opened.text);
  const sessionId: string = opened.body.session.id;
  const { media } = liveSessionsOf(t.ctx)!;
  assert.ok(media?.liveReading, 'live reading is installed on the media node');

  const width = 960, height = 720;
  const door = await paintDoor('horizontal', { code, width, height });
  const blank = await paintDoor('horizontal', { code, width, height, ink: '#1f4e8c' });
  const stream = await streamDoorRtp({
    blank, door, blankSeconds: 2, doorSeconds: 8, width, height,
    onRtp: (rtp) => media.liveReading!.tap({ sessionId, codec: 'VP8', rtp: rtp as unknown as RtpPacket }),
  });
  await stream.done;
  // readings still being read or stored when the stream ended are finished by stop (what the session's end does)
  await media.liveReading.stop(sessionId);

  const events = await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'live.reading')));
  const hit = events.find((e) => e.payload.kind === 'container');
  assert.ok(hit, `a container reading on the timeline: ${JSON.stringify(events.map((e) => e.payload))}`);
  assert.equal(hit.payload.value, code);
  assert.equal(hit.payload.declared, true, 'the number is the declared container');
  assert.ok(events.every((e) => e.payload.kind !== 'container' || e.payload.value === code), 'no false number');
  const box = hit.payload.box as number[];
  assert.ok(Array.isArray(box) && box.length === 4 && box[0] < box[2] && box[1] < box[3] && box[2] <= 1, `the number's box as fractions: ${box}`);

  // the still is evidence: stored with its hash, served to the inspector like any snapshot, byte for byte
  const [snap] = await t.ctx.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.id, String(hit.payload.snapshotId)));
  assert.equal(snap.method, 'live');
  assert.equal(snap.sha256, hit.payload.sha256);
  assert.deepEqual([snap.width, snap.height], [width, height]);
  const got = await t.app.inject({ url: `/api/sessions/${sessionId}/snapshots/${snap.id}`, headers: { cookie: p.inspector1.cookie } });
  assert.equal(got.statusCode, 200, got.body);
  assert.equal(createHash('sha256').update(got.rawPayload).digest('hex'), snap.sha256);
  const audits = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, snap.id));
  assert.deepEqual(audits.map((a) => a.action), ['session.live_reading']);
  // the session detail the console renders carries it
  const detail = await p.inspector1.get(`/api/sessions/${sessionId}`);
  assert.ok((detail.body.events as { kind: string }[]).some((e) => e.kind === 'live.reading'));
  await p.inspector1.post(`/api/sessions/${sessionId}/end`, {});
});
