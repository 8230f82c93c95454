/**
 * Recording benchmark (issue 11): proves the recorded picture frame by frame.
 * A Chromium publisher streams a frame-numbered pattern (a cargo photo panning under a binary frame counter) at
 * 1280×720, 30 fps, at the bitrate the browser chooses, through the media node, with a viewer watching. Every recorded
 * frame is decoded with ffmpeg; a frame is OK when its number reads and its PSNR against the reference rendering of
 * that number is ≥ 30 dB.
 *   normal: NORMAL_S seconds (default 60);
 *   cut:    10 s of media, a 10 s network cut (UDP proxy drops everything), 10 s more;
 *   kill:   the media node runs in a child process that is killed (SIGKILL) after 12 s; the recording is recovered as
 *           the server does at restart, and its times compared with when the frames were drawn.
 * Usage: npm run bench -- recording [--quick] [--photo FILE.jpg]
 * Last line: recording: frames=… frames_ok_pct=… psnr_db_p5=… keyframe_interval_s_max=… cut_frames_ok_pct=…
 *            kill_lost_s=… recovered_times_ok=0|1 gap_marked=0|1 …
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recoverSegments, type SegmentInfo } from '../../packages/media/src/index.ts';
import { checkRecording, loadTexture, makeTexture, type RecordingCheck } from '../../packages/media/src/testing/frame-check.ts';
import { launchChromium, startHarness } from '../../packages/media/src/testing/harness.ts';
import { drawTimes, framesDecoded, openPatternPublisher, openPatternViewer, viewerNumbers } from '../../packages/media/src/testing/pattern-session.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const photoArg = args.includes('--photo') ? args[args.indexOf('--photo') + 1] : undefined;
const sharedPhoto = join(root, '..', 'shared', 'data', 'cargo-markings', 'img-0000.jpg');
const photo = photoArg ?? (existsSync(sharedPhoto) ? sharedPhoto : join(root, 'packages', 'vision', 'test-fixtures', 'container-boxed-check-digit.jpg'));
const NORMAL_S = quick ? 15 : Number(process.env.NORMAL_S ?? 60);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(loadavg()[0]), 5000);

const dir = mkdtempSync(join(tmpdir(), 'rvi-bench-rec-'));
const png = await makeTexture(join(dir, 'texture.png'), photo);
const tex = await loadTexture(png);
console.log(`texture from ${photo}`);

async function until<T>(fn: () => T | Promise<T>, what: string, ms = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function segFiles(d: string, sessionId: string): string[] {
  return readdirSync(d).filter((f) => f.startsWith(`${sessionId}-`) && f.endsWith('.webm')).sort().map((f) => join(d, f));
}

function summary(name: string, c: RecordingCheck, viewerOnly: number): void {
  const bad = c.perFrame.filter((f) => f.number === undefined || f.psnr < 30).slice(0, 10);
  console.log(`${name}: ${c.frames} frames, ${c.okPct.toFixed(2)} % ok, PSNR p5 ${c.psnrP5.toFixed(1)} dB p50 ${c.psnrP50.toFixed(1)} dB, ` +
    `${c.keyframes} keyframes (max interval ${c.keyframeIntervalMaxS.toFixed(2)} s), ${c.holes.length} holes, ${viewerOnly} frames the viewer showed but the recording lacks` +
    (bad.length ? `; first bad: ${JSON.stringify(bad.map((f) => [f.segment, f.index, f.number, +f.psnr.toFixed(1)]))}` : ''));
}

const recDir = join(dir, 'rec');
const closed: SegmentInfo[] = [];
// the normal run goes straight to the node; the cut run's publisher goes through the UDP proxy that cuts it
const direct = await startHarness({ recording: { dir: recDir }, onSegmentClose: (s) => closed.push(s) }, { files: { 'texture.png': png } });
const h = await startHarness({ recording: { dir: recDir }, onSegmentClose: (s) => closed.push(s) }, { proxyPublishers: true, files: { 'texture.png': png } });
const browser = await launchChromium();

// ---------------------------------------------------------------------------------------------------- normal
const pub = await openPatternPublisher(browser, direct.url, direct.wsUrl, 'normal');
const viewer = await openPatternViewer(browser, direct.url, direct.wsUrl, 'normal');
await until(async () => (await framesDecoded(viewer)) > 10, 'viewer frames');
for (let s = 0; s < NORMAL_S; s += 5) {
  await sleep(5000);
  const q = await pub.evaluate(() => (window as any).quality);
  console.log(`  t=${s + 5}s sending ${q?.width}x${q?.height} ${q?.fps} fps ${q?.bitrateKbps} kbit/s (limited by ${q?.qualityLimitation}), load ${loadavg()[0].toFixed(1)}`);
}
const seenNormal = new Set(await viewerNumbers(viewer));
await direct.node.closeSession('normal');
const normal = await checkRecording(segFiles(recDir, 'normal'), tex);
const recordedNormal = new Set(normal.perFrame.map((f) => f.number));
const viewerOnlyNormal = [...seenNormal].filter((n) => !recordedNormal.has(n)).length;
summary('normal', normal, viewerOnlyNormal);
await pub.context().close();
await viewer.context().close();

// ---------------------------------------------------------------------------------------------------- cut
const pubC = await openPatternPublisher(browser, h.url, h.wsUrl, 'cut');
const viewerC = await openPatternViewer(browser, h.url, h.wsUrl, 'cut');
await until(async () => (await framesDecoded(viewerC)) > 10, 'viewer frames (cut)');
await sleep(10_000);
h.proxy!.blocked = true;
const cutAt = Date.now();
await sleep(10_000);
h.proxy!.blocked = false;
const restoredAt = Date.now();
const before = await framesDecoded(viewerC);
await until(async () => (await framesDecoded(viewerC)) > before + 5, 'video after the cut');
const recoverS = (Date.now() - restoredAt) / 1000;
await sleep(10_000);
const seenCut = new Set(await viewerNumbers(viewerC));
const cutSegs = (await h.node.closeSession('cut')).sort((a, b) => a.index - b.index);
const cut = await checkRecording(cutSegs.map((s) => s.path), tex);
const recordedCut = new Set(cut.perFrame.map((f) => f.number));
summary('cut', cut, [...seenCut].filter((n) => !recordedCut.has(n)).length);
console.log(`cut: segments ${cutSegs.map((s) => `${s.index}:${s.openReason}→${s.reason} ${s.startedAt.toISOString().slice(11, 23)}–${s.endedAt.toISOString().slice(11, 23)}`).join(', ')}; video back ${recoverS.toFixed(1)} s after the network`);
// the gap is marked when the recording's own segment times show the cut: a segment ends at the cut (media-gap or
// reconnect) and the next starts after the network came back
const endsAtCut = cutSegs.find((s) => ['media-gap', 'reconnect'].includes(s.reason) && Math.abs(s.endedAt.getTime() - cutAt) < 1500);
const next = endsAtCut && cutSegs.find((s) => s.index > endsAtCut.index);
const gapMarked = !!(endsAtCut && next && ['resume', 'reconnect'].includes(next.openReason ?? '') && next.startedAt.getTime() >= restoredAt - 500 && next.startedAt.getTime() - restoredAt < 5000);
console.log(`cut: cut at ${new Date(cutAt).toISOString().slice(11, 23)}, restored ${new Date(restoredAt).toISOString().slice(11, 23)}; gap marked: ${gapMarked}`);
await pubC.context().close();
await viewerC.context().close();
await h.close();
await direct.close();

// ---------------------------------------------------------------------------------------------------- kill -9
const killDir = join(dir, 'kill');
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/media/src/testing/media-child.ts'), killDir, png], { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = await new Promise<{ url: string; wsUrl: string }>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) resolve(JSON.parse(line));
  });
  child.once('exit', (c) => reject(new Error(`media child exited ${c}`)));
});
const pubK = await openPatternPublisher(browser, ready.url, ready.wsUrl, 'kill');
await until(() => existsSync(killDir) && segFiles(killDir, 'kill').length > 0, 'recording in the child');
await sleep(12_000);
child.kill('SIGKILL');
const killedAt = Date.now();
await new Promise((r) => child.once('exit', r));
const times = await drawTimes(pubK);
await pubK.context().close();
const recovered = await recoverSegments(killDir, { sessionId: 'kill' });
const kill = await checkRecording(recovered.map((r) => r.path), tex);
const numbers = kill.perFrame.map((f) => f.number).filter((n): n is number => n !== undefined);
const firstN = numbers[0];
const lastN = numbers[numbers.length - 1];
const killLostS = lastN === undefined ? NaN : (killedAt - times[lastN]) / 1000;
const r0 = recovered[0];
const rl = recovered[recovered.length - 1];
const startErr = r0?.startedAt && firstN !== undefined ? r0.startedAt.getTime() - times[firstN] : NaN;
const endErr = rl?.endedAt && lastN !== undefined ? rl.endedAt.getTime() - times[lastN] : NaN;
const timesOk = Number.isFinite(startErr) && Number.isFinite(endErr) && Math.abs(startErr) < 1000 && Math.abs(endErr) < 1000;
summary('kill', kill, 0);
console.log(`kill: ${recovered.length} segment(s) recovered (${recovered.map((r) => `${r.index} playable=${r.playable} ${r.durationMs} ms`).join(', ')}); ` +
  `last recorded frame drawn ${killLostS.toFixed(2)} s before the kill; recovered start ${startErr} ms / end ${endErr} ms from the frames' draw times`);

await browser.close();
clearInterval(loadTimer);
rmSync(dir, { recursive: true, force: true });
const load = loads.length ? `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}` : loadavg()[0].toFixed(1);
console.log(`recording: frames=${normal.frames} frames_ok_pct=${normal.okPct.toFixed(2)} psnr_db_p5=${normal.psnrP5.toFixed(1)} keyframe_interval_s_max=${Math.max(normal.keyframeIntervalMaxS, cut.keyframeIntervalMaxS).toFixed(2)} ` +
  `cut_frames_ok_pct=${cut.okPct.toFixed(2)} kill_lost_s=${killLostS.toFixed(2)} recovered_times_ok=${timesOk ? 1 : 0} gap_marked=${gapMarked ? 1 : 0} ` +
  `viewer_only_frames=${viewerOnlyNormal} cut_psnr_db_p5=${cut.psnrP5.toFixed(1)} kill_frames_ok_pct=${kill.okPct.toFixed(2)} time_error_ms=${Math.max(Math.abs(startErr), Math.abs(endErr)).toFixed(0)} load=${load}`);
process.exit(0);
