// The live remote inspection end to end, in real Chromium with real WebRTC through the server's media node: the
// inspector (customs console) starts a session for a booked order, the on-site device opens the single-use link on
// the camera page with a fake camera (a y4m made here with ffmpeg showing a container number), the inspector sees
// decoded frames, sends a checklist step and a drawing that reach the device, requests a snapshot that arrives at
// full resolution with its hash, ends the session and the recording matches the session's length with no gaps.
// Then the device's network is cut for 10 s (its media through a UDP proxy, its browser offline) and the video
// resumes within 5 s of restoring; expired and reused links show the refusal page. One-tap joining (issue 12): a real
// SMTP server receives the camera link e-mailed at session start; the link opens the camera page on a phone-sized
// context and streams, works once; on a phone the operator's portal shows "Open camera" (no QR code) and the
// notification's target (?session=…&go=1) goes straight into the camera page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { asc, eq } from 'drizzle-orm';
import { probeMedia } from '@rvi/media';
import { UdpProxy } from '../../../packages/media/src/testing/harness.ts';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { startTestSmtp, type TestSmtp } from './mail-server.ts';
import { deviceJoinTokens, liveSessions, recordingSegments, sessionEvents, sessionSteps, users } from '../src/db/schema.ts';
import { liveSessionsOf } from '../src/modules/sessions/sessions.routes.ts';
import { hashSecret } from '../src/modules/sessions/sessions.tokens.ts';
import { bookedOrder, people, type People } from '../src/modules/sessions/sessions.test-helpers.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const webDist = join(repoRoot, 'apps/web/dist');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** RVI_SCREENSHOTS=DIR keeps screenshots of the console and the camera page (for reviewing the UI). */
const shot = async (page: Page, name: string) => {
  if (process.env.RVI_SCREENSHOTS) await page.screenshot({ path: join(process.env.RVI_SCREENSHOTS, `${name}.png`), fullPage: true });
};

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Content-Security-Policy violations seen by any page (the server's CSP must fit the web app: issue 13 item 10).
 * Chromium reports each on the console and as a `securitypolicyviolation` event.
 */
const cspViolations: string[] = [];
async function watchedContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const c = await browser.newContext(options);
  await c.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
  c.on('console', (m) => { if (/Content.Security.Policy|CSP violation/i.test(m.text())) cspViolations.push(`${m.location().url}: ${m.text()}`); });
  return c;
}

let t: TestApp;
let p: People;
let smtp: TestSmtp;
const OPERATOR_EMAIL = 'sun.hao@alpha-trading.example';
let base: string;
let work: string;
let browser: Browser;
let inspectorCtx: BrowserContext;
let inspector: Page;
const proxy = new UdpProxy();

before(async () => {
  const webSrc = join(repoRoot, 'apps/web/src');
  const stale = !existsSync(join(webDist, 'camera.html')) || Math.max(newestMtime(webSrc), statSync(join(repoRoot, 'apps/web/camera.html')).mtimeMs) > statSync(join(webDist, 'index.html')).mtimeMs;
  if (stale) {
    const r = spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: repoRoot, stdio: 'inherit' });
    assert.equal(r.status, 0, 'building the web app failed');
  }
  work = mkdtempSync(join(tmpdir(), 'rvi-session-browser-'));
  // the fake camera: a moving test picture with a container number (640×360, 30 fps, 3 s loop; ~31 MB, never committed)
  const y4m = join(work, 'camera.y4m');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-vf',
    "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text='MSCU 123456-7':fontsize=48:fontcolor=white:box=1:boxcolor=black@0.7:x=(w-tw)/2:y=h-th-30",
    '-t', '3', '-pix_fmt', 'yuv420p', y4m]);
  // a real SMTP server: opening a session e-mails the camera link to the booked operator (issue 12)
  smtp = await startTestSmtp();
  t = await startTestApp({ smtpUrl: smtp.url, mailFrom: 'rvi@customs.example' }, { jobs: false });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  p = await people(t);
  await t.ctx.db.update(users).set({ email: OPERATOR_EMAIL }).where(eq(users.id, p.operator.userId));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...ARGS, `--use-file-for-fake-video-capture=${y4m}`] });
  inspectorCtx = await watchedContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
  inspector = await inspectorCtx.newPage();
  inspector.setDefaultTimeout(15_000);
  inspector.on('dialog', (d) => void d.accept());
  await inspector.goto(`${base}/login`);
  await inspector.getByTestId('login-username').fill('inspector1');
  await inspector.getByTestId('login-password').fill(TEST_PASSWORD);
  await inspector.getByTestId('login-submit').click();
  await inspector.waitForURL(/\/customs\//);
});

after(async () => {
  await browser?.close();
  await t?.close();
  await smtp?.close();
  proxy.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const framesDecoded = async () => Number((await inspector.getByTestId('stat-frames-decoded').textContent())?.trim()) || 0;

/** The inspector starts the session of a booked order from the sessions page; returns its id and the device link. */
async function startSession(orderNo: string): Promise<{ sessionId: string; link: string }> {
  await inspector.goto(`${base}/customs/sessions`);
  const row = inspector.locator(`[data-testid="ready-order"][data-order-no="${orderNo}"]`);
  await row.getByTestId('start-session').click();
  await inspector.waitForURL(/\/customs\/sessions\/[0-9a-f-]{36}$/);
  const sessionId = inspector.url().split('/').pop()!;
  const link = await inspector.getByTestId('device-link-url').getAttribute('href');
  assert.match(link!, /\/camera\.html#t=/);
  await inspector.getByTestId('device-link-qr').locator('svg').waitFor();
  return { sessionId, link: link! };
}

/** Consent: the camera page says it records as evidence before the camera starts; the operator taps "Start camera". */
async function startCamera(page: Page): Promise<void> {
  await page.getByTestId('camera-gate').waitFor();
  assert.match((await page.getByTestId('camera-gate-notice').textContent())!, /recorded as customs evidence/);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => (document.querySelector('.stage video') as HTMLVideoElement | null)?.srcObject ?? null), null, 'the camera waits for the tap');
  await page.getByTestId('camera-start').click();
  await page.getByTestId('camera-gate').waitFor({ state: 'detached' });
}

async function openDevice(link: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await watchedContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(link);
  await startCamera(page);
  return { ctx, page };
}

test('device streams to the inspector; a step and a drawing reach the device; a snapshot round-trips at full resolution; the recording matches the session', { timeout: 120_000 }, async () => {
  const order = await bookedOrder(t, p);
  const pageErrors: string[] = [];
  const onPageError = (e: Error) => pageErrors.push(e.message);
  inspector.on('pageerror', onPageError);
  const { sessionId, link } = await startSession(order.orderNo);
  const device = await openDevice(link);
  assert.ok(!device.page.url().includes('#t='), 'the token leaves the address bar');
  await device.page.getByTestId('camera-title').waitFor();
  assert.match((await device.page.getByTestId('camera-title').textContent())!, new RegExp(order.orderNo));
  // big buttons with text labels (voice-driven glasses select them by speaking the label)
  for (const label of ['Switch camera', 'Take photo', 'Mute', 'Open chat']) await device.page.getByRole('button', { name: label }).waitFor();

  await until(async () => (await framesDecoded()) > 0, 'decoded frames in the inspector console', 20_000);
  await until(async () => (await inspector.getByTestId('stat-resolution').textContent())?.includes('640×360'), 'stats resolution');
  // one WebSocket per tab: the notification centre and the live session's signalling share it (counted by the server)
  await until(async () => t.ctx.hub.connections(`user:${p.inspector1.userId}`) === 1, 'one /api/ws socket for the inspector\'s tab', 5000);
  await until(async () => (await device.page.getByTestId('camera-network').getAttribute('data-level')) !== 'connecting', 'device network indicator');
  // presence and consent: the device sees who watches (by role, no names), hears a chime, and is told it is recorded
  await device.page.locator('[data-testid="camera-watchers"][data-count="1"]').waitFor();
  assert.match((await device.page.getByTestId('camera-watchers').textContent())!, /Inspector watching/);
  assert.doesNotMatch((await device.page.getByTestId('camera-watchers').getAttribute('title'))!, /Zhang/, 'roles, not names');
  assert.ok(Number(await device.page.evaluate(() => document.body.dataset.chimes ?? 0)) >= 1, 'a chime when the inspector joined');
  assert.match((await device.page.getByTestId('camera-recorded-notice').textContent())!, /Recorded as customs evidence/);
  const [live] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId));
  assert.equal(live.state, 'connected');
  assert.ok(live.connectedAt);

  // checklist step → the device shows it as its current instruction
  await inspector.getByTestId('checklist-step').first().getByTestId('step-send').click();
  await until(async () => (await device.page.getByTestId('camera-instruction').textContent())?.includes('Show the container number'), 'the step on the device');
  // issue 12 defect: typing a note in the checklist during a live session crashed the console (null currentTarget)
  const note = 'Number on the door matches the declaration';
  await inspector.getByTestId('checklist-step').first().getByTestId('step-note').pressSequentially(note, { delay: 10 });
  assert.equal(await inspector.getByTestId('checklist-step').first().getByTestId('step-note').inputValue(), note);
  await inspector.getByTestId('checklist-step').first().getByTestId('step-pass').click();
  await inspector.locator('[data-testid="checklist-step"][data-result="pass"]').first().waitFor();
  const ticked = (await t.ctx.db.select().from(sessionSteps).where(eq(sessionSteps.sessionId, sessionId))).find((x) => x.result === 'pass');
  assert.equal(ticked?.note, note, 'the note typed live is stored with the result');
  assert.deepEqual(pageErrors, [], 'no script error in the console while typing the note');
  await framesDecoded().then((n) => assert.ok(n > 0, 'the live video is still there'));
  const overlap = () => device.page.evaluate(() => {
    const a = document.querySelector('[data-testid="camera-instruction"]')!.getBoundingClientRect();
    const b = document.querySelector('.stage video')!.getBoundingClientRect();
    return a.width > 0 && b.width > 0 && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  });
  assert.equal(await overlap(), false, 'on the phone the step banner stays clear of the preview');
  // glasses mode at a head-mounted display's size: step beside the preview, read aloud
  await device.page.setViewportSize({ width: 854, height: 480 });
  await device.page.getByTestId('camera-glasses').click();
  await device.page.waitForFunction(() => document.body.classList.contains('glasses'));
  assert.equal(await overlap(), false, 'in glasses mode the step is beside the preview');
  assert.ok(await device.page.evaluate(() => document.body.dataset.voiceCommands), 'voice commands on, or said to be unavailable');
  await inspector.getByTestId('checklist-step').nth(1).getByTestId('step-send').click();
  await until(() => device.page.evaluate(() => document.body.dataset.spoken ?? ''), 'the step read aloud');
  const spoken = await device.page.evaluate(() => document.body.dataset.spoken ?? '');
  assert.match(spoken, /^Step 2\. \S{3,}/, spoken);
  assert.equal(spoken.slice('Step 2. '.length), (await device.page.getByTestId('camera-instruction').innerText()).split('\n').at(-1)?.trim(), 'the step on screen is the one read');
  await device.page.getByTestId('camera-glasses').click();
  await device.page.setViewportSize({ width: 800, height: 600 });

  // freeze the frame, draw an arrow, send → the device shows the frozen frame with the drawing
  await inspector.getByTestId('freeze-frame').click();
  const pad = inspector.getByTestId('draw-pad');
  const box = (await pad.boundingBox())!;
  await inspector.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await inspector.mouse.down();
  await inspector.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.6, { steps: 5 });
  await inspector.mouse.up();
  assert.equal(await inspector.getByTestId('draw-send').getAttribute('data-shapes'), '1');
  // and a box around something
  await inspector.getByTestId('draw-tool').getByText('Box').click();
  const padNow = (await pad.boundingBox())!; // the click may have scrolled the page
  await inspector.mouse.move(padNow.x + padNow.width * 0.6, padNow.y + padNow.height * 0.2);
  await inspector.mouse.down();
  await inspector.mouse.move(padNow.x + padNow.width * 0.8, padNow.y + padNow.height * 0.45, { steps: 5 });
  await inspector.mouse.up();
  assert.equal(await inspector.getByTestId('draw-send').getAttribute('data-shapes'), '2');
  await inspector.getByTestId('draw-send').click();
  await device.page.locator('[data-testid="camera-drawing"][data-shapes="2"]').waitFor({ state: 'visible' });
  const drawn = (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId))).find((e) => e.kind === 'drawing');
  const shapes = (drawn?.payload as { shapes: { type: string; x1: number; y1: number; x2: number; y2: number }[] }).shapes;
  assert.deepEqual(shapes.map((x) => x.type), ['arrow', 'box']);
  assert.ok(Math.abs(shapes[1].x1 - 0.6) < 0.05 && Math.abs(shapes[1].y2 - 0.45) < 0.08, `the box where it was drawn: ${JSON.stringify(shapes[1])}`);

  // snapshot request → full-resolution still uploaded by the device, listed with its hash, downloadable unchanged
  await inspector.getByTestId('request-snapshot').click();
  const snap = inspector.getByTestId('snapshot').first();
  await snap.waitFor({ timeout: 20_000 });
  const [w, h, sha, url] = await Promise.all(['data-width', 'data-height', 'data-sha256', 'data-snapshot-id'].map((a) => snap.getAttribute(a)));
  assert.deepEqual([w, h], ['640', '360'], 'the camera\'s full resolution');
  await sleep(1500);
  await shot(inspector, 'console-live');
  await shot(device.page, 'camera-live');
  const deviceSays = JSON.parse((await device.page.evaluate(() => document.body.dataset.lastSnapshot)) ?? '{}');
  assert.equal(deviceSays.sha256, sha, 'the hash the device computed is the one stored');
  const dl = await inspector.request.get(`${base}/api/sessions/${sessionId}/snapshots/${url}`);
  assert.equal(dl.status(), 200);
  assert.equal(createHash('sha256').update(await dl.body()).digest('hex'), sha);

  // the inspector speaks (Chromium's fake microphone: a beep every second): the device is told and plays it
  await inspector.getByTestId('talk-toggle').click();
  await inspector.locator('[data-testid="talk-toggle"][data-talking="1"]').waitFor();
  await inspector.locator('[data-testid="talker"][data-talker="me"]').waitFor().catch(async (e) => {
    throw new Error(`${(e as Error).message}\nDEBUG ${await inspector.evaluate(() => document.body.innerText.slice(0, 3000))}`);
  });
  await device.page.getByTestId('camera-talker').waitFor({ state: 'visible' });
  await until(() => device.page.evaluate(() => {
    const a = document.querySelector('[data-testid="camera-voice"]') as HTMLAudioElement | null;
    return !!a && !a.paused && (a.srcObject as MediaStream | null)?.getAudioTracks().length === 1;
  }), 'the device plays the inspector\'s voice');
  await sleep(3000);
  await inspector.getByTestId('talk-toggle').click();
  await device.page.getByTestId('camera-talker').waitFor({ state: 'hidden' });
  // push-to-talk: on while the button is held, off when released
  const hold = await inspector.getByTestId('talk-hold').boundingBox();
  await inspector.mouse.move(hold!.x + hold!.width / 2, hold!.y + hold!.height / 2);
  await inspector.mouse.down();
  await device.page.getByTestId('camera-talker').waitFor({ state: 'visible' });
  await inspector.mouse.up();
  await device.page.getByTestId('camera-talker').waitFor({ state: 'hidden' });

  // a supervisor observes: listens, and speaks only while the inspector allows it; the device says an observer speaks
  const supCtx = await watchedContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
  const sup = await supCtx.newPage();
  sup.setDefaultTimeout(15_000);
  await sup.goto(`${base}/login`);
  await sup.getByTestId('login-username').fill('supervisor');
  await sup.getByTestId('login-password').fill(TEST_PASSWORD);
  await sup.getByTestId('login-submit').click();
  await sup.waitForURL(/\/customs/);
  await sup.goto(`${base}/customs/sessions/${sessionId}`);
  await sup.locator('[data-testid="stat-frames-decoded"]').filter({ hasText: /[1-9]/ }).waitFor({ timeout: 20_000 });
  assert.equal(await sup.getByTestId('talk-toggle').count(), 0, 'an observer has no microphone until allowed');
  const allow = inspector.locator('[data-testid="allow-talk"]');
  await allow.waitFor();
  assert.equal(await allow.getAttribute('data-allowed'), '0');
  await allow.click();
  await inspector.locator('[data-testid="allow-talk"][data-allowed="1"]').waitFor();
  await sup.getByTestId('talk-toggle').click();
  await device.page.getByTestId('camera-talker').waitFor({ state: 'visible' });
  assert.match((await device.page.getByTestId('camera-talker').textContent())!, /Observer speaking/);
  await inspector.locator('[data-testid="talker"][data-talker="other"]').waitFor();
  await allow.click(); // withdrawn: the floor goes at once and the button with it
  await device.page.getByTestId('camera-talker').waitFor({ state: 'hidden' });
  await sup.getByTestId('talk-toggle').waitFor({ state: 'detached' });
  await supCtx.close();

  // a live pointer: the inspector clicks a spot of the live video; the device draws it at the same spot of the frame
  await inspector.getByTestId('session-video').scrollIntoViewIfNeeded();
  const geo = await inspector.getByTestId('session-video').evaluate((v: HTMLVideoElement) => {
    const r = v.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height, vw: v.videoWidth, vh: v.videoHeight };
  });
  const scale = Math.min(geo.width / geo.vw, geo.height / geo.vh);
  const at = (fx: number, fy: number) => ({
    x: geo.left + (geo.width - geo.vw * scale) / 2 + fx * geo.vw * scale, y: geo.top + (geo.height - geo.vh * scale) / 2 + fy * geo.vh * scale,
  });
  const clickAt = Date.now();
  await inspector.mouse.click(at(0.25, 0.4).x, at(0.25, 0.4).y);
  const ptr = device.page.getByTestId('camera-pointer');
  await ptr.waitFor({ state: 'visible' }).catch(async (e) => {
    const kinds = (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId))).map((x) => x.kind);
    throw new Error(`${(e as Error).message}\nDEBUG events ${kinds.join(',')} geo ${JSON.stringify(geo)} errors ${await inspector.evaluate(() => document.body.innerText.slice(0, 1500))}`);
  });
  const [px, py, shownAt] = (await Promise.all(['data-x', 'data-y', 'data-shown-at'].map((a) => ptr.getAttribute(a)))).map(Number);
  assert.ok(Math.abs(px - 0.25) < 0.01 && Math.abs(py - 0.4) < 0.01, `pointer at ${px}, ${py} of the frame`);
  // drawn at that spot of the device's own picture
  const onDevice = await device.page.evaluate(() => {
    const v = document.querySelector('.stage video') as HTMLVideoElement;
    const p = document.querySelector('[data-testid="camera-pointer"]') as HTMLElement;
    const r = v.getBoundingClientRect(), q = p.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    return { x: (q.left + q.width / 2 - r.left - (r.width - v.videoWidth * scale) / 2) / (v.videoWidth * scale), y: (q.top + q.height / 2 - r.top - (r.height - v.videoHeight * scale) / 2) / (v.videoHeight * scale) };
  });
  assert.ok(Math.abs(onDevice.x - 0.25) < 0.03 && Math.abs(onDevice.y - 0.4) < 0.03, `drawn at ${JSON.stringify(onDevice)} of the device's picture`);
  await inspector.getByTestId('live-pointer').waitFor();
  console.log(`ℹ pointer: click in the console → drawn on the device in ${Math.round(shownAt - clickAt)} ms`);
  await ptr.waitFor({ state: 'hidden', timeout: 6000 });

  // remote camera control: the device applies what its camera can, says so, and reports back to the timeline
  const results = async () => (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId)))
    .filter((e) => e.kind === 'camera.result').map((e) => e.payload as { action: string; ok: boolean; detail: string | null });
  await inspector.getByTestId('camera-torch_on').click();
  await until(async () => (await device.page.getByTestId('camera-toast').textContent())?.includes('asked for the torch'), 'the device says it has no torch');
  await inspector.getByTestId('camera-switch').click();
  await until(async () => (await results()).length === 2, 'two camera results');
  const camera = await results();
  assert.deepEqual(camera.map((r) => [r.action, r.ok]), [['torch_on', false], ['switch', true]], JSON.stringify(camera));
  assert.match(camera[0].detail ?? '', /no torch/);
  await until(async () => (await device.page.getByTestId('camera-toast').textContent())?.includes('switched the camera'), 'the device says the camera was switched');
  await until(async () => (await inspector.getByText(/Device camera: Switch camera done/).count()) > 0, 'the result on the console timeline');
  // zoom on a camera that cannot zoom (Chromium's fake camera): the device says so, the console magnifies its picture
  await inspector.getByTestId('camera-zoom_in').click();
  await inspector.locator('[data-testid="video-zoom"][data-zoom="1.5"]').waitFor();
  await inspector.getByTestId('digital-zoom').waitFor();
  assert.deepEqual((await results()).at(-1), { ...(await results()).at(-1), action: 'zoom_in', ok: false });
  // a pointer clicked on the magnified picture still lands on the right spot of the frame on the device
  const zgeo = await inspector.getByTestId('session-video').evaluate((v: HTMLVideoElement) => {
    const r = v.getBoundingClientRect(); // the magnified box
    return { left: r.left, top: r.top, width: r.width, height: r.height, vw: v.videoWidth, vh: v.videoHeight };
  });
  const zs = Math.min(zgeo.width / zgeo.vw, zgeo.height / zgeo.vh);
  const zBefore = await device.page.getByTestId('camera-pointer').getAttribute('data-shown-at');
  await inspector.mouse.click(zgeo.left + (zgeo.width - zgeo.vw * zs) / 2 + 0.4 * zgeo.vw * zs, zgeo.top + (zgeo.height - zgeo.vh * zs) / 2 + 0.55 * zgeo.vh * zs);
  await until(async () => (await device.page.getByTestId('camera-pointer').getAttribute('data-shown-at')) !== zBefore, 'the pointer clicked on the zoomed picture');
  const [zx, zy] = (await Promise.all(['data-x', 'data-y'].map((a) => device.page.getByTestId('camera-pointer').getAttribute(a)))).map(Number);
  assert.ok(Math.abs(zx - 0.4) < 0.01 && Math.abs(zy - 0.55) < 0.01, `pointer at ${zx}, ${zy} of the frame through the digital zoom`);
  await inspector.getByTestId('camera-zoom_out').click();
  await inspector.locator('[data-testid="video-zoom"][data-zoom="1"]').waitFor();
  assert.equal(await inspector.getByTestId('digital-zoom').count(), 0);

  await sleep(2000);
  await inspector.getByTestId('end-session').click();
  await inspector.getByTestId('recordings').waitFor({ timeout: 30_000 });
  await device.page.getByTestId('camera-ended').waitFor();
  await shot(inspector, 'console-ended');
  const [ended] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId));
  const all = await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, sessionId)).orderBy(asc(recordingSegments.index));
  const segs = all.filter((x) => x.track === 'camera');
  assert.equal(segs.length, 1, `segments: ${segs.map((s) => s.reason)}`);
  // the inspector's voice: its own sealed audio-only recording, audible (ffmpeg volumedetect), when it was spoken
  const voice = all.filter((x) => x.track === 'inspector');
  // two voices spoke to the device: the inspector, then the supervisor they allowed (a new talker starts a new segment)
  assert.equal(voice.length, 2, `voice segments: ${voice.map((s) => `${s.reason} ${s.durationMs} ms`)}`);
  assert.ok(voice[1].startedAt >= voice[0].endedAt, 'the observer spoke after the inspector');
  const floor = (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId))).filter((e) => e.kind === 'talker' && e.actorId)
    .map((e) => [e.source, (e.payload as { role: string }).role]);
  assert.deepEqual(floor.at(-1), ['observer', 'supervisor'], 'the timeline says whose voice the second segment is');
  assert.ok(floor.some(([src]) => src === 'inspector'));
  const voiceFile = liveSessionsOf(t.ctx)!.env.store.localPath(voice[0].key)!;
  assert.equal(createHash('sha256').update(readFileSync(voiceFile)).digest('hex'), voice[0].sha256);
  const vp = await probeMedia(voiceFile);
  assert.ok(vp.ok && vp.videoPackets === 0 && vp.audioPackets > 50, JSON.stringify(vp));
  assert.ok(voice[0].durationMs > 2000 && voice[0].durationMs < 6000, `voice ${voice[0].durationMs} ms for ~3 s of speech`);
  const vol = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', voiceFile, '-af', 'volumedetect', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
  const maxDb = Number(/max_volume: (-?[\d.]+) dB/.exec(vol)?.[1] ?? '-91');
  assert.ok(maxDb > -30, `the inspector's voice is audible in the recording (max ${maxDb} dB)`);
  assert.ok(voice[0].startedAt >= ended.connectedAt! && voice[0].endedAt <= ended.endedAt!, 'within the session');
  await inspector.locator(`[data-testid="recording"][data-track="inspector"][data-recording-id="${voice[0].id}"]`).waitFor();
  const store = liveSessionsOf(t.ctx)!.env.store;
  const file = store.localPath(segs[0].key)!;
  const probe = await probeMedia(file);
  assert.ok(probe.ok, probe.error);
  const sessionMs = ended.endedAt!.getTime() - ended.connectedAt!.getTime();
  assert.ok(Math.abs(probe.durationMs - sessionMs) < 1000, `recorded ${probe.durationMs} ms of a ${sessionMs} ms session`);
  assert.ok(probe.maxVideoGapMs < 1000, `video gap ${probe.maxVideoGapMs} ms at ${probe.maxVideoGapAtMs} ms`);
  assert.equal(probe.width, 640);
  assert.equal(await inspector.getByTestId('recording').first().getAttribute('data-sha256'), segs[0].sha256);
  const summary = (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId))).find((e) => e.kind === 'stats.summary');
  assert.ok(summary && (summary.payload.videoBytes as number) > 100_000, 'a media summary closes the timeline');
  assert.ok((summary.payload.peers as { role: string }[]).some((x) => x.role === 'viewer'), 'with the inspector\'s last stats');
  await device.ctx.close();
});

test('a 10 s network cut: the inspector sees "reconnecting", the video resumes within 5 s of restoring; expired and reused links are refused', { timeout: 120_000 }, async () => {
  const { media } = liveSessionsOf(t.ctx)!;
  // the device's media goes through a UDP proxy the test can block: the node learns the device's address only
  // through the proxy, and the device is told the proxy's ports as the node's candidates
  media.devicePath = {
    offer: (sdp) => sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:')).join('\r\n'),
    answer: (sdp) => proxy.rewrite(sdp),
  };
  const order = await bookedOrder(t, p);
  const { sessionId, link } = await startSession(order.orderNo);
  const device = await openDevice(link);
  await until(async () => (await framesDecoded()) > 30, 'frames before the cut', 25_000);

  // the cut: the device's UDP path is blocked and its browser goes offline
  proxy.blocked = true;
  await device.ctx.setOffline(true);
  // diagnostics if the cut does not show: what the media node kept receiving (ms since the cut:video packets:state)
  const series: string[] = [];
  const cutStart = Date.now();
  const tick = setInterval(() => {
    const r = media.node.room(sessionId);
    series.push(`${Date.now() - cutStart}:${r?.stats.videoPackets}:${r?.publisher}`);
  }, 250);
  const cutAt = Date.now();
  await inspector.getByTestId('publisher-reconnecting').waitFor({ timeout: 10_000 }).catch((e) => {
    throw new Error(`${(e as Error).message}\nmedia node during the cut: ${series.join(' ')}`);
  }).finally(() => clearInterval(tick));
  // the device's indicator: its heartbeat to the server goes unanswered
  await until(async () => (await device.page.getByTestId('camera-network').getAttribute('data-level')) === 'down', 'device indicator "no connection"', 10_000);
  await shot(inspector, 'console-reconnecting');
  // a snapshot requested while the device is offline is taken and uploaded once it is back
  await inspector.getByTestId('request-snapshot').click();
  await sleep(Math.max(0, 10_000 - (Date.now() - cutAt)));
  const before = await framesDecoded();
  proxy.blocked = false;
  await device.ctx.setOffline(false);
  const restoredAt = Date.now();
  await until(async () => (await framesDecoded()) > before + 5, 'video after restoring', 15_000);
  const resumeMs = Date.now() - restoredAt;
  assert.ok(resumeMs < 5000, `video resumed ${resumeMs} ms after the network came back`);
  await until(async () => (await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)))[0].state === 'connected', 'session connected again');
  await inspector.getByTestId('snapshot').first().waitFor({ timeout: 20_000 });
  const states = (await t.ctx.db.select({ kind: sessionEvents.kind }).from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId)).orderBy(asc(sessionEvents.seq)))
    .map((e) => e.kind).filter((k) => k.startsWith('state.'));
  assert.deepEqual(states.slice(0, 5), ['state.requested', 'state.ringing', 'state.connected', 'state.reconnecting', 'state.connected']);

  // the link already used by the device is refused; so is an expired one
  const reused = await (await watchedContext()).newPage();
  await reused.goto(link);
  await reused.getByTestId('camera-refused').waitFor();
  assert.match((await reused.getByTestId('camera-refused').textContent())!, /already used/);
  // the booked operator gets a fresh link in the enterprise portal (here: left until it expired)
  const opCtx = await watchedContext({ locale: 'en-US' });
  const op = await opCtx.newPage();
  await op.goto(`${base}/login`);
  await op.getByTestId('login-username').fill('alpha.operator');
  await op.getByTestId('login-password').fill(TEST_PASSWORD);
  await op.getByTestId('login-submit').click();
  await op.waitForURL(/\/enterprise\//);
  await op.goto(`${base}/enterprise/camera`);
  await op.getByTestId('operator-session').filter({ hasText: order.orderNo }).getByTestId('operator-get-link').click();
  const freshLink = (await op.getByTestId('device-link-url').getAttribute('href'))!;
  await op.getByTestId('device-link-qr').locator('svg').waitFor();
  await t.ctx.db.update(deviceJoinTokens).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(deviceJoinTokens.tokenHash, hashSecret(new URL(freshLink).hash.slice(3))));
  const expired = await (await watchedContext()).newPage();
  await expired.goto(freshLink);
  await expired.getByTestId('camera-refused').waitFor();
  assert.match((await expired.getByTestId('camera-refused').textContent())!, /expired/);
  await shot(expired, 'camera-refused');
  assert.equal(await expired.evaluate(() => document.body.dataset.refused), 'token_expired');

  // the recording continues in a new segment once the device's first keyframe after the gap arrives
  await until(async () => (await t.ctx.db.select({ kind: sessionEvents.kind, payload: sessionEvents.payload }).from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId)))
    .some((e) => e.kind === 'recording.opened' && e.payload.reason !== 'start'), 'a new recording segment after the gap', 10_000);
  await inspector.getByTestId('end-session').click();
  await inspector.getByTestId('recordings').waitFor({ timeout: 30_000 });
  const segs = await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, sessionId));
  assert.ok(segs.length >= 2, `the gap splits the recording: ${segs.map((s) => s.reason)}`);
  for (const s of segs) {
    const pr = await probeMedia(liveSessionsOf(t.ctx)!.env.store.localPath(s.key)!);
    // playable; right after the network returns Chrome's encoder may pause up to ~2 s while its bandwidth estimate
    // recovers (seen 1.7 s once), so the strict "no gap over 1 s" is checked on the uninterrupted session above
    assert.ok(pr.ok && pr.maxVideoGapMs < 2500, `segment ${s.index}: ${pr.error ?? `gap ${pr.maxVideoGapMs} ms`}`);
  }
  media.devicePath = undefined;
  await device.ctx.close();
});

test('one-tap joining: the e-mailed link opens the camera page on a phone and streams, works once; on a phone the operator\'s portal offers "Open camera", not a QR code, and the notification\'s target goes straight to the camera', { timeout: 90_000 }, async () => {
  const order = await bookedOrder(t, p);
  const { sessionId } = await startSession(order.orderNo);
  await inspector.locator('[data-testid="invite-result"][data-delivered="true"]').waitFor();
  const mail = await smtp.waitFor((m) => m.to === OPERATOR_EMAIL && m.subject.includes(order.orderNo));
  assert.equal(mail.links.length, 1);
  assert.ok(mail.links[0].startsWith(`${base}/camera.html#t=`), mail.links[0]);
  const phoneOf = () => watchedContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-US' });
  const phoneCtx = await phoneOf();
  const phone = await phoneCtx.newPage();
  phone.setDefaultTimeout(15_000);
  await phone.goto(mail.links[0]);
  await phone.getByTestId('camera-title').waitFor();
  await startCamera(phone);
  const f0 = await framesDecoded();
  await until(async () => (await framesDecoded()) > f0 + 10, 'frames from the phone decoded in the console', 20_000);
  const again = await phoneCtx.newPage();
  await again.goto(mail.links[0]);
  await again.getByTestId('camera-refused').waitFor();
  assert.equal(await again.evaluate(() => document.body.dataset.refused), 'token_used');
  await again.close();

  // the operator's portal on the phone: a fresh link as an "Open camera" button, no QR code of its own screen
  const portalCtx = await phoneOf();
  const portal = await portalCtx.newPage();
  portal.setDefaultTimeout(15_000);
  await portal.goto(`${base}/login`);
  await portal.getByTestId('login-username').fill('alpha.operator');
  await portal.getByTestId('login-password').fill(TEST_PASSWORD);
  await portal.getByTestId('login-submit').click();
  await portal.waitForURL(/\/enterprise\//);
  await portal.goto(`${base}/enterprise/camera?session=${sessionId}`);
  await portal.getByTestId('open-camera').waitFor();
  assert.equal(await portal.getByTestId('device-link-qr').count(), 0, 'no QR code on the phone');
  // the "session started" notification leads to ?session=…&go=1: on a phone, straight into the camera page
  await portal.goto(`${base}/enterprise/camera?session=${sessionId}&go=1`);
  await portal.waitForURL(/\/camera\.html/);
  await portal.getByTestId('camera-title').waitFor();
  await shot(portal, 'camera-from-notification');
  await startCamera(portal);
  await portalCtx.close();
  await phoneCtx.close();
});

test('no Content-Security-Policy violations on the console or the camera page', () => {
  assert.deepEqual(cspViolations, []);
});
