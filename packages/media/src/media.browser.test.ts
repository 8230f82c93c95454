// Real Chromium publisher and viewer through the werift MediaNode, on loopback; the publisher's media goes through
// a UDP proxy so the test can cut its network. The recordings are checked picture by picture: the publisher streams a
// frame-numbered pattern and every recorded frame is decoded, its number read and compared with the reference
// rendering (PSNR). ~1.5 minutes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { MediaNodeEvent } from './node.ts';
import { probeMedia } from './probe.ts';
import type { SegmentInfo, SegmentOpenInfo } from './recorder.ts';
import { recoverSegments } from './recover.ts';
import { checkRecording, loadTexture, makeTexture, type RecordingCheck, type Texture } from './testing/frame-check.ts';
import { launchChromium, makeY4m, startHarness, type Harness } from './testing/harness.ts';
import { drawTimes, openPatternPublisher, openPatternViewer, viewerNumbers } from './testing/pattern-session.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
let h: Harness;
let browser: Browser;
let texturePng: string;
let tex: Texture;
const events: (MediaNodeEvent & { at: number })[] = [];
const opened: SegmentOpenInfo[] = [];
const closedSegs: SegmentInfo[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvi-media-'));
  const y4m = await makeY4m(join(dir, 'cam.y4m'), { width: 640, height: 360, seconds: 2 });
  texturePng = await makeTexture(join(dir, 'texture.png'), fileURLToPath(new URL('../../vision/test-fixtures/container-boxed-check-digit.jpg', import.meta.url)));
  tex = await loadTexture(texturePng);
  h = await startHarness({
    recording: { dir: join(dir, 'rec') },
    onEvent: (e) => events.push({ ...e, at: Date.now() }),
    onSegmentOpen: (s) => opened.push(s),
    onSegmentClose: (s) => closedSegs.push(s),
  }, { proxyPublishers: true, files: { 'texture.png': texturePng } });
  browser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`]);
});

after(async () => {
  await browser?.close();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function openPublisher(sessionId: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(h.url);
  await page.evaluate(async ([ws, sid]) => {
    const r = (window as any).rvi;
    const p = new r.PublisherClient({ transport: r.createWebSocketTransport(ws), sessionId: sid });
    (window as any).states = [];
    p.on('state', (s: any) => (window as any).states.push(s.state));
    (window as any).pub = p;
    await p.start();
  }, [h.wsUrl, sessionId]);
  return page;
}

async function openViewer(sessionId: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(h.url);
  await page.evaluate(([ws, sid]) => {
    const r = (window as any).rvi;
    const v = new r.ViewerClient({ transport: r.createWebSocketTransport(ws), sessionId: sid, videoElement: document.getElementById('v'), statsIntervalMs: 250 });
    const w = window as any;
    w.publisherStates = [];
    v.on('firstFrame', (f: any) => (w.firstFrameMs = f.ms));
    v.on('publisher', (s: string) => w.publisherStates.push(s));
    v.on('stats', (s: any) => (w.lastStats = s));
    w.viewer = v;
    v.start();
  }, [h.wsUrl, sessionId]);
  return page;
}

const framesDecoded = (page: Page) => page.evaluate(async () => {
  const s = await (window as any).viewer.getStats();
  return s?.framesDecoded ?? 0;
});

test('viewer decodes the relayed stream fast (PLI on join), stills are full size, the recording matches the session', { timeout: 60_000 }, async (t) => {
  const pub = await openPublisher('live-1');
  const liveAt = (await until(() => events.find((e) => e.type === 'publisher-state' && e.sessionId === 'live-1' && e.state === 'live'), 'publisher live')).at;
  await sleep(1000);

  const joinAt = Date.now();
  const viewer = await openViewer('live-1');
  const ttff = await until(() => viewer.evaluate(() => (window as any).firstFrameMs), 'first frame');
  t.diagnostic(`viewer join → first decoded frame: ${ttff} ms`);
  assert.ok(ttff < 1500, `first frame after ${ttff} ms`);
  assert.ok(events.some((e) => e.type === 'keyframe-requested' && e.sessionId === 'live-1' && /viewer/.test(e.reason) && e.at >= joinAt), 'keyframe requested when the viewer joined');
  await until(async () => (await framesDecoded(viewer)) > 10, 'frames decoded');
  const stats = await until(() => viewer.evaluate(() => (window as any).lastStats?.bitrateKbps > 0 && (window as any).lastStats), 'viewer stats');
  assert.equal(stats.width, 640);
  assert.equal(stats.height, 360);
  assert.ok(stats.bitrateKbps > 50, `bitrate ${stats.bitrateKbps}`);

  // full-resolution still from the camera track, hash checked on the bytes that reach Node
  const still = await pub.evaluate(async () => {
    const r = (window as any).rvi;
    const s = await r.captureStill((window as any).pub.videoTrack);
    const bytes = new Uint8Array(await s.blob.arrayBuffer());
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return { width: s.width, height: s.height, method: s.method, sha256: s.sha256, b64: btoa(bin) };
  });
  assert.equal(still.width, 640);
  assert.equal(still.height, 360);
  assert.equal(createHash('sha256').update(Buffer.from(still.b64, 'base64')).digest('hex'), still.sha256);

  await sleep(3000);
  const endAt = Date.now();
  const segs = await h.node.closeSession('live-1');
  assert.equal(segs.length, 1);
  const p = await probeMedia(segs[0].path);
  assert.ok(p.ok, p.error);
  const sessionMs = endAt - liveAt;
  t.diagnostic(`recording ${p.durationMs} ms for a ${sessionMs} ms session, largest frame gap ${p.maxVideoGapMs} ms`);
  assert.ok(Math.abs(p.durationMs - sessionMs) < 1000, `recorded ${p.durationMs} ms of a ${sessionMs} ms session`);
  assert.ok(p.maxVideoGapMs < 1000, `gap ${p.maxVideoGapMs} ms at ${p.maxVideoGapAtMs} ms`);
  assert.ok(p.audioPackets > 0);
  assert.equal(segs[0].reason, 'stop');
  assert.match(segs[0].sha256, /^[0-9a-f]{64}$/);
  await pub.context().close();
  await viewer.context().close();
});

/** Every recorded frame shows the right picture: its number reads and it matches the reference (PSNR ≥ 30 dB). */
function assertPicture(t: { diagnostic(m: string): void }, name: string, c: RecordingCheck): void {
  const bad = c.perFrame.filter((f) => f.number === undefined || f.psnr < 30);
  t.diagnostic(`${name}: ${c.frames} frames decoded, ${c.okPct.toFixed(2)} % ok, PSNR p5 ${c.psnrP5.toFixed(1)} dB, ${c.keyframes} keyframes (max interval ${c.keyframeIntervalMaxS.toFixed(2)} s)`);
  assert.ok(c.frames > 30, `${name}: ${c.frames} frames`);
  assert.deepEqual(c.decodeErrors.filter((e) => !/Unknown-sized element/.test(e)), [], `${name}: decode errors`);
  assert.ok(c.okPct >= 98, `${name}: ${c.okPct.toFixed(2)} % of frames ok; first bad (segment, frame, number, PSNR): ${JSON.stringify(bad.slice(0, 8).map((f) => [f.segment, f.index, f.number, +f.psnr.toFixed(1)]))}`);
  assert.ok(c.perFrame.every((f) => f.number !== undefined && f.psnr >= 20), `${name}: a corrupted frame (PSNR < 20 dB or number unreadable)`);
}

test('a 10 s network cut: the viewer sees "reconnecting", video resumes within 5 s of restoring, in a new segment; every recorded frame is the right picture', { timeout: 120_000 }, async (t) => {
  const pub = await openPatternPublisher(browser, h.url, h.wsUrl, 'cut-1');
  const viewer = await openPatternViewer(browser, h.url, h.wsUrl, 'cut-1');
  await until(async () => (await framesDecoded(viewer)) > 30, 'frames before the cut', 20_000);
  await sleep(3000);

  h.proxy!.blocked = true;
  const cutAt = Date.now();
  await until(() => viewer.evaluate(() => (window as any).publisherStates.includes('reconnecting')), 'viewer told "reconnecting"', 8000);
  await until(() => pub.evaluate(() => (window as any).states.includes('reconnecting')), 'publisher reconnecting', 12_000);
  await sleep(Math.max(0, 10_000 - (Date.now() - cutAt)));
  const before = await framesDecoded(viewer);
  h.proxy!.blocked = false;
  const restoredAt = Date.now();
  await until(async () => (await framesDecoded(viewer)) > before + 5, 'video after restoring', 10_000);
  const resumeMs = Date.now() - restoredAt;
  t.diagnostic(`video resumed ${resumeMs} ms after the network came back`);
  assert.ok(resumeMs < 5000, `video resumed ${resumeMs} ms after the network came back`);
  assert.ok(await viewer.evaluate(() => (window as any).publisherStates.at(-1) === 'live'));
  await sleep(4000);
  const seen = new Set(await viewerNumbers(viewer));

  const segs = (await h.node.closeSession('cut-1')).sort((a, b) => a.index - b.index);
  assert.ok(segs.length >= 2, `segments: ${segs.map((s) => s.reason)}`);
  const cutOpens = opened.filter((s) => s.sessionId === 'cut-1');
  assert.ok(cutOpens.slice(1).every((s) => s.reason === 'reconnect' || s.reason === 'resume'), `open reasons ${cutOpens.map((s) => s.reason)}`);
  assert.ok(['media-gap', 'reconnect'].includes(segs[0].reason));
  // the cut is where the recording says it is: the first segment ends at the cut, the next starts after it
  assert.ok(Math.abs(segs[0].endedAt.getTime() - cutAt) < 2000, `first segment ends ${segs[0].endedAt.getTime() - cutAt} ms from the cut`);
  assert.ok(segs[1].startedAt.getTime() >= restoredAt - 500, 'second segment starts after the network came back');
  for (const s of segs) {
    const p = await probeMedia(s.path);
    assert.ok(p.ok, `${s.path}: ${p.error}`);
    assert.ok(p.maxVideoGapMs < 1000, `segment ${s.index}: gap ${p.maxVideoGapMs} ms`);
  }
  const c = await checkRecording(segs.map((s) => s.path), tex);
  assertPicture(t, 'cut', c);
  assert.ok(c.keyframeIntervalMaxS <= 4.5, `keyframe interval ${c.keyframeIntervalMaxS} s`);
  const recorded = new Set(c.perFrame.map((f) => f.number));
  const missing = [...seen].filter((n) => !recorded.has(n));
  assert.ok(missing.length <= 2, `frames the viewer showed that the recording lacks: ${missing.slice(0, 20)}`);
  await pub.context().close();
  await viewer.context().close();
});

test('kill -9 of the media node: the recording up to the kill is recovered with its true times, every frame the right picture', { timeout: 90_000 }, async (t) => {
  const killDir = join(dir, 'kill');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./testing/media-child.ts', import.meta.url)), killDir, texturePng], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
  const ready = await new Promise<{ url: string; wsUrl: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (c) => reject(new Error(`media child exited ${c}`)));
  });
  const pub = await openPatternPublisher(browser, ready.url, ready.wsUrl, 'kill-1');
  await until(() => existsSync(killDir) && readdirSync(killDir).some((f) => f.endsWith('.webm')), 'a segment in the child', 20_000);
  await sleep(6000);
  child.kill('SIGKILL');
  const killedAt = Date.now();
  await new Promise((r) => child.once('exit', r));
  const times = await drawTimes(pub);
  await pub.context().close();

  const found = await recoverSegments(killDir, { sessionId: 'kill-1', decode: true });
  assert.equal(found.length, 1);
  const [r] = found;
  assert.equal(r.playable, true, r.error);
  assert.equal(r.closedByWriter, false);
  const c = await checkRecording([r.path], tex);
  assertPicture(t, 'kill', c);
  const numbers = c.perFrame.map((f) => f.number!).filter((n) => n !== undefined);
  const lostS = (killedAt - times[numbers[numbers.length - 1]]) / 1000;
  const startErr = r.startedAt!.getTime() - times[numbers[0]];
  const endErr = r.endedAt!.getTime() - times[numbers[numbers.length - 1]];
  t.diagnostic(`last recorded frame drawn ${lostS.toFixed(2)} s before the kill; recovered start ${startErr} ms, end ${endErr} ms from the draw times`);
  assert.ok(lostS <= 2, `${lostS} s lost at the kill`);
  assert.ok(Math.abs(startErr) < 1000 && Math.abs(endErr) < 1000, `recovered times off by ${startErr} / ${endErr} ms`);
});
