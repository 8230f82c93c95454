// Media nodes as their own processes, and failover (issue 15): an API node without media (this test's app, on a fresh
// Postgres database) and two media-only nodes (`rvi serve --roles media`, real processes) share the database and an
// S3 server. The session is placed on a live media node; the device (camera page in Chromium) and the inspector's
// console connect to the API node, which relays their signalling to that node, while their media goes straight to it.
// The hosting node is killed (SIGKILL) mid-session: its heartbeat lapses, the other node takes the session over, the
// device and the console re-join there by themselves, the recording continues there in a new segment (the gap on the
// timeline), and when the killed node comes back its crash-cut segment is recovered and uploaded. Every segment decodes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { probeMedia } from '@rvi/media';
import { launchChromium, makeY4m } from '../../../packages/media/src/testing/harness.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { ensureWebBuilt } from './web-build.ts';
import { freePort, run, stop, waitFor, type Proc } from './cluster.ts';
import { freshPostgres } from './nodes.ts';
import { startTestS3, type TestS3 } from './s3-server.ts';
import { inspectorStartsSession } from './console-session.ts';
import { liveSessions, mediaNodes, recordingSegments, sessionEvents } from '../src/db/schema.ts';
import { bookedOrder, people } from '../src/modules/sessions/sessions.test-helpers.ts';

const BIN = new URL('../bin/rvi.mjs', import.meta.url).pathname;
const LOST_AFTER_MS = '3000';
const work = mkdtempSync(join(tmpdir(), 'rvi-failover-'));
let db: { url: string; drop(): Promise<void> };
let s3: TestS3;
let t: TestApp;
let base = '';
let consoleBrowser: Browser;
let deviceBrowser: Browser;
const media = new Map<string, { proc: Proc; dir: string }>();

async function startMedia(id: string, dir = mkdtempSync(join(work, `${id}-`))): Promise<void> {
  const port = await freePort();
  const proc = run(process.execPath, [BIN, 'serve', '--roles', 'media'], {
    ...process.env, ...s3.env('failover/'), DATABASE_URL: db.url, DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    RVI_MEDIA_NODE_ID: id, RVI_MEDIA_LOST_AFTER_MS: LOST_AFTER_MS, RVI_REQUIRE_2FA: '0', NODE_NO_WARNINGS: '1',
  });
  media.set(id, { proc, dir });
  await waitFor(`media node ${id}`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`media node ${id} exited: ${proc.err.slice(-2000)}`);
    const [n] = await t.ctx.db.select().from(mediaNodes).where(eq(mediaNodes.id, id));
    return !!n && Date.now() - n.heartbeatAt.getTime() < 2000 && (await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200;
  }, 60_000);
}

before(async () => {
  ensureWebBuilt();
  process.env.RVI_MEDIA_LOST_AFTER_MS = LOST_AFTER_MS;
  db = await freshPostgres('rvi_failover');
  s3 = await startTestS3();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await startTestApp({ publicUrl: base, databaseUrl: db.url, roles: ['api', 'worker'], objectStore: { kind: 's3', ...s3.config('failover/') } }, { jobs: false, realtime: true });
  await t.app.listen({ port, host: '127.0.0.1' });
  await startMedia('media-a');
  await startMedia('media-b');
  const y4m = await makeY4m(join(work, 'camera.y4m'), { seconds: 2 });
  consoleBrowser = await launchChromium();
  deviceBrowser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`]);
});
after(async () => {
  await deviceBrowser?.close();
  await consoleBrowser?.close();
  for (const m of media.values()) await stop(m.proc);
  await t?.close();
  await s3?.close();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

const decodedFrames = async (page: import('playwright-core').Page) => Number((await page.getByTestId('stat-frames-decoded').textContent())?.trim() || 0);

test('the hosting media node is killed mid-session: the other node takes over, device and console re-join by themselves, the recording continues there and the lost segment is recovered', { timeout: 240_000 }, async () => {
  const p = await people(t);
  const inspector = await (await consoleBrowser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  inspector.setDefaultTimeout(30_000);
  inspector.on('dialog', (d) => void d.accept());
  // a refused start (e.g. 503 no_media_node) is printed: the console then stays on the list
  inspector.on('response', (r) => { if (r.url().endsWith('/api/sessions') && r.request().method() === 'POST' && r.status() >= 400) void r.text().then((b) => console.log(`# POST /api/sessions ${r.status()} ${b}`)); });
  const order = await bookedOrder(t, p);
  const sessionId = await inspectorStartsSession(inspector, base, order.orderNo).catch(async (e) => {
    throw new Error(`${(e as Error).message} at ${inspector.url()}`);
  });
  const [s] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId));
  assert.ok(media.has(s.mediaNode), `placed on a live media node, not on the API node: ${s.mediaNode}`);
  const host = s.mediaNode;
  const other = host === 'media-a' ? 'media-b' : 'media-a';

  const link = (await inspector.getByTestId('device-link-url').getAttribute('href'))!;
  const device = await (await deviceBrowser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' })).newPage();
  device.setDefaultTimeout(30_000);
  await device.goto(link);
  await device.getByTestId('camera-start').click();
  const dump = async () => {
    const ev = await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId));
    const stats = ev.filter((e) => e.kind === 'stats' || e.kind === 'network.transport').map((e) => JSON.stringify(e.payload)).join('\n');
    return `events: ${ev.map((e) => e.kind).join(', ')}\n${stats}\ndevice page: ${await device.locator('body').innerText().catch(() => '')}\n${[...media].map(([id, m]) => `${id}: ${m.proc.out.slice(-3000)}\n${m.proc.err.slice(-6000)}`).join('\n')}`;
  };
  await inspector.locator('[data-testid="stat-frames-decoded"]').filter({ hasText: /^\s*([3-9]\d|\d{3,})\s*$/ }).waitFor({ timeout: 40_000 })
    .catch(async (e) => { throw new Error(`${(e as Error).message}\n${await dump()}`); });
  await waitFor('a segment recording on the first node', async () => (await t.ctx.db.select().from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.opened')))).length > 0, 20_000);
  await new Promise((r) => setTimeout(r, 3000)); // some seconds recorded on the first node

  // kill -9 the hosting node
  const killedAt = Date.now();
  media.get(host)!.proc.child.kill('SIGKILL');
  await waitFor('the session taken over by the other node', async () => {
    const [x] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId));
    return x.mediaNode === other;
  }, 20_000);
  const takenOverS = (Date.now() - killedAt) / 1000;
  // the device's media reaches the new node (the session is connected again there) and the recording resumes
  const resumed = await waitFor('the recording resumed on the new node', async () => {
    const ev = await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.resumed')));
    return ev[0];
  }, 30_000);
  const [after1] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId));
  await waitFor('connected again', async () => (await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)))[0].state === 'connected', 20_000);
  const failoverS = (Date.now() - killedAt) / 1000;
  console.log(`# media failover: taken over after ${takenOverS.toFixed(1)} s, media connected on the new node after ${failoverS.toFixed(1)} s (state was ${after1.state}); gap ${JSON.stringify(resumed.payload)}`);
  const lost = await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'media.node_lost')));
  assert.equal(lost.length, 1);
  assert.equal(lost[0].payload.node, host);
  assert.equal(lost[0].payload.newNode, other);

  // the console shows video again, by itself: its decoded-frame counter grows
  const f0 = await decodedFrames(inspector);
  await waitFor('the console decoding video from the new node', async () => (await decodedFrames(inspector)) > f0 + 30, 30_000);

  // the killed node returns: its crash-cut segment is sealed (recovered) and uploaded to the object store
  await startMedia(host, media.get(host)!.dir);
  await waitFor('the crash-cut segment recovered', async () => (await t.ctx.db.select().from(recordingSegments)
    .where(and(eq(recordingSegments.sessionId, sessionId), eq(recordingSegments.recovered, true)))).length > 0, 30_000);

  await new Promise((r) => setTimeout(r, 2000));
  await inspector.getByTestId('end-session').click();
  await inspector.getByTestId('recordings').waitFor({ timeout: 60_000 });
  const segs = (await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, sessionId))).filter((x) => x.track === 'camera');
  const opened = (await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.opened')))).map((e) => e.payload);
  const summary = JSON.stringify({ opened, segs: segs.map((x) => [x.index, x.reason, x.recovered]) });
  assert.ok(opened.some((o) => o.reason === 'resume'), `a segment opened as resume on the new node: ${summary}`);
  assert.ok(segs.some((x) => x.recovered && x.reason === 'crash'), `the dead node's segment, recovered: ${summary}`);
  assert.ok(segs.length >= 2, summary);
  // every segment is in the object store, hashed as recorded, and decodes
  for (const seg of segs) {
    const file = join(work, `seg-${seg.index}.webm`);
    const chunks: Buffer[] = [];
    for await (const c of await t.ctx.store.get(seg.key)) chunks.push(c as Buffer);
    writeFileSync(file, Buffer.concat(chunks));
    const probe = await probeMedia(file);
    assert.ok(probe.ok && probe.videoPackets > 10 && probe.width === 640, `segment ${seg.index} (${seg.reason}): ${JSON.stringify(probe)}`);
  }
});
