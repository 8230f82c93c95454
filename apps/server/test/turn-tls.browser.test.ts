// TURN over TLS (issue 16.3) for networks that let only HTTPS out: a real coturn with a TLS listener (deploy/
// turnserver.conf puts it on 443) and the session's `turns:` URL as the only way for the device, whose browser may not
// use direct UDP. The device must stream through the relay over TLS, the console and the timeline must say "TURN
// relay, TLS". The certificate is a throwaway one for this machine's address, so the device's Chromium is told to
// accept it (--ignore-certificate-errors); a deployment uses a certificate for the TURN server's name.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { launchChromium, makeY4m } from '../../../packages/media/src/testing/harness.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { startTestTurn, type TestTurn } from './turn-server.ts';
import { inspectorStartsSession } from './console-session.ts';
import { sessionEvents } from '../src/db/schema.ts';
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
const work = mkdtempSync(join(tmpdir(), 'rvi-turn-tls-'));

before(async () => {
  if (!existsSync(join(root, 'apps/web/dist/camera.html'))) spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: root, stdio: 'inherit' });
  const y4m = await makeY4m(join(work, 'camera.y4m'), { seconds: 2 });
  turn = await startTestTurn({ tls: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // TLS only: the relay over UDP or plain TCP is not offered
  t = await startTestApp({ publicUrl: base, turn: { urls: [`turns:${turn.ip}:${turn.tlsPort}?transport=tcp`], secret: turn.secret, ttlSeconds: 3600 } }, { jobs: false });
  await t.app.listen({ port, host: '127.0.0.1' });
  consoleBrowser = await launchChromium();
  deviceBrowser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`, '--webrtc-ip-handling-policy=disable_non_proxied_udp', '--ignore-certificate-errors']);
});
after(async () => {
  await deviceBrowser?.close();
  await consoleBrowser?.close();
  await t?.close();
  await turn?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('with only HTTPS-like traffic allowed the device streams through TURN over TLS; console and timeline say so', { timeout: 120_000 }, async () => {
  const p = await people(t);
  const inspector = await (await consoleBrowser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  inspector.setDefaultTimeout(30_000);
  const order = await bookedOrder(t, p);
  const sessionId = await inspectorStartsSession(inspector, base, order.orderNo);
  const link = (await inspector.getByTestId('device-link-url').getAttribute('href'))!;
  const device = await (await deviceBrowser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' })).newPage();
  device.setDefaultTimeout(30_000);
  await device.goto(link);
  await device.getByTestId('camera-start').click();
  await inspector.locator('[data-testid="stat-frames-decoded"]').filter({ hasText: /^\s*([3-9]\d|\d{3,})\s*$/ }).waitFor({ timeout: 40_000 })
    .catch(async (e) => { throw new Error(`${(e as Error).message}\ncoturn: ${turn.log.join('').slice(-3000)}`); });
  await inspector.locator('[data-testid="device-transport"][data-transport="relay-tls"]').waitFor();
  assert.match((await inspector.getByTestId('device-transport').textContent())!, /TURN relay, TLS/);
  const coturnSaid = turn.log.join('');
  assert.match(coturnSaid, /ALLOCATE processed, success/, 'coturn allocated a relay with our credentials');
  assert.match(coturnSaid, /TLS/i, 'over its TLS listener');
  const events = (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId))).filter((e) => e.kind === 'network.transport');
  assert.equal(events.find((e) => e.source === 'device')?.payload.transport, 'relay-tls');
});
