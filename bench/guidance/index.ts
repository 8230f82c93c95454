// npm run bench -- guidance [--quick]
// The live guidance of issue 12, end to end through the real server (PGlite), its media node and real Chromium:
// the session opens for a booked slot and the server e-mails the camera link to the operator (a real SMTP server,
// smtp-server); the link from the mail is opened on the device page (Chromium's fake camera) and must stream
// (invite_email=1); the inspector clicks the live video N times at random spots and the device draws each pointer
// (pointer_ms: click in the console → ring drawn on the device, same machine clock); the inspector speaks for 4 s
// (Chromium's fake microphone, a beep each second): inspector_audio=1 when the device plays it and the sealed
// inspector track of the recording is audible (ffmpeg volumedetect, max volume above -30 dB).
// AR anchoring: the device's fake camera plays a real cargo photo under a known pan, tilt and zoom (moving-scene.ts,
// frame numbers drawn in); the inspector sends a circle drawn on one frame; over ≥ 300 tracked frames the camera
// page's tracker probe gives where it draws the circle's centre and the frame code gives where the known motion puts
// it: anchor_drift_px p50/p95 at 1280×720, anchor_lost_pct (gave up while the spot was in view), track_ms_per_frame
// (the tracker's own time per frame in the worker, median).
// audio_ms: the fake microphone plays tone bursts at irregular times (tones.wav, gaps 0.7–1.4 s); an onset detector
// (Web Audio analyser, peak over 0.1) runs in the console on the microphone track it sends and on the device on the
// voice it plays; each onset heard on the device is paired with the latest one sent within 0.7 s (same machine
// clock): capture processing after the track, encoding, the relay through the media node, jitter buffer, decoding.
// Last line: guidance: inspector_audio=0|1 audio_ms_p50=… audio_ms_p95=… audio_onsets=… pointer_ms_p50=… pointer_ms_p95=… anchor_drift_px_p50=…
//   anchor_drift_px_p95=… anchor_lost_pct=… track_ms_per_frame=… anchor_frames=… invite_email=0|1 invite_to_stream_ms=… load=…
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { launchChromium } from '../../packages/media/src/testing/harness.ts';
import { startTestApp } from '../../apps/server/test/harness.ts';
import { startTestSmtp } from '../../apps/server/test/mail-server.ts';
import { recordingSegments, users } from '../../apps/server/src/db/schema.ts';
import { liveSessionsOf } from '../../apps/server/src/modules/sessions/sessions.routes.ts';
import { bookedOrder, people } from '../../apps/server/src/modules/sessions/sessions.test-helpers.ts';
import { anchorFigures, anchorScene, installAnchorProbe, sendAnchorDrawing } from '../../apps/server/test/anchor-measure.ts';
import { inspectorStartsSession } from '../../apps/server/test/console-session.ts';

const quick = process.argv.includes('--quick');
const CLICKS = quick ? 10 : 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
});

const root = new URL('../../', import.meta.url).pathname;
if (!existsSync(join(root, 'apps/web/dist/camera.html'))) spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: root, stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'rvi-bench-guidance-'));
const load0 = loadavg()[0];
const y4m = join(work, 'camera.y4m');
await anchorScene(y4m);
const smtp = await startTestSmtp();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const t = await startTestApp({ publicUrl: base, smtpUrl: smtp.url, mailFrom: 'customs-rvi <rvi@customs.example>' }, { jobs: false });
await t.app.listen({ port, host: '127.0.0.1' });
const p = await people(t);
const EMAIL = 'operator@alpha.example';
await t.ctx.db.update(users).set({ email: EMAIL }).where(eq(users.id, p.operator.userId));
// tone bursts (60 ms, 1 kHz) at irregular times in a 6 s loop: no two gaps alike, so an onset pairs with one burst
const tones = join(work, 'tones.wav');
const BURSTS = [0, 0.7, 1.8, 2.6, 3.9, 4.6];
spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
  `aevalsrc=0.8*sin(2*PI*1000*t)*(${BURSTS.map((b) => `between(mod(t\\,6)\\,${b}\\,${b + 0.06})`).join('+')}):s=48000:d=6`, tones]);
if (!existsSync(tones)) throw new Error('could not make the tone file with ffmpeg');
const browser = await launchChromium([`--use-file-for-fake-video-capture=${y4m}`, `--use-file-for-fake-audio-capture=${tones}`]);
/** Onsets of sound on a stream, on the machine's clock (performance.timeOrigin + now), pushed to window.__onsets. */
const ONSETS = `(() => {
  window.__onsets = [];
  window.__watchOnsets = (stream) => {
    if (window.__watching === stream.id) return;
    window.__watching = stream.id;
    const ctx = new AudioContext();
    void ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 256;
    ctx.createMediaStreamSource(stream).connect(an);
    const buf = new Float32Array(an.fftSize);
    let loudBefore = false, last = -1e9;
    setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let peak = 0;
      for (const v of buf) peak = Math.max(peak, Math.abs(v));
      const now = performance.timeOrigin + performance.now();
      const loud = peak > 0.1;
      if (loud && !loudBefore && now - last > 300) { window.__onsets.push(now); last = now; }
      loudBefore = loud;
    }, 2);
  };
})();`;
/** The console: watch the microphone track the viewer puts on its talk sender. */
const CONSOLE_PROBE = `${ONSETS}
(() => {
  const replace = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (track) {
    if (track && track.kind === 'audio') window.__watchOnsets(new MediaStream([track]));
    return replace.call(this, track);
  };
})();`;
/** The camera page: watch the voice element's stream (the talk channel it plays). */
const DEVICE_PROBE = `${ONSETS}
setInterval(() => {
  const a = document.querySelector('[data-testid="camera-voice"]');
  if (a && a.srcObject && a.srcObject.getAudioTracks().length) window.__watchOnsets(a.srcObject);
}, 50);`;
/** Each onset heard on the device paired with the latest one sent at most 0.7 s before it (the smallest gap). */
function audioLatencies(sent: number[], heard: number[]): number[] {
  const out: number[] = [];
  for (const h of heard) {
    const s = sent.filter((x) => x <= h && h - x < 700).at(-1);
    if (s !== undefined) out.push(Math.round(h - s));
  }
  return out;
}
let line = '';
let debugPage: import('playwright-core').Page | null = null;
try {
  const inspector = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  inspector.setDefaultTimeout(20_000);
  await inspector.addInitScript(CONSOLE_PROBE);
  debugPage = inspector;
  inspector.on('dialog', (d) => void d.accept());
  const order = await bookedOrder(t, p);
  const sessionId = await inspectorStartsSession(inspector, base, order.orderNo);

  // one tap: the link from the e-mail the server sent at session start
  let invite = 0;
  let inviteToStream = NaN;
  const mail = await smtp.waitFor((m) => m.to === EMAIL && m.subject.includes(order.orderNo), 20_000).catch(() => null);
  const link = mail?.links.find((l) => l.includes('/camera.html#t='));
  if (!link) throw new Error(`no camera link by e-mail (${smtp.received.length} mails received)`);
  const device = await (await browser.newContext({ viewport: { width: 800, height: 600 }, locale: 'en-US' })).newPage();
  device.setDefaultTimeout(20_000);
  await installAnchorProbe(device);
  await device.addInitScript(DEVICE_PROBE);
  const tapAt = Date.now();
  await device.goto(link);
  await device.getByTestId('camera-start').click(); // one tap: consent to recording, and the camera starts
  const frames = async () => Number((await inspector.getByTestId('stat-frames-decoded').textContent())?.trim()) || 0;
  await until(async () => (await frames()) > 0, 'frames from the device opened by the e-mailed link');
  inviteToStream = Date.now() - tapAt;
  invite = 1;

  // the live pointer
  const video = inspector.getByTestId('session-video');
  await video.scrollIntoViewIfNeeded();
  const geo = await video.evaluate((v: HTMLVideoElement) => {
    const r = v.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height, vw: v.videoWidth, vh: v.videoHeight };
  });
  const scale = Math.min(geo.width / geo.vw, geo.height / geo.vh);
  const pointerMs: number[] = [];
  for (let i = 0; i < CLICKS; i++) {
    const fx = 0.1 + 0.8 * Math.random(), fy = 0.1 + 0.8 * Math.random();
    const before = await device.getByTestId('camera-pointer').getAttribute('data-shown-at');
    const clickAt = Date.now();
    await inspector.mouse.click(geo.left + (geo.width - geo.vw * scale) / 2 + fx * geo.vw * scale, geo.top + (geo.height - geo.vh * scale) / 2 + fy * geo.vh * scale);
    const shownAt = await until(async () => {
      const v = await device.getByTestId('camera-pointer').getAttribute('data-shown-at');
      return v && v !== before ? Number(v) : null;
    }, `pointer ${i}`);
    pointerMs.push(Math.round(shownAt - clickAt));
    await sleep(300);
  }

  // AR anchoring: a circle drawn on one frame of the moving scene
  const n0 = await sendAnchorDrawing(inspector, sessionId);
  await device.locator('[data-testid="camera-anchor"][data-state="tracking"]').waitFor({ timeout: 60_000 });
  await device.evaluate(() => { (window as unknown as { __anchor: unknown[] }).__anchor.length = 0; });
  for (let i = 0; i < 90 && (await anchorFigures(device, n0)).frames < (quick ? 150 : 400); i++) await sleep(1000);
  const anchor = await anchorFigures(device, n0);
  console.log(`anchor: ${anchor.frames} frames with truth (${anchor.raw} tracked), drift p50 ${anchor.driftP50.toFixed(1)} p95 ${anchor.driftP95.toFixed(1)} px, lost ${anchor.lostPct.toFixed(1)} %`);

  // the inspector's voice
  await inspector.getByTestId('talk-toggle').click();
  await device.getByTestId('camera-talker').waitFor({ state: 'visible' });
  const plays = await until(() => device.evaluate(() => {
    const a = document.querySelector('[data-testid="camera-voice"]') as HTMLAudioElement | null;
    return !!a && !a.paused;
  }), 'the device plays the voice').catch(() => false);
  await sleep(quick ? 4000 : 13_000); // two loops of the tone file: 12 bursts
  await inspector.getByTestId('talk-toggle').click();
  const onsets = (page: import('playwright-core').Page) => page.evaluate(() => (window as unknown as { __onsets: number[] }).__onsets);
  const [sent, heard] = [await onsets(inspector), await onsets(device)];
  const audioMs = audioLatencies(sent, heard);
  await sleep(1500);
  await inspector.getByTestId('end-session').click();
  await inspector.getByTestId('recordings').waitFor({ timeout: 30_000 });
  const voice = (await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, sessionId)).orderBy(asc(recordingSegments.index)))
    .filter((s) => s.track === 'inspector');
  let maxDb = -91;
  for (const v of voice) {
    const file = liveSessionsOf(t.ctx)!.env.store.localPath(v.key)!;
    const out = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'volumedetect', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
    maxDb = Math.max(maxDb, Number(/max_volume: (-?[\d.]+) dB/.exec(out)?.[1] ?? '-91'));
  }
  const audio = plays && voice.length > 0 && maxDb > -30 ? 1 : 0;
  console.log(`pointer: ${pointerMs.length} clicks, ms ${pointerMs.join(' ')}`);
  console.log(`voice: device playing=${plays}, ${voice.length} inspector segment(s), max ${maxDb} dB`);
  console.log(`audio: ${sent.length} onsets sent, ${heard.length} heard, latencies ms ${audioMs.join(' ')}`);
  const audioFig = audioMs.length ? `audio_ms_p50=${pct(audioMs, 50)} audio_ms_p95=${pct(audioMs, 95)}` : 'audio_ms_p50=na audio_ms_p95=na';
  line = `guidance: inspector_audio=${audio} ${audioFig} audio_onsets=${audioMs.length} pointer_ms_p50=${pct(pointerMs, 50)} pointer_ms_p95=${pct(pointerMs, 95)} ` +
    `anchor_drift_px_p50=${anchor.driftP50.toFixed(1)} anchor_drift_px_p95=${anchor.driftP95.toFixed(1)} anchor_lost_pct=${anchor.lostPct.toFixed(1)} ` +
    `track_ms_per_frame=${anchor.trackMsP50.toFixed(1)} anchor_frames=${anchor.frames} invite_email=${invite} ` +
    `invite_to_stream_ms=${inviteToStream} load=${load0.toFixed(1)}-${loadavg()[0].toFixed(1)}`;
} catch (e) {
  console.error(`failed at ${debugPage?.url()}: ${(await debugPage?.evaluate(() => document.body.innerText.slice(0, 3000)).catch(() => '')) ?? ''}`);
  throw e;
} finally {
  await browser.close();
  await t.close();
  await smtp.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(line);
