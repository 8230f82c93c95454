// Two-way audio through the MediaNode (issue 12): a viewer (the inspector) talks; the publisher (the device) receives
// it (its inbound audio energy grows) and so does a second viewer (an observer listening); the node announces who
// holds the talk channel; the floor passes to the most recent talker and back. Real Chromium, Chromium's fake audio
// device (a beep every second) as every microphone. ~40 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { MediaNodeEvent } from './node.ts';
import { launchChromium, makeY4m, startHarness, type Harness } from './testing/harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
let h: Harness;
let browser: Browser;
const talkers: (string | null)[] = [];
let talkPackets = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvi-talk-'));
  const y4m = await makeY4m(join(dir, 'cam.y4m'), { width: 320, height: 180, seconds: 1 });
  h = await startHarness({
    recording: false,
    onEvent: (e: MediaNodeEvent) => { if (e.type === 'talker') talkers.push(e.peerId); },
    onTalkRtp: () => { talkPackets++; },
  });
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
    await sleep(100);
  }
}

async function page(): Promise<Page> {
  const p = await (await browser.newContext()).newPage();
  await p.goto(h.url);
  return p;
}

const energy = (p: Page, who: 'pub' | 'viewer', which: 'talk' | 'device' = 'talk') => p.evaluate(async ([w, k]) => {
  const x = (window as any)[w];
  if (w === 'pub') return (await x.talkStats())?.totalAudioEnergy ?? 0;
  return (await x.audioStats())[k]?.totalAudioEnergy ?? 0;
}, [who, which] as const);

test('the inspector talks: the device and an observer hear it; the floor follows the latest talker', { timeout: 90_000 }, async () => {
  const sid = 'talk-1';
  const device = await page();
  await device.evaluate(async ([ws, s]) => {
    const r = (window as any).rvi;
    const p = new r.PublisherClient({ transport: r.createWebSocketTransport(ws), sessionId: s });
    (window as any).talkEvents = 0;
    (window as any).talkerMsgs = [];
    // the device plays the talk channel (as the camera page does): Chrome decodes remote audio for a sink
    p.on('talk', (stream: MediaStream) => {
      (window as any).talkEvents++;
      const a = ((window as any).talkAudio ??= document.body.appendChild(document.createElement('audio')));
      a.srcObject = stream;
      void a.play();
    });
    p.on('message', (m: any) => { if (m.type === 'talker') (window as any).talkerMsgs.push(m.peerId); });
    (window as any).pub = p;
    await p.start();
  }, [h.wsUrl, sid]);
  const viewer = async () => {
    const v = await page();
    await v.evaluate(([ws, s]) => {
      const r = (window as any).rvi;
      const c = new r.ViewerClient({ transport: r.createWebSocketTransport(ws), sessionId: s, videoElement: document.getElementById('v') });
      (window as any).viewer = c;
      c.on('talk', (stream: MediaStream) => {
        const a = ((window as any).talkAudio ??= document.body.appendChild(document.createElement('audio')));
        a.srcObject = stream;
        void a.play();
      });
      c.start();
    }, [h.wsUrl, sid]);
    await until(() => v.evaluate(() => (window as any).viewer.state === 'connected'), 'viewer connected');
    return v;
  };
  const inspector = await viewer();
  const observer = await viewer();
  await until(() => device.evaluate(() => (window as any).pub.state === 'connected'), 'device connected');
  assert.ok(await device.evaluate(() => (window as any).talkEvents > 0), 'the device has a talk track from the node');
  // nobody talks yet: nothing reaches the device
  await sleep(1500);
  assert.equal(await energy(device, 'pub'), 0, 'silence before anyone talks');

  await inspector.evaluate(() => (window as any).viewer.startTalking());
  const inspectorPeer = await inspector.evaluate(() => (window as any).viewer.peerId);
  await until(() => talkers.at(-1) === inspectorPeer, 'the inspector holds the floor');
  await until(async () => (await energy(device, 'pub')) > 0.01, 'the device plays the inspector\'s voice', 15_000).catch(async (e) => {
    const d = await device.evaluate(async () => JSON.stringify(await (window as any).pub.talkStats()));
    throw new Error(`${(e as Error).message}: device ${d}; node relayed ${talkPackets} talk packets; talkers ${talkers.join(',')}`);
  });
  await until(async () => (await energy(observer, 'viewer', 'talk')) > 0.01, 'the observer hears the inspector', 15_000);
  assert.equal(await energy(inspector, 'viewer', 'talk'), 0, 'the inspector does not hear himself');
  assert.ok(talkPackets > 10, `the talk channel is tapped for recording (${talkPackets} packets)`);
  await until(() => device.evaluate((p) => (window as any).talkerMsgs.at(-1) === p, inspectorPeer), 'the device is told who talks');

  // an observer takes the floor, gives it back
  await observer.evaluate(() => (window as any).viewer.startTalking());
  const observerPeer = await observer.evaluate(() => (window as any).viewer.peerId);
  await until(() => talkers.at(-1) === observerPeer, 'the observer holds the floor');
  await until(async () => (await energy(inspector, 'viewer', 'talk')) > 0.01, 'the inspector hears the observer', 15_000);
  await observer.evaluate(() => (window as any).viewer.stopTalking());
  await until(() => talkers.at(-1) === inspectorPeer, 'the floor returns to the inspector');

  // everyone stops: the device's received energy stops growing
  await inspector.evaluate(() => (window as any).viewer.stopTalking());
  await until(() => talkers.at(-1) === null, 'nobody holds the floor');
  await sleep(800);
  const e1 = await energy(device, 'pub');
  await sleep(2500);
  const e2 = await energy(device, 'pub');
  assert.ok(e2 - e1 < 0.002, `no sound after talking stopped (${e1} → ${e2})`);
});
