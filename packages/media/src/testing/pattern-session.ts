// Browser sides of a frame-numbered session (frame-pattern.ts) for the recording tests and the recording bench:
// a Chromium publisher streaming the pattern (and keeping the wall-clock time each frame number was drawn) and a
// viewer that reads the number of every frame it displays.
import type { Browser, Page } from 'playwright-core';

export interface PatternPublisherOptions {
  fps?: number;
  degradationPreference?: RTCDegradationPreference;
  /** publisher client options passed through (e.g. iceServers) */
  extra?: Record<string, unknown>;
}

/** Opens the publisher page: the pattern at 1280×720 as the camera, a fake microphone, through the WebSocket. */
export async function openPatternPublisher(browser: Browser, url: string, wsUrl: string, sessionId: string, o: PatternPublisherOptions = {}): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.evaluate(async ([ws, sid, fps, pref, extra]) => {
    const w = window as any;
    const r = w.rvi;
    const pat = await r.patternStream('/texture.png', fps);
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    const stream = new MediaStream([...pat.stream.getVideoTracks(), ...mic.getAudioTracks()]);
    w.pat = pat;
    w.states = [];
    const p = new r.PublisherClient({ transport: r.createWebSocketTransport(ws), sessionId: sid, stream, ...(pref ? { degradationPreference: pref } : {}), ...(extra ?? {}) });
    p.on('state', (s: any) => w.states.push(s.state));
    p.on('quality', (q: any) => (w.quality = q));
    w.pub = p;
    await p.start();
  }, [wsUrl, sessionId, o.fps ?? 30, o.degradationPreference ?? null, o.extra ?? null] as const);
  return page;
}

export async function openPatternViewer(browser: Browser, url: string, wsUrl: string, sessionId: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.evaluate(([ws, sid]) => {
    const w = window as any;
    const r = w.rvi;
    const v = new r.ViewerClient({ transport: r.createWebSocketTransport(ws), sessionId: sid, videoElement: document.getElementById('v'), statsIntervalMs: 500 });
    w.viewer = v;
    w.publisherStates = [];
    v.on('publisher', (s: string) => w.publisherStates.push(s));
    w.seen = r.readFrameNumbers(document.getElementById('v'));
    v.start();
  }, [wsUrl, sessionId]);
  return page;
}

/** Wall-clock time (Date.now()) at which each frame number was drawn. */
export function drawTimes(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as any).pat.times());
}

export function viewerNumbers(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as any).seen.numbers);
}

export function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => (await (window as any).viewer.getStats())?.framesDecoded ?? 0);
}
