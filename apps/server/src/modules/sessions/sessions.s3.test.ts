// The server with its evidence in an S3 bucket (RVI_S3_*; a real s3rver on loopback): a device's snapshot is stored
// in the bucket (not on the server's disk) with its SHA-256, downloads whole and by range through the session route
// and the case-media route; a recording a recorder left behind is sealed into the bucket and the local file, a
// buffer, is removed; the evidence package carries both with the hashes they were sealed with.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { SessionRecorder } from '@rvi/media';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { startTestS3, type TestS3 } from '../../../test/s3-server.ts';
import { startRtpSource } from '../../../../../packages/media/src/testing/rtp-source.ts';
import { S3ObjectStore } from '../../adapters/s3-object-store.ts';
import { recordingSegments } from '../../db/schema.ts';
import { liveSessionsOf } from './sessions.routes.ts';
import { followMediaState } from './sessions.service.ts';
import { bookedOrder, people, type People } from './sessions.test-helpers.ts';

let s3: TestS3;
let t: TestApp;
let p: People;
let bucket: S3ObjectStore;
let jpeg: Buffer;

before(async () => {
  s3 = await startTestS3();
  t = await startTestApp({ objectStore: { kind: 's3', ...s3.config('srv/') } }, { jobs: false });
  bucket = new S3ObjectStore(s3.config('srv/'));
  p = await people(t);
  const dir = join(t.config.dataDir, 'fixtures');
  mkdirSync(dir, { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1', join(dir, 'still.jpg')]);
  jpeg = readFileSync(join(dir, 'still.jpg'));
});
after(async () => {
  await t?.close();
  await s3?.close();
});

async function fileSettled(dir: string): Promise<void> {
  const sizes = () => readdirSync(dir).filter((f) => f.endsWith('.webm')).map((f) => statSync(join(dir, f)).size).join(',');
  let last = sizes();
  for (let steady = 0, i = 0; steady < 5 && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = sizes();
    steady = now === last ? steady + 1 : 0;
    last = now;
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytesOf = async (r: Readable) => { const parts: Buffer[] = []; for await (const c of r) parts.push(c as Buffer); return Buffer.concat(parts); };

test('snapshot and recording go to the bucket, play back from it (ranges), and the evidence package carries them', async () => {
  assert.equal(t.ctx.store.kind, 's3');
  const order = await bookedOrder(t, p);
  const opened = await p.inspector1.post('/api/sessions', { orderId: order.id });
  assert.equal(opened.status, 201, opened.text);
  const session = opened.body.session;
  const token = new URL(opened.body.link.url).hash.replace('#t=', '');
  const { deviceKey } = (await t.app.inject({ method: 'POST', url: '/api/device/redeem', payload: { token } })).json();

  // a snapshot from the device
  const q = new URLSearchParams({ clientId: 'snap-s3-0001', width: '640', height: '360', takenAt: new Date().toISOString(), method: 'canvas', sha256: sha(jpeg) });
  const up = await t.app.inject({ method: 'POST', url: `/api/device/snapshots?${q}`, headers: { 'content-type': 'image/jpeg', 'x-device-key': deviceKey }, payload: jpeg });
  assert.equal(up.statusCode, 200, up.body);
  const snap = up.json();
  const [obj] = (await bucket.list(`snapshots/${session.id}`));
  assert.ok(obj, 'the snapshot is an object in the bucket');
  assert.equal(obj.bytes, jpeg.length);
  assert.equal(await bucket.storedSha256(obj.key), sha(jpeg));
  assert.ok(!existsSync(join(t.config.dataDir, 'media', 'snapshots')), 'nothing of it on the server\'s disk');
  const outboxRow = (await t.ctx.database.query<{ payload: { key?: string; path: string } }>("select payload from outbox where event = 'snapshot.stored' and payload->>'snapshotId' = $1", [snap.id]))[0];
  assert.equal(outboxRow.payload.key, obj.key, 'vision is told the key (it downloads the object to read it)');

  const url = `/api/sessions/${session.id}/snapshots/${snap.id}`;
  const dl = await t.app.inject({ url, headers: { cookie: p.sup.cookie } });
  assert.equal(dl.statusCode, 200);
  assert.equal(sha(dl.rawPayload), sha(jpeg));
  const part = await t.app.inject({ url, headers: { cookie: p.sup.cookie, range: 'bytes=100-199' } });
  assert.equal(part.statusCode, 206);
  assert.deepEqual(part.rawPayload, jpeg.subarray(100, 200));
  const media = await t.app.inject({ url: `/api/media/${snap.id}`, headers: { cookie: p.sup.cookie, range: 'bytes=0-9' } });
  assert.equal(media.statusCode, 206, media.body);
  assert.deepEqual(media.rawPayload, jpeg.subarray(0, 10));

  // a recording segment the recorder left in the node's buffer folder, sealed at start-up
  const { media: node, env } = liveSessionsOf(t.ctx)!;
  await followMediaState(env, session.id, 'connected');
  const rec = new SessionRecorder({ dir: node.recordingsDir, sessionId: session.id, rotateMs: 0, gapMs: 600_000 });
  const src = await startRtpSource({ seconds: 2, gop: 15 });
  src.onVideo = (pk) => rec.video(pk);
  src.onAudio = (pk) => rec.audio(pk);
  await src.done;
  // the recorder holds the last frames for reordering and writes them a moment later: as after a crash, the file must
  // have stopped growing before it is sealed (sealing checks the hash it found; a late write would fail that check)
  await fileSettled(node.recordingsDir);
  const r = await node.recover();
  assert.ok(r.sealed >= 1, JSON.stringify(r));
  const [seg] = await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, session.id));
  assert.ok(seg, 'sealed');
  assert.equal(await bucket.storedSha256(seg.key), seg.sha256, 'the segment is in the bucket with the hash it was sealed with');
  assert.equal(sha(await bytesOf(await bucket.get(seg.key))), seg.sha256);
  assert.deepEqual(readdirSync(node.recordingsDir).filter((f) => f.endsWith('.webm')), [], 'the local disk was a buffer: the file is gone');
  const play = await t.app.inject({ url: `/api/sessions/${session.id}/recordings/${seg.id}`, headers: { cookie: p.sup.cookie, range: 'bytes=0-3' } });
  assert.equal(play.statusCode, 206, play.body);
  assert.deepEqual([...play.rawPayload], [0x1a, 0x45, 0xdf, 0xa3], 'a WebM (EBML) header');

  // the evidence package: both files, downloaded from the bucket and checked against their sealed hashes
  const zip = await t.app.inject({ url: `/api/orders/${order.id}/evidence.zip`, headers: { cookie: p.sup.cookie } });
  assert.equal(zip.statusCode, 200, zip.body);
  const file = join(t.config.dataDir, 'evidence.zip');
  writeFileSync(file, zip.rawPayload);
  const manifest = JSON.parse(execFileSync('unzip', ['-p', file, 'manifest.json'], { encoding: 'utf8' })) as { files: { name: string; sha256: string }[] };
  const hashes = new Map(manifest.files.map((f) => [f.name, f.sha256]));
  assert.ok([...hashes.values()].includes(sha(jpeg)), JSON.stringify(manifest.files));
  assert.ok([...hashes.values()].includes(seg.sha256), JSON.stringify(manifest.files));
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});
