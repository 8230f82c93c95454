// The server is killed (SIGKILL) in the middle of a live session and started again on the same data: the device
// (camera page in real Chromium, a fake camera streaming frame-numbered pictures of a real container door) and the
// inspector's console stay open. While the server is gone, the console says "no media — not recording" and the camera
// page "not recording". After the restart the crash-cut segment is sealed with the times of its own media (reason
// crash), the timeline and the audit log say when the media node was lost and when the recording resumed (with the
// gap), the session keeps its media node identity, the recording continues in a 'resume' segment, and every recorded
// frame — before and after the crash — is the right picture (frame number read, PSNR against the reference). OCR of
// a recorded frame reads the container number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createVisionEngine } from '@rvi/vision';
import { checkRecording, decodeFrames, loadTexture, makeTexture, writePatternY4m, type Texture } from '../../../packages/media/src/testing/frame-check.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required',
];
const FRAMES = 40; // the fake camera loops these (4 s at 10 fps); the pan stays small so the container number stays in view
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
let tex: Texture;
let browser: Browser;
let server: ChildProcess | undefined;
let port: number;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function startServer(mode: 'seed' | 'restart'): Promise<Record<string, string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'apps/server/test/serve-child.ts'), join(work, 'data'), String(port), mode],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RVI_MEDIA_NODE_ID: '' } });
  server = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (c) => reject(new Error(`server (${mode}) exited ${c} before it was ready`)));
  });
}

async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve().then(fn).catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

before(async () => {
  const webDist = join(repoRoot, 'apps/web/dist');
  if (!existsSync(join(webDist, 'camera.html')) || statSync(join(repoRoot, 'apps/web/src/consoles/camera/main.ts')).mtimeMs > statSync(join(webDist, 'camera.html')).mtimeMs) {
    assert.equal(spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: repoRoot, stdio: 'inherit' }).status, 0, 'web build');
  }
  work = mkdtempSync(join(tmpdir(), 'rvi-crash-'));
  tex = await loadTexture(await makeTexture(join(work, 'texture.png'), join(repoRoot, 'packages/vision/test-fixtures/container-boxed-check-digit.jpg')));
  const y4m = await writePatternY4m(join(work, 'camera.y4m'), tex, { frames: FRAMES, fps: 10 });
  port = await freePort();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...ARGS, `--use-file-for-fake-video-capture=${y4m}`] });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

test('kill -9 of the server mid-session: crash visible to both sides, true times, resumed recording, every frame the right picture', { timeout: 240_000 }, async (t) => {
  const seeded = await startServer('seed');
  const base = seeded.base;
  const sessionId = seeded.sessionId;
  const cookie = seeded.cookie;
  const api = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${base}${path}`, { ...init, headers: { cookie, origin: base, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<any>;
  };
  const session = () => api(`/api/sessions/${sessionId}`);

  // the inspector's console and the device's camera page
  const inspectorCtx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
  const [name, value] = cookie.split('=');
  await inspectorCtx.addCookies([{ name, value, url: base }]);
  const consolePage = await inspectorCtx.newPage();
  await consolePage.goto(`${base}/customs/sessions/${sessionId}`);
  const link = new URL(seeded.link);
  const device: Page = await (await browser.newContext({ permissions: ['camera', 'microphone'], locale: 'en-US' })).newPage();
  await device.goto(`${base}${link.pathname}${link.hash}`);
  await device.getByTestId('camera-start').click(); // the consent tap: the camera starts after it

  const first = await until(async () => ((await session()).state === 'connected' ? session() : undefined), 'session connected');
  const nodeBefore = first.mediaNode as string;
  assert.doesNotMatch(nodeBefore, /\/\d+$/, 'the media node id is not hostname/pid');
  await consolePage.getByTestId('recording-on').waitFor({ timeout: 20_000 });
  await until(async () => (await device.getByTestId('camera-recording').textContent())?.includes('REC'), 'camera page shows REC');
  await sleep(6000);

  // ---- the crash
  server!.kill('SIGKILL');
  const killedAt = Date.now();
  await new Promise((r) => server!.once('exit', r));
  await consolePage.getByTestId('no-media').waitFor({ timeout: 5000 });
  const noMediaAfterMs = Date.now() - killedAt;
  assert.equal(await consolePage.getByTestId('recording-on').count(), 0, 'the console no longer claims to be recording');
  await until(async () => !(await device.getByTestId('camera-recording').textContent())?.includes('REC'), 'camera page shows "not recording"', 8000);
  t.diagnostic(`console showed "no media" ${noMediaAfterMs} ms after the kill`);
  await sleep(4000);

  // ---- the restart on the same data; the device and the console come back by themselves
  const restartedAt = Date.now();
  await startServer('restart');
  const resumed = await until(async () => {
    const s = await session();
    return s.state === 'connected' && s.events.some((e: any) => e.kind === 'recording.resumed') ? s : undefined;
  }, 'session connected again and recording resumed', 45_000);
  await consolePage.getByTestId('recording-on').waitFor({ timeout: 20_000 });
  await sleep(4000);
  await api(`/api/sessions/${sessionId}/end`, { method: 'POST', body: JSON.stringify({ reason: 'test done' }) });
  const done = await session();

  // ---- what the record says
  assert.equal(done.mediaNode, nodeBefore, 'the same media node identity after the restart');
  const ev = (k: string) => done.events.filter((e: any) => e.kind === k);
  const lost = ev('media.node_lost')[0];
  assert.ok(lost, `timeline: ${done.events.map((e: any) => e.kind).join(', ')}`);
  const segs = [...done.recordings].sort((a: any, b: any) => a.index - b.index);
  const crash = segs.find((s: any) => s.reason === 'crash');
  assert.ok(crash, `segments: ${segs.map((s: any) => `${s.index}:${s.reason}`).join(', ')}`);
  const crashEnd = new Date(crash.startedAt).getTime() + crash.durationMs;
  t.diagnostic(`crash segment ends ${killedAt - crashEnd} ms before the kill; node lost at ${lost.payload.lostAt}; restart ${restartedAt - killedAt} ms after the kill`);
  // (the media's own end: its last frame plus that frame's duration; on a busy machine the last second may not have
  // been written yet when the process died)
  assert.ok(killedAt - crashEnd >= -1000 && killedAt - crashEnd < 2500, `the crash segment's end is the last media before the kill (${killedAt - crashEnd} ms)`);
  assert.ok(Math.abs(new Date(lost.payload.lostAt).getTime() - crashEnd) < 1000, 'node lost at the end of the last recorded media');
  const res = ev('recording.resumed')[0];
  assert.ok(res.payload.gapMs >= restartedAt - killedAt - 1500, `the gap covers the outage: ${res.payload.gapMs} ms`);
  assert.ok(ev('recording.opened').some((e: any) => e.payload.reason === 'resume'), 'a resume segment');
  assert.ok(segs.some((s: any) => s.index > crash.index), 'recording continued after the restart');
  const auditor = await fetch(`${base}/api/audit?limit=200`, { headers: { cookie } }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  if (auditor?.items) {
    const actions = (auditor.items as { action: string }[]).map((a) => a.action);
    assert.ok(actions.includes('session.media_interrupted') && actions.includes('session.recording_resumed'), 'audited');
  }

  // ---- every recorded frame is the right picture
  const files: string[] = [];
  for (const s of segs) {
    const r = await fetch(`${base}/api/sessions/${sessionId}/recordings/${s.id}`, { headers: { cookie } });
    assert.equal(r.status, 200);
    const f = join(work, `seg-${s.index}.webm`);
    writeFileSync(f, Buffer.from(await r.arrayBuffer()));
    files.push(f);
  }
  const c = await checkRecording(files, tex);
  t.diagnostic(`${c.frames} frames, ${c.okPct.toFixed(2)} % ok, PSNR p5 ${c.psnrP5.toFixed(1)} dB, keyframe interval max ${c.keyframeIntervalMaxS.toFixed(2)} s`);
  assert.ok(c.frames > 50, `${c.frames} frames`);
  assert.ok(c.okPct >= 98, `${c.okPct} % ok`);
  assert.ok(c.perFrame.every((f) => f.number !== undefined && f.psnr >= 20), 'no corrupted frame');

  // ---- OCR of a recorded frame reads the container number (what a live reading of the camera sees)
  let frame: Uint8Array | undefined;
  await decodeFrames(files[files.length - 1], (y) => {
    frame ??= Uint8Array.from(y);
  });
  const png = join(work, 'frame.pgm');
  writeFileSync(png, Buffer.concat([Buffer.from(`P5\n1280 720\n255\n`), Buffer.from(frame!)]));
  const jpg = join(work, 'frame.png');
  assert.equal(spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', png, jpg]).status, 0);
  const engine = await createVisionEngine({ inProcess: true });
  try {
    const reading = await engine.readImage(jpg);
    assert.deepEqual(reading.containerNumbers, ['BMOU9668610'], 'OCR of the recorded frame');
  } finally {
    await engine.close();
  }
  assert.ok(resumed);
});
