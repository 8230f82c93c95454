// Real Chromium publisher and viewer through the werift MediaNode, on loopback; the publisher's media goes through
// a UDP proxy so the test can cut its network. ~1 minute.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { MediaNodeEvent } from './node.ts';
import { probeMedia } from './probe.ts';
import type { SegmentInfo, SegmentOpenInfo } from './recorder.ts';
import { launchChromium, makeY4m, startHarness, type Harness } from './testing/harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
let h: Harness;
let browser: Browser;
const events: (MediaNodeEvent & { at: number })[] = [];
const opened: SegmentOpenInfo[] = [];
const closedSegs: SegmentInfo[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvi-media-'));
  const y4m = await makeY4m(join(dir, 'cam.y4m'), { width: 640, height: 360, seconds: 2 });
  h = await startHarness({
    recording: { dir: join(dir, 'rec') },
    onEvent: (e) => events.push({ ...e, at: Date.now() }),
    onSegmentOpen: (s) => opened.push(s),
    onSegmentClose: (s) => closedSegs.push(s),
  }, { proxyPublishers: true });
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

test('a 10 s network cut: the viewer sees "reconnecting", video resumes within 5 s of restoring, in a new segment', { timeout: 90_000 }, async (t) => {
  const pub = await openPublisher('cut-1');
  const viewer = await openViewer('cut-1');
  await until(async () => (await framesDecoded(viewer)) > 30, 'frames before the cut');

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
  await sleep(1500);

  const segs = (await h.node.closeSession('cut-1'));
  assert.ok(segs.length >= 2, `segments: ${segs.map((s) => s.reason)}`);
  const cutOpens = opened.filter((s) => s.sessionId === 'cut-1');
  assert.ok(cutOpens.slice(1).every((s) => s.reason === 'reconnect' || s.reason === 'resume'), `open reasons ${cutOpens.map((s) => s.reason)}`);
  assert.ok(['media-gap', 'reconnect'].includes(segs[0].reason));
  for (const s of segs) {
    const p = await probeMedia(s.path);
    assert.ok(p.ok, `${s.path}: ${p.error}`);
    assert.ok(p.maxVideoGapMs < 1000, `segment ${s.index}: gap ${p.maxVideoGapMs} ms`);
  }
  await pub.context().close();
  await viewer.context().close();
});
