// Media nodes as their own processes, and failover (issue 15): an API node without media (this test's app, on a fresh
// Postgres database) and two media-only nodes (`rvi serve --roles media`, real processes) share the database and an
// S3 server. The session is placed on a live media node; the device (camera page in Chromium) and the inspector's
// console connect to the API node, which relays their signalling to that node, while their media goes straight to it.
// The hosting node is killed (SIGKILL) mid-session: its heartbeat lapses, the other node takes the session over, the
// device and the console re-join there by themselves, the recording continues there in a new segment (the gap on the
// timeline), and when the killed node comes back its crash-cut segment is recovered and uploaded. Every segment decodes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { probeMedia } from '@rvi/media';
import { waitFor } from './cluster.ts';
import { decodedFrames, killHost, startMediaCluster, streamSession, type MediaCluster } from './media-cluster.ts';
import { recordingSegments, sessionEvents } from '../src/db/schema.ts';

let mc: MediaCluster;
before(async () => { mc = await startMediaCluster(['media-a', 'media-b']); });
after(async () => mc?.close());

test('the hosting media node is killed mid-session: the other node takes over, device and console re-join by themselves, the recording continues there and the lost segment is recovered', { timeout: 240_000 }, async () => {
  const { t } = mc;
  const live = await streamSession(mc);
  const { sessionId, host, inspector } = live;
  assert.ok(mc.media.has(host), `placed on a live media node, not on the API node: ${host}`);
  await new Promise((r) => setTimeout(r, 3000)); // some seconds recorded on the first node

  const f = await killHost(mc, live);
  console.log(`# media failover: taken over after ${f.takenOverS.toFixed(1)} s, media connected on the new node after ${f.failoverS.toFixed(1)} s`);
  assert.notEqual(f.other, host);
  const lost = await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'media.node_lost')));
  assert.equal(lost.length, 1);
  assert.equal(lost[0].payload.node, host);
  assert.equal(lost[0].payload.newNode, f.other);
  const [resumed] = await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.resumed')));
  assert.ok(Number(resumed.payload.gapMs) > 0, `the gap is on the timeline: ${JSON.stringify(resumed.payload)}`);

  // the console shows video again, by itself: its decoded-frame counter grows
  const f0 = await decodedFrames(inspector);
  await waitFor('the console decoding video from the new node', async () => (await decodedFrames(inspector)) > f0 + 30, 30_000);

  // the killed node returns: its crash-cut segment is sealed (recovered) and uploaded to the object store
  await mc.startMedia(host, mc.media.get(host)!.dir);
  await waitFor('the crash-cut segment recovered', async () => (await t.ctx.db.select().from(recordingSegments)
    .where(and(eq(recordingSegments.sessionId, sessionId), eq(recordingSegments.recovered, true)))).length > 0, 30_000);

  await new Promise((r) => setTimeout(r, 2000));
  await inspector.getByTestId('end-session').click();
  await waitFor('the new node sealed its segment at the end', async () => (await t.ctx.db.select().from(recordingSegments)
    .where(and(eq(recordingSegments.sessionId, sessionId), eq(recordingSegments.recovered, false)))).length > 0, 60_000);
  const segs = (await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, sessionId))).filter((x) => x.track === 'camera');
  const opened = (await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.opened')))).map((e) => e.payload);
  const summary = JSON.stringify({ opened, segs: segs.map((x) => [x.index, x.reason, x.recovered]) });
  assert.ok(opened.some((o) => o.reason === 'resume'), `a segment opened as resume on the new node: ${summary}`);
  assert.ok(segs.some((x) => x.recovered && x.reason === 'crash'), `the dead node's segment, recovered: ${summary}`);
  assert.ok(segs.some((x) => !x.recovered), `the new node's segment, sealed at the end: ${summary}`);
  assert.equal(new Set(segs.map((x) => x.index)).size, segs.length, `segment numbers are not reused: ${summary}`);
  // every segment is in the object store, hashed as recorded, and decodes
  for (const seg of segs) {
    const file = join(mc.work, `seg-${seg.index}.webm`);
    const chunks: Buffer[] = [];
    for await (const c of await t.ctx.store.get(seg.key)) chunks.push(c as Buffer);
    writeFileSync(file, Buffer.concat(chunks));
    const probe = await probeMedia(file);
    assert.ok(probe.ok && probe.videoPackets > 10 && probe.width === 640, `segment ${seg.index} (${seg.reason}): ${JSON.stringify(probe)}`);
  }
});
