// A live session on an impaired link (issue 16), for the network browser test and `bench -- network`: the real server
// (test app on PGlite or DATABASE_URL), the inspector's console in one Chromium, the camera page in another with a
// fake camera, and the device's media path through an ImpairedLink (userspace: delay, jitter, loss, rate, cuts).
// The device page's own HTTP and WebSocket traffic (still uploads, signalling) gets the same rate and delay through
// Chromium's network emulation (DevTools protocol): the UDP relay cannot see TCP.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchChromium, makeY4m } from '../../../packages/media/src/testing/harness.ts';
import { CLEAR, ImpairedLink, type LinkProfile } from '../../../packages/media/src/impair/link.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { inspectorStartsSession } from './console-session.ts';
import { liveSessionsOf } from '../src/modules/sessions/sessions.routes.ts';
import { bookedOrder, people } from '../src/modules/sessions/sessions.test-helpers.ts';
import type { Config } from '../src/platform/config.ts';

const root = new URL('../../../', import.meta.url).pathname;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** What the inspector's console receives, straight from its RTCPeerConnections' getStats. */
export interface Received {
  at: number;
  framesDecoded: number;
  fps: number | null;
  height: number | null;
  width: number | null;
  freezeCount: number;
  totalFreezesDuration: number;
  concealedSamples: number;
  totalSamplesReceived: number;
  audioPackets: number;
}

export interface NetworkSession {
  t: TestApp;
  base: string;
  sessionId: string;
  link: ImpairedLink;
  inspector: Page;
  device: Page;
  deviceCtx: BrowserContext;
  /** applies a profile to the media path and to the device page's HTTP */
  impair(p: LinkProfile): Promise<void>;
  /** the media path cut (and the device page offline) or back */
  cutNetwork(on: boolean): Promise<void>;
  received(): Promise<Received>;
  /** the device's rung as the camera page shows it */
  deviceRung(): Promise<string | null>;
  /** the device's rung as the console shows it */
  consoleRung(): Promise<string | null>;
  close(): Promise<void>;
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
});

/** Every RTCPeerConnection the page makes is kept on window.__pcs (to read its getStats from the test). */
const KEEP_PCS = () => {
  const Orig = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Orig {
    constructor(c?: RTCConfiguration) {
      super(c);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

export async function startNetworkSession(o: {
  /** the fake camera's size (default 640×360) */
  width?: number; height?: number;
  config?: Partial<Config>;
  /** extra flags of the device's Chromium (e.g. no direct UDP) */
  deviceArgs?: string[];
  /** no ImpairedLink on the device's path (e.g. the TURN case) */
  direct?: boolean;
  /** tick "save data" before starting the camera */
  saveData?: boolean;
} = {}): Promise<NetworkSession> {
  const work = mkdtempSync(join(tmpdir(), 'rvi-network-'));
  const webDist = join(root, 'apps/web/dist/camera.html');
  if (!(await import('node:fs')).existsSync(webDist)) spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: root, stdio: 'inherit' });
  const y4m = await makeY4m(join(work, 'camera.y4m'), { width: o.width ?? 640, height: o.height ?? 360, seconds: 2 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ publicUrl: base, ...o.config }, { jobs: false });
  await t.app.listen({ port, host: '127.0.0.1' });
  const link = new ImpairedLink({ seed: 16 });
  const media = liveSessionsOf(t.ctx)!.media;
  if (!o.direct) media.devicePath = { offer: ImpairedLink.stripCandidates, answer: (sdp) => link.rewrite(sdp) };

  const consoleBrowser: Browser = await launchChromium();
  const deviceBrowser: Browser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`, ...(o.deviceArgs ?? [])]);
  const p = await people(t);
  const ictx = await consoleBrowser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
  await ictx.addInitScript(KEEP_PCS);
  const inspector = await ictx.newPage();
  inspector.setDefaultTimeout(30_000);
  inspector.on('dialog', (d) => void d.accept());
  const order = await bookedOrder(t, p);
  const sessionId = await inspectorStartsSession(inspector, base, order.orderNo);
  const deviceLink = (await inspector.getByTestId('device-link-url').getAttribute('href'))!;
  const deviceCtx = await deviceBrowser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' });
  const device = await deviceCtx.newPage();
  device.setDefaultTimeout(30_000);
  await device.goto(deviceLink);
  await device.getByTestId('camera-start').waitFor();
  if (o.saveData) await device.getByTestId('camera-save-data').check();
  await device.getByTestId('camera-start').click();
  let cdp: CDPSession | undefined;
  const emulate = async (p: LinkProfile, offline = false) => {
    cdp ??= await deviceCtx.newCDPSession(device);
    await cdp.send('Network.emulateNetworkConditions', {
      offline, latency: p.rttMs, downloadThroughput: p.rateKbps ? (p.rateKbps * 1000) / 8 : -1, uploadThroughput: p.rateKbps ? (p.rateKbps * 1000) / 8 : -1,
    });
  };
  return {
    t, base, sessionId, link, inspector, device, deviceCtx,
    async impair(profile) {
      link.set(profile);
      await emulate(profile);
    },
    async cutNetwork(on) {
      link.cut = on;
      await emulate(link.profile, on);
    },
    async received() {
      return inspector.evaluate(async () => {
        const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed');
        const out = { at: Date.now(), framesDecoded: 0, fps: null as number | null, height: null as number | null, width: null as number | null, freezeCount: 0, totalFreezesDuration: 0, concealedSamples: 0, totalSamplesReceived: 0, audioPackets: 0 };
        for (const pc of pcs) {
          (await pc.getStats()).forEach((r) => {
            if (r.type !== 'inbound-rtp') return;
            if (r.kind === 'video') {
              out.framesDecoded += r.framesDecoded ?? 0;
              out.fps = r.framesPerSecond ?? out.fps;
              out.height = r.frameHeight ?? out.height;
              out.width = r.frameWidth ?? out.width;
              out.freezeCount += r.freezeCount ?? 0;
              out.totalFreezesDuration += r.totalFreezesDuration ?? 0;
            } else if (r.kind === 'audio') {
              out.concealedSamples += r.concealedSamples ?? 0;
              out.totalSamplesReceived += r.totalSamplesReceived ?? 0;
              out.audioPackets += r.packetsReceived ?? 0;
            }
          });
        }
        return out;
      });
    },
    deviceRung: () => device.getByTestId('camera-rung').getAttribute('data-rung').catch(() => null),
    consoleRung: () => inspector.getByTestId('device-rung').getAttribute('data-rung', { timeout: 1000 }).catch(() => null),
    async close() {
      media.devicePath = undefined;
      await deviceBrowser.close().catch(() => undefined);
      await consoleBrowser.close().catch(() => undefined);
      await t.close();
      link.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export { CLEAR };
