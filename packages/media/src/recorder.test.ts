import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionRecorder, sha256File, type SegmentInfo, type SegmentOpenInfo } from './recorder.ts';
import { recoverSegments, readHeaderDurationMs } from './recover.ts';
import { probeMedia, decodeCheck } from './probe.ts';
import { startRtpSource } from './testing/rtp-source.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('segments rotate at a keyframe, split on a media gap and on reconnect; each is playable, gap-free and hashed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const opened: SegmentOpenInfo[] = [];
  const closed: SegmentInfo[] = [];
  // rotation is triggered by hand here (the timer is covered below): wall-clock timers make a flaky test on a busy machine
  const rec = new SessionRecorder({ dir, sessionId: 'sess:1', rotateMs: 0, onSegmentOpen: (s) => opened.push(s), onSegmentClose: (s) => closed.push(s) });
  const src = await startRtpSource({ seconds: 20, gop: 15 });
  let dropping = false;
  // media time actually fed (the realtime source runs slower than real time on a busy machine)
  let fedMs = 0;
  let lastTs: number | undefined;
  src.onVideo = (p) => {
    if (dropping) { lastTs = undefined; return; }
    if (lastTs !== undefined) fedMs += ((p.header.timestamp - lastTs) >>> 0) / 90;
    lastTs = p.header.timestamp;
    rec.video(p);
  };
  src.onAudio = (p) => { if (!dropping) rec.audio(p); };
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !cond(); i++) await sleep(20);
    assert.ok(cond(), `timed out waiting for ${what}: opened ${opened.map((s) => s.reason)} closed ${closed.map((s) => s.reason)}`);
  };
  await until(() => opened.length === 1, 'first segment');
  await sleep(1000);
  rec.rotate();
  await until(() => closed.length === 1, 'rotation');
  dropping = true; // 1.5 s without media: the open segment must close at its last frame
  await sleep(1500);
  dropping = false;
  await until(() => opened.length === 3, 'segment after the gap');
  await sleep(300);
  rec.reconnect();
  await until(() => opened.length === 4, 'segment after reconnect');
  await sleep(500);
  src.stop();
  await src.done;
  const segs = await rec.stop();

  assert.deepEqual(segs, closed);
  // (on a slow machine the last segment may also rotate before the source ends)
  assert.deepEqual(opened.map((s) => s.reason), ['start', 'rotate', 'resume', 'reconnect']);
  assert.deepEqual(closed.map((s) => s.reason), ['rotate', 'media-gap', 'reconnect', 'stop']);
  assert.deepEqual(closed.map((s) => s.index), [0, 1, 2, 3]);
  let total = 0;
  for (const s of closed) {
    assert.match(s.path, /sess_1-000\d\.webm$/);
    assert.equal(s.sha256, await sha256File(s.path));
    assert.equal(s.bytes, statSync(s.path).size);
    assert.ok(s.endedAt >= s.startedAt);
    const p = await probeMedia(s.path);
    assert.ok(p.ok, `${s.path}: ${p.error}`);
    assert.ok(p.maxVideoGapMs < 1000, `gap ${p.maxVideoGapMs} ms in segment ${s.index}`);
    assert.ok(p.audioPackets > 0, `audio recorded in segment ${s.index} (${s.reason}, ${p.durationMs} ms, ${p.videoPackets} video packets)`);
    assert.ok(Math.abs(p.durationMs - s.durationMs) < 400, `segment ${s.index}: header ${s.durationMs} ms vs packets ${p.durationMs} ms`);
    assert.equal(p.width, 640);
    total += p.durationMs;
  }
  // everything fed is recorded, except that each segment after the gap and the reconnect starts at a keyframe (this
  // source ignores keyframe requests: up to 0.5 s of media each); rotation overlaps a little
  assert.ok(total > fedMs - 1200 && total < fedMs + 600, `recorded ${total} ms of ${Math.round(fedMs)} ms fed`);
});

test('a new recorder for the same session continues the numbering, never overwrites, and rotates on its timer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'abc-0000.webm'), 'x');
  writeFileSync(join(dir, 'abc-0004.webm'), 'x');
  writeFileSync(join(dir, 'other-0009.webm'), 'x');
  const rec = new SessionRecorder({ dir, sessionId: 'abc', rotateMs: 800 });
  const src = await startRtpSource({ seconds: 20, gop: 10 });
  src.onVideo = (p) => rec.video(p);
  src.onAudio = (p) => rec.audio(p);
  for (let i = 0; i < 500 && rec.closedSegments.length < 1; i++) await sleep(20);
  src.stop();
  await src.done;
  const segs = await rec.stop();
  assert.ok(segs.length >= 2, `segments ${segs.length}`);
  assert.equal(segs[0].index, 5);
  assert.equal(segs[0].reason, 'rotate');
  assert.ok(segs[0].path.endsWith('abc-0005.webm'));
  assert.equal(segs[1].index, 6);
  assert.equal(statSync(join(dir, 'abc-0004.webm')).size, 1);
  for (const s of segs) assert.ok((await probeMedia(s.path)).ok);
});

test('a process killed mid-recording leaves a segment that ffprobe reads; recoverSegments repairs and seals it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./testing/record-child.ts', import.meta.url)), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ffmpegPid = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start recording: ${out}`)), 45_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /ffmpeg (\d+)/.exec(out);
      if (m) ffmpegPid = Number(m[1]);
      if (out.includes('recording')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const killedAt = performance.now();
  child.kill('SIGKILL');
  if (ffmpegPid) try { process.kill(ffmpegPid, 'SIGKILL'); } catch { /* gone */ }
  await new Promise((r) => child.once('exit', r));
  void killedAt;

  const file = join(dir, 'crash-1-0000.webm');
  assert.ok(existsSync(file));
  assert.equal(readHeaderDurationMs(file), 24 * 3600 * 1000, 'unfinalised file still has the placeholder duration');
  const before = await probeMedia(file);
  assert.ok(before.ok, `ffprobe reads the killed segment: ${before.error}`);

  const found = await recoverSegments(dir, { decode: true });
  assert.equal(found.length, 1);
  const [r] = found;
  assert.equal(r.finalized, false);
  assert.equal(r.playable, true, r.error); // ffprobe reads it and ffmpeg decodes every frame without error
  assert.equal(r.sessionKey, 'crash-1');
  assert.equal(r.index, 0);
  assert.ok(r.durationMs > 1900 && r.durationMs < 4000, `duration ${r.durationMs}`);
  assert.ok(r.maxVideoGapMs < 1000);
  assert.equal(Math.round(readHeaderDurationMs(file)!), r.durationMs, 'header duration repaired');
  assert.equal(r.sha256, await sha256File(file));
  assert.equal(r.bytes, statSync(file).size);
  // sealed files are skipped
  assert.deepEqual(await recoverSegments(dir, { isSealed: (p) => p === file }), []);
  assert.deepEqual(await recoverSegments(join(dir, 'missing')), []);
});

test("the inspector's voice: an audio-only labelled recording, one segment per time they spoke, each playable and hashed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-voice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rec = new SessionRecorder({ dir, sessionId: 'sess:v', label: 'inspector', tracks: { video: false, audio: true }, rotateMs: 0 });
  const src = await startRtpSource({ seconds: 20, gop: 15 });
  let talking = true;
  let fed = 0;
  let dropped = 0;
  src.onAudio = (p) => { if (talking) { fed++; rec.audio(p); } else dropped++; };
  src.onVideo = (p) => rec.video(p); // ignored: this recording has no video track
  for (let i = 0; i < 300 && fed < 75; i++) await sleep(20); // ~1.5 s of speech
  talking = false; // a pause: the first utterance closes after 1 s of silence; the pause goes on for another second
  for (let i = 0; i < 300 && rec.closedSegments.length < 1; i++) await sleep(20);
  await sleep(1000);
  talking = true;
  const second = fed;
  for (let i = 0; i < 300 && fed < second + 50; i++) await sleep(20);
  src.stop();
  await src.done;
  const segs = await rec.stop();
  assert.deepEqual(segs.map((s) => s.path.slice(dir.length + 1)), ['sess_v~inspector-0000.webm', 'sess_v~inspector-0001.webm']);
  assert.deepEqual(segs.map((s) => s.reason), ['media-gap', 'stop']);
  // the pause in media time is what the source sent while no one spoke (20 ms Opus packets): under load ffmpeg runs
  // slower than the wall clock, so the count of dropped packets, not the test's sleeps, says how long it was
  const pauseMs = segs[1].startedAt.getTime() - segs[0].endedAt.getTime();
  assert.ok(dropped >= 50, `${dropped} packets dropped in the pause`);
  assert.ok(Math.abs(pauseMs - (dropped + 1) * 20) <= 100, `the pause lies between the two segments: ${pauseMs} ms for ${dropped} packets not spoken`);
  for (const s of segs) {
    const p = await probeMedia(s.path);
    assert.ok(p.ok, p.error);
    assert.equal(p.videoPackets, 0);
    assert.ok(p.audioPackets >= 40, `${p.audioPackets} audio packets in ${s.path}`);
    assert.equal(s.sha256, await sha256File(s.path));
  }
  const found = await recoverSegments(dir);
  assert.deepEqual(found.map((f) => [f.label, f.index, f.playable]), [['inspector', 0, true], ['inspector', 1, true]]);
});

test('the stills and audio rungs: sound without video after a reconnect goes into an audio-only segment; the video segment follows at its keyframe', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-rung-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rec = new SessionRecorder({ dir, sessionId: 'sess:r', rotateMs: 0 });
  const src = await startRtpSource({ seconds: 20, gop: 15 });
  let video = true;
  // audio media time fed after the reconnect, while the camera sent no video (20 ms Opus packets)
  let audioOnlyFed = 0;
  let reconnected = false;
  src.onVideo = (p) => { if (video) rec.video(p); };
  src.onAudio = (p) => { if (reconnected && !video) audioOnlyFed++; rec.audio(p); };
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 400 && !cond(); i++) await sleep(20);
    assert.ok(cond(), `timed out waiting for ${what}: closed ${rec.closedSegments.map((s) => s.reason)}`);
  };
  await until(() => rec.segmentIndex === 0, 'first segment');
  await sleep(800);
  video = false; // the ladder drops to stills: the encoding is made inactive, only sound is sent
  await sleep(1500);
  rec.reconnect(); // the device re-joins on that rung
  reconnected = true;
  await until(() => rec.segmentIndex === 1, 'the audio-only segment');
  await sleep(1500);
  video = true; // back up the ladder
  await until(() => rec.segmentIndex === 2, 'the video segment after the stills');
  await sleep(700);
  src.stop();
  await src.done;
  const segs = await rec.stop();

  assert.deepEqual(segs.map((s) => [s.openReason, s.reason]), [['start', 'reconnect'], ['reconnect', 'video-resumed'], ['video-resumed', 'stop']]);
  // the first segment's sound went on 1.5 s after its video stopped: that stretch is marked
  const tail = segs[0].gaps?.at(-1);
  assert.equal(tail?.reason, 'no-video');
  assert.ok(tail && tail.toMs - tail.fromMs >= 1000, `trailing gap ${JSON.stringify(tail)}`);
  const probes = await Promise.all(segs.map((s) => probeMedia(s.path)));
  for (const [i, p] of probes.entries()) {
    assert.ok(p.ok, `segment ${i}: ${p.error}`);
    assert.ok(p.audioPackets > 0, `sound in segment ${i}`);
    assert.equal(segs[i].sha256, await sha256File(segs[i].path));
  }
  assert.equal(probes[1].videoPackets, 0);
  assert.equal(segs[1].videoFrames, 0);
  assert.ok(probes[0].videoPackets > 0 && probes[2].videoPackets > 0);
  // every packet of sound sent without video after the reconnect is in the audio-only file (up to the next keyframe's
  // wait, which this source does not shorten: gop 15 at 30 fps)
  const fedMs = audioOnlyFed * 20;
  assert.ok(probes[1].audioPackets >= audioOnlyFed - 2, `${probes[1].audioPackets} audio packets of ${audioOnlyFed} sent`);
  assert.ok(Math.abs(probes[1].durationMs - fedMs) < 700, `audio-only segment ${probes[1].durationMs} ms for ${fedMs} ms sent`);
  // and the sound decodes
  const dec = await decodeCheck(segs[1].path);
  assert.ok(dec.ok, dec.errors.join('\n'));
});
