// The live reading overlay (issue 17), in real Chromium through the real server and media node: the device streams a
// 4:3 fake camera (640×480) over WebRTC into the inspector's 16:9 console (so the picture is pillarboxed); the numbers
// the media node reads are stored and sent by the live reader's own path (LiveReadings.store: the still stored, the
// number compared with the declaration, the `live.reading` event on the timeline, delivered to the consoles). The OCR
// itself is off in the harness (RVI_LIVE_READING=0, tested by sessions.live-reading.test.ts): the readings are given to
// store as the reader would emit them, with their boxes in pixels of the still. The console must draw each number's box
// where it is on the picture (containRect of the video element and its stream), with a badge saying the number and the
// verdict (✓ declared / ✗ not declared / ? nothing declared), in words for assistive technology, for 8 s, then fade;
// at most the newest three at once; in English and Chinese.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { containerCheckDigit, type LiveReading } from '@rvi/vision';
import { launchChromium, makeY4m } from '../../../packages/media/src/testing/harness.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { ensureWebBuilt } from './web-build.ts';
import { inspectorStartsSession } from './console-session.ts';
import { declarations, inspectionOrders } from '../src/db/schema.ts';
import { LiveReadings } from '../src/modules/sessions/sessions.live-reading.ts';
import { liveSessionsOf } from '../src/modules/sessions/sessions.routes.ts';
import { bookedOrder, people } from '../src/modules/sessions/sessions.test-helpers.ts';

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const W = 640, H = 480;
let t: TestApp;
let browser: Browser;
let base = '';
let still: Buffer;
const work = mkdtempSync(join(tmpdir(), 'rvi-live-overlay-'));

before(async () => {
  ensureWebBuilt();
  const y4m = await makeY4m(join(work, 'camera.y4m'), { width: W, height: H, seconds: 2 });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}`, '-frames:v', '1', join(work, 'still.jpg')]);
  still = readFileSync(join(work, 'still.jpg'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await startTestApp({ publicUrl: base }, { jobs: false });
  await t.app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`]);
});
after(async () => {
  await browser?.close();
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A reading as the LiveReader emits it: the still and the number's box (its corners in pixels of the still). */
function reading(kind: 'container' | 'seal', value: string, px: [number, number, number, number]): LiveReading {
  const [x0, y0, x1, y1] = px;
  const evidence = { box: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], text: value, confidence: 0.95 };
  return {
    kind, value, at: Date.now(), still, sha256: createHash('sha256').update(still).digest('hex'), width: W, height: H,
    reading: { fields: { containerNumbers: kind === 'container' ? [{ code: value, evidence }] : [], sealNumbers: kind === 'seal' ? [{ value, evidence }] : [], unverifiedContainerNumbers: [] } },
  } as unknown as LiveReading;
}

/** Where a box given as fractions of the frame lands on the page: the video element's rect, its stream letterboxed inside (containRect). */
async function expectedRect(page: Page, box: [number, number, number, number]) {
  return page.getByTestId('session-video').evaluate((v: HTMLVideoElement, b) => {
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const fw = v.videoWidth * scale, fh = v.videoHeight * scale;
    const fx = r.left + (r.width - fw) / 2, fy = r.top + (r.height - fh) / 2;
    return { left: fx + b[0] * fw, top: fy + b[1] * fh, width: (b[2] - b[0]) * fw, height: (b[3] - b[1]) * fh, pillar: (r.width - fw) / 2, videoWidth: v.videoWidth, videoHeight: v.videoHeight };
  }, box);
}

test('a number read from the live video is drawn where it is on the inspector\'s picture, with its verdict, for a few seconds', { timeout: 150_000 }, async () => {
  const p = await people(t);
  const declared = 'MSKU146628' + containerCheckDigit('MSKU146628');
  const other = 'TGHU876543' + containerCheckDigit('TGHU876543');
  const order = await bookedOrder(t, p);
  // the declaration names one container and no seal: a seal read has nothing to be compared with
  const [o] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.id));
  await t.ctx.db.update(declarations).set({ containers: [{ number: declared, seals: [] }] }).where(eq(declarations.id, o.declarationId));

  const inspector = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  inspector.setDefaultTimeout(20_000);
  const errors: string[] = [];
  inspector.on('pageerror', (e) => errors.push(e.message));
  const sessionId = await inspectorStartsSession(inspector, base, order.orderNo);
  const link = (await inspector.getByTestId('device-link-url').getAttribute('href'))!;
  const device = await (await browser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' })).newPage();
  device.setDefaultTimeout(30_000);
  await device.goto(link);
  await device.getByTestId('camera-start').click();
  await inspector.locator('[data-testid="stat-frames-decoded"]').filter({ hasText: /[1-9]/ }).waitFor({ timeout: 30_000 });
  await inspector.locator('[data-testid="stat-resolution"]').filter({ hasText: `${W}×${H}` }).waitFor();

  // the live reader's path on this server's media node: store → timeline → delivered to the session's consoles
  const { env } = liveSessionsOf(t.ctx)!;
  const reader = new LiveReadings(env, {
    nodeCpu: 0.5, requestKeyframe: () => undefined, log: { warn: (o, m) => console.warn(m, o) },
    engine: () => Promise.reject(new Error('no OCR in this test: the readings are given to store')),
  });
  const store = (r: LiveReading) => (reader as unknown as { store(sessionId: string, r: LiveReading): Promise<void> }).store(sessionId, r);

  const marks = inspector.getByTestId('live-reading');
  const mark = (value: string) => inspector.locator(`[data-testid="live-reading"][data-value="${value}"]`);
  const checkPlace = async (value: string, box: [number, number, number, number]) => {
    const want = await expectedRect(inspector, box);
    const got = (await mark(value).boundingBox())!;
    for (const k of ['left', 'top', 'width', 'height'] as const) {
      const g = k === 'left' ? got.x : k === 'top' ? got.y : got[k];
      assert.ok(Math.abs(g - want[k]) <= 2, `${value}: ${k} ${g.toFixed(1)} px, containRect puts it at ${want[k].toFixed(1)} px (${JSON.stringify(got)} vs ${JSON.stringify(want)})`);
    }
    return want;
  };

  // 1. the declared container: ✓, green, where it is on the picture
  const shownAt = Date.now();
  await store(reading('container', declared, [64, 48, 320, 96]));
  await mark(declared).waitFor();
  assert.equal(await mark(declared).getAttribute('data-declared'), 'true');
  assert.equal(await mark(declared).getAttribute('role'), 'status');
  assert.equal(await mark(declared).getAttribute('aria-label'), `Container number ${declared} read from the live video: matches the declaration`);
  assert.equal((await mark(declared).getByTestId('live-reading-badge').textContent())?.trim(), `${declared} ✓ declared`);
  const at1 = await checkPlace(declared, [0.1, 0.1, 0.5, 0.2]);
  assert.equal(at1.videoWidth, W);
  assert.equal(at1.videoHeight, H);
  assert.ok(at1.pillar > 50, `the 4:3 picture is pillarboxed in the 16:9 pane (${at1.pillar.toFixed(0)} px each side): the box must take that into account`);
  const badgeColour = async (value: string) => mark(value).getByTestId('live-reading-badge').evaluate((b) => getComputedStyle(b).backgroundColor);
  const green = await badgeColour(declared);

  // 2. a container that is not declared: ✗, red
  await store(reading('container', other, [320, 240, 576, 288]));
  await mark(other).waitFor();
  assert.equal(await mark(other).getAttribute('data-declared'), 'false');
  assert.equal(await mark(other).getAttribute('aria-label'), `Container number ${other} read from the live video: not in the declaration`);
  assert.equal((await mark(other).getByTestId('live-reading-badge').textContent())?.trim(), `${other} ✗ not declared`);
  await checkPlace(other, [0.5, 0.5, 0.9, 0.6]);

  // 3. a seal with no seal declared: ?, grey
  await store(reading('seal', 'CN7788123', [96, 384, 256, 432]));
  await mark('CN7788123').waitFor();
  assert.equal(await mark('CN7788123').getAttribute('data-declared'), 'null');
  assert.equal(await mark('CN7788123').getAttribute('aria-label'), 'Seal number CN7788123 read from the live video: nothing declared to compare with');
  assert.equal((await mark('CN7788123').getByTestId('live-reading-badge').textContent())?.trim(), 'CN7788123 ? nothing to compare');
  await checkPlace('CN7788123', [0.15, 0.8, 0.4, 0.9]);
  // every badge is read whole (not cut to fit the width of its box)
  for (const b of await inspector.getByTestId('live-reading-badge').all()) {
    const cut = await b.evaluate((el) => [el, ...el.querySelectorAll('*')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(cut, [], 'a badge shows its whole text');
  }
  const colours = new Set([green, await badgeColour(other), await badgeColour('CN7788123')]);
  assert.equal(colours.size, 3, `three verdicts, three colours: ${[...colours]}`);
  const [r, g] = green.match(/\d+/g)!.map(Number);
  assert.ok(g > r, `declared is green: ${green}`);
  if (process.env.RVI_SCREENSHOTS) await inspector.screenshot({ path: join(process.env.RVI_SCREENSHOTS, 'live-reading-overlay.png') });
  // the number is on the timeline too
  await inspector.locator('[data-testid="timeline-event"][data-kind="live.reading"]').nth(2).waitFor();

  // the newest three at once: a fourth reading takes the place of the oldest
  const fourth = 'CN7788124';
  await store(reading('seal', fourth, [400, 48, 560, 96]));
  await mark(fourth).waitFor();
  await mark(declared).waitFor({ state: 'detached' });
  assert.equal(await marks.count(), 3);
  assert.ok(Date.now() - shownAt < 8000, 'still within the first reading\'s 8 s: it went because it was the oldest of four');

  // each shows for 8 s, then fades and goes
  await sleep(Math.max(0, shownAt + 5000 - Date.now()));
  assert.equal(await mark(other).getAttribute('data-phase'), 'shown', 'still shown after 5 s');
  assert.ok(await mark(other).isVisible());
  await inspector.locator(`[data-testid="live-reading"][data-value="${other}"][data-phase="fading"]`).waitFor({ timeout: 8000 });
  await mark(other).waitFor({ state: 'detached', timeout: 5000 });
  for (let i = 0; i < 100 && (await marks.count()) > 0; i++) await sleep(100);
  assert.equal(await marks.count(), 0, 'all readings gone after their time');

  // in Chinese: the same verdict in words and on the badge
  await inspector.getByTestId('language-switch').selectOption('zh-CN');
  await store(reading('container', 'MSCU123456' + containerCheckDigit('MSCU123456'), [64, 300, 320, 340]));
  const zh = inspector.getByTestId('live-reading');
  await zh.waitFor();
  assert.match((await zh.getAttribute('aria-label'))!, /^从实时视频识别到集装箱号 MSCU\d{7}：不在申报中$/);
  assert.match((await zh.getByTestId('live-reading-badge').textContent())!.trim(), /^MSCU\d{7} ✗ 未申报$/);
  assert.deepEqual(errors, [], 'no script error in the console');
  await reader.close();
});
