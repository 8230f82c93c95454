// Media nodes as their own processes, for the failover test and `npm run bench -- cluster` (issue 15): this process
// is the API node (no media role, a fresh Postgres database, S3 on s3rver), and media-only nodes are real
// `rvi serve --roles media` processes on the same database and bucket. A live session streams from the camera page
// (Chromium, a fake camera) through the API node's signalling relay to the media node that hosts it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, makeY4m } from '../../../packages/media/src/testing/harness.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { ensureWebBuilt } from './web-build.ts';
import { freePort, run, stop, waitFor, type Proc } from './cluster.ts';
import { freshPostgres } from './nodes.ts';
import { startTestS3, type TestS3 } from './s3-server.ts';
import { inspectorStartsSession } from './console-session.ts';
import { liveSessions, mediaNodes, sessionEvents } from '../src/db/schema.ts';
import { bookedOrder, people, type People } from '../src/modules/sessions/sessions.test-helpers.ts';

const BIN = new URL('../bin/rvi.mjs', import.meta.url).pathname;
/** heartbeat lapse after which another node takes a session over (the default is 4 s) */
export const LOST_AFTER_MS = '3000';

export interface MediaCluster {
  t: TestApp;
  base: string;
  s3: TestS3;
  work: string;
  media: Map<string, { proc: Proc; dir: string }>;
  consoleBrowser: Browser;
  deviceBrowser: Browser;
  /** starts (or, with its old folder, restarts) a media-only node */
  startMedia(id: string, dir?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startMediaCluster(ids = ['media-a', 'media-b']): Promise<MediaCluster> {
  ensureWebBuilt();
  // this process places sessions and must agree with the media nodes on when one is lost
  process.env.RVI_MEDIA_LOST_AFTER_MS = LOST_AFTER_MS;
  const work = mkdtempSync(join(tmpdir(), 'rvi-media-cluster-'));
  const db = await freshPostgres('rvi_media_cluster');
  const s3 = await startTestS3();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ publicUrl: base, databaseUrl: db.url, roles: ['api', 'worker'], objectStore: { kind: 's3', ...s3.config('media-cluster/') } }, { jobs: false, realtime: true });
  await t.app.listen({ port, host: '127.0.0.1' });
  const media = new Map<string, { proc: Proc; dir: string }>();
  const startMedia = async (id: string, dir = mkdtempSync(join(work, `${id}-`))) => {
    const mport = await freePort();
    const proc = run(process.execPath, [BIN, 'serve', '--roles', 'media'], {
      ...process.env, ...s3.env('media-cluster/'), DATABASE_URL: db.url, DATA_DIR: dir, PORT: String(mport), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RVI_LIVE_READING: '0',
      RVI_MEDIA_NODE_ID: id, RVI_MEDIA_LOST_AFTER_MS: LOST_AFTER_MS, NODE_NO_WARNINGS: '1',
    });
    media.set(id, { proc, dir });
    await waitFor(`media node ${id}`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`media node ${id} exited: ${proc.err.slice(-2000)}`);
      const [n] = await t.ctx.db.select().from(mediaNodes).where(eq(mediaNodes.id, id));
      return !!n && Date.now() - n.heartbeatAt.getTime() < 2000 && (await fetch(`http://127.0.0.1:${mport}/api/health`)).status === 200;
    }, 60_000);
  };
  for (const id of ids) await startMedia(id);
  const y4m = await makeY4m(join(work, 'camera.y4m'), { seconds: 2 });
  const consoleBrowser = await launchChromium();
  const deviceBrowser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`]);
  return {
    t, base, s3, work, media, consoleBrowser, deviceBrowser, startMedia,
    async close() {
      await deviceBrowser.close().catch(() => undefined);
      await consoleBrowser.close().catch(() => undefined);
      for (const m of media.values()) await stop(m.proc);
      await t.close();
      await s3.close();
      await db.drop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export const decodedFrames = async (page: Page) => Number((await page.getByTestId('stat-frames-decoded').textContent())?.trim() || 0);

export interface LiveOnCluster { sessionId: string; host: string; inspector: Page; device: Page; people: People }

/** The inspector opens a session in the console, the camera page streams, the console decodes frames; recording runs. */
export async function streamSession(mc: MediaCluster, p?: People): Promise<LiveOnCluster> {
  const { t } = mc;
  const ppl = p ?? await people(t);
  const inspector = await (await mc.consoleBrowser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  inspector.setDefaultTimeout(30_000);
  inspector.on('dialog', (d) => void d.accept());
  // a refused start (e.g. 503 no_media_node) is printed: the console then stays on the list
  inspector.on('response', (r) => { if (r.url().endsWith('/api/sessions') && r.request().method() === 'POST' && r.status() >= 400) void r.text().then((b) => console.log(`# POST /api/sessions ${r.status()} ${b}`)); });
  const order = await bookedOrder(t, ppl);
  const sessionId = await inspectorStartsSession(inspector, mc.base, order.orderNo);
  const [s] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId));
  const link = (await inspector.getByTestId('device-link-url').getAttribute('href'))!;
  const device = await (await mc.deviceBrowser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' })).newPage();
  device.setDefaultTimeout(30_000);
  await device.goto(link);
  await device.getByTestId('camera-start').click();
  const dump = async () => {
    const ev = await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId));
    return `events: ${ev.map((e) => e.kind).join(', ')}\ndevice page: ${await device.locator('body').innerText().catch(() => '')}\n${[...mc.media].map(([id, m]) => `${id}: ${m.proc.out.slice(-2000)}\n${m.proc.err.slice(-3000)}`).join('\n')}`;
  };
  await inspector.locator('[data-testid="stat-frames-decoded"]').filter({ hasText: /^\s*([3-9]\d|\d{3,})\s*$/ }).waitFor({ timeout: 40_000 })
    .catch(async (e) => { throw new Error(`${(e as Error).message}\n${await dump()}`); });
  await waitFor('a segment recording', async () => (await t.ctx.db.select().from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.opened')))).length > 0, 20_000);
  return { sessionId, host: s.mediaNode, inspector, device, people: ppl };
}

export interface Failover {
  other: string;
  /** kill → the session bound to another node */
  takenOverS: number;
  /** kill → the session connected again (the device's media reached the new node) */
  failoverS: number;
}

/** kill -9 of the node hosting the session; waits until another node has it and the device's media is back. */
export async function killHost(mc: MediaCluster, live: LiveOnCluster): Promise<Failover> {
  const { t } = mc;
  const killedAt = Date.now();
  mc.media.get(live.host)!.proc.child.kill('SIGKILL');
  const moved = await waitFor('the session taken over by another node', async () => {
    const [x] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, live.sessionId));
    return x.mediaNode !== live.host ? x.mediaNode : null;
  }, 20_000);
  const takenOverS = (Date.now() - killedAt) / 1000;
  await waitFor('the recording resumed on the new node', async () => (await t.ctx.db.select().from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, live.sessionId), eq(sessionEvents.kind, 'recording.resumed')))).length > 0, 30_000);
  await waitFor('connected again', async () => (await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, live.sessionId)))[0].state === 'connected', 20_000);
  return { other: moved, takenOverS, failoverS: (Date.now() - killedAt) / 1000 };
}
