// TURN for networks that block UDP (issue 16.3), in real Chromium through a real coturn: the device's browser may not
// use direct UDP (Chromium's `disable_non_proxied_udp` policy, as behind a firewall that only lets TCP out), so its
// only way to the media node is the TURN relay over TCP with the per-session credentials the server hands out. The
// session must stream, the console and the timeline must say the device goes through "TURN relay, TCP", and the
// recording must hold decodable video.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { probeMedia } from '@rvi/media';
import { launchChromium, makeY4m } from '../../../packages/media/src/testing/harness.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { startTestTurn, type TestTurn } from './turn-server.ts';
import { inspectorStartsSession } from './console-session.ts';
import { recordingSegments, sessionEvents } from '../src/db/schema.ts';
import { liveSessionsOf } from '../src/modules/sessions/sessions.routes.ts';
import { bookedOrder, people } from '../src/modules/sessions/sessions.test-helpers.ts';

const root = new URL('../../../', import.meta.url).pathname;
const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
});

let t: TestApp;
let turn: TestTurn;
let consoleBrowser: Browser;
let deviceBrowser: Browser;
let base = '';
const work = mkdtempSync(join(tmpdir(), 'rvi-turn-'));

before(async () => {
  if (!existsSync(join(root, 'apps/web/dist/camera.html'))) spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: root, stdio: 'inherit' });
  const y4m = await makeY4m(join(work, 'camera.y4m'), { seconds: 2 });
  turn = await startTestTurn();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await startTestApp({ publicUrl: base, turn: { urls: [`turn:${turn.ip}:${turn.port}?transport=tcp`], secret: turn.secret, ttlSeconds: 3600 } }, { jobs: false });
  await t.app.listen({ port, host: '127.0.0.1' });
  consoleBrowser = await launchChromium();
  // the device: no direct UDP at all, only proxied (TURN over TCP)
  deviceBrowser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`, '--webrtc-ip-handling-policy=disable_non_proxied_udp']);
});
after(async () => {
  await deviceBrowser?.close();
  await consoleBrowser?.close();
  await t?.close();
  await turn?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('with UDP blocked the device streams through TURN over TCP with per-session credentials; console and timeline say so; the recording decodes', { timeout: 120_000 }, async () => {
  const p = await people(t);
  const inspector = await (await consoleBrowser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  inspector.setDefaultTimeout(30_000);
  inspector.on('dialog', (d) => void d.accept()); // "End the session?"
  const order = await bookedOrder(t, p);
  const sessionId = await inspectorStartsSession(inspector, base, order.orderNo);
  // the link the session opened with (asking for another here would race: a new link revokes the one shown)
  const link = (await inspector.getByTestId('device-link-url').getAttribute('href'))!;

  const device = await (await deviceBrowser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' })).newPage();
  device.setDefaultTimeout(30_000);
  await device.goto(link);
  await device.locator('[data-testid="camera-gate"], [data-testid="camera-refused"]').first().waitFor();
  assert.equal(await device.evaluate(() => document.body.dataset.refused ?? null), null, 'the link is accepted');
  await device.getByTestId('camera-start').click();

  await inspector.locator('[data-testid="stat-frames-decoded"]').filter({ hasText: /^\s*([3-9]\d|\d{3,})\s*$/ }).waitFor({ timeout: 40_000 })
    .catch(async (e) => { throw new Error(`${(e as Error).message}\ncoturn: ${turn.log.join('').slice(-3000)}`); });
  await inspector.locator('[data-testid="device-transport"][data-transport="relay-tcp"]').waitFor();
  assert.match((await inspector.getByTestId('device-transport').textContent())!, /TURN relay, TCP/);
  assert.equal(await inspector.getByTestId('stat-transport').textContent().then((x) => /direct/.test(x ?? '')), true, 'the console itself connects directly');
  const coturnSaid = turn.log.join('');
  if (!/ALLOCATE processed, success/.test(coturnSaid)) console.log(coturnSaid.slice(-4000));
  assert.match(coturnSaid, /ALLOCATE processed, success/, 'coturn allocated a relay with our credentials');
  assert.match(coturnSaid, new RegExp(`user <\\d+:rvi-device-${sessionId}>`), 'for this session\'s device');

  // the timeline says how each side connected
  const events = (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId))).filter((e) => e.kind === 'network.transport');
  const deviceEvent = events.find((e) => e.source === 'device');
  assert.equal(deviceEvent?.payload.transport, 'relay-tcp');

  await new Promise((r) => setTimeout(r, 2000));
  await inspector.getByTestId('end-session').click();
  await inspector.getByTestId('recordings').waitFor({ timeout: 30_000 });
  const segs = (await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, sessionId))).filter((s) => s.track === 'camera');
  assert.ok(segs.length >= 1);
  const probe = await probeMedia(liveSessionsOf(t.ctx)!.env.store.localPath(segs[0].key)!);
  assert.ok(probe.ok && probe.videoPackets > 30 && probe.width === 640, JSON.stringify(probe));
});
