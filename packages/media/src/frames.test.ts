// Frame assembly on real libvpx VP8, packetized as Chrome does, under the faults seen on real links: reordering,
// duplicates, lost packets (repaired by a retransmission or not), a frame truncated by the sender's pacer right before
// a keyframe (the root cause of the corrupted recordings), a lost frame start. Every written frame must be an
// original frame, byte for byte, and decode to the original picture.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket } from 'werift';
import { parseVp8Descriptor, VideoFrameAssembler, type AssembledFrame, type FrameGap } from './frames.ts';
import { ivfBytes, makeVp8Ivf, packetizeVp8, readIvf, renumber, type ClipFrame } from './testing/vp8-clip.ts';

let dir: string;
let clip: ClipFrame[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvi-frames-'));
  clip = readIvf(await makeVp8Ivf(join(dir, 'clip.ivf'), { seconds: 3, gop: 30 }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  frames: AssembledFrame[];
  requests: string[];
  gaps: FrameGap[];
  asm: VideoFrameAssembler;
}

/** Feeds packets with arrival times (ms) and returns what was released. */
function assemble(packets: { p: RtpPacket; at: number }[], repairMs = 200): Run {
  const run: Run = { frames: [], requests: [], gaps: [], asm: undefined as never };
  run.asm = new VideoFrameAssembler({
    codec: 'VP8', repairMs,
    onFrame: (f) => run.frames.push(f),
    onKeyframeNeeded: (r) => run.requests.push(r),
    onGap: (g) => run.gaps.push(g),
  });
  let now = 0;
  for (const { p, at } of packets) {
    now = at;
    run.asm.push(p, at);
  }
  run.asm.tick(now + repairMs + 1);
  run.asm.flush();
  return run;
}

const timed = (ps: RtpPacket[], msPerPacket = 1) => ps.map((p, i) => ({ p, at: i * msPerPacket }));

/** Index in the clip of each released frame (by content); -1 for a frame that is not an original. */
function originals(frames: AssembledFrame[]): number[] {
  return frames.map((f) => clip.findIndex((c) => c.data.equals(f.data)));
}

/** Written frames decode to exactly the original pictures (ffmpeg framemd5 of both). */
function assertDecodesLikeOriginals(frames: AssembledFrame[]): void {
  const idx = originals(frames);
  const md5 = (name: string, data: Buffer) => {
    writeFileSync(join(dir, name), data);
    return execFileSync('ffmpeg', ['-v', 'error', '-i', join(dir, name), '-f', 'framemd5', '-'], { encoding: 'utf8' })
      .split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
  };
  const all = md5('orig.ivf', ivfBytes(clip.map((c) => c.data), 320, 180));
  const got = md5('got.ivf', ivfBytes(frames.map((f) => f.data), 320, 180));
  assert.equal(got.length, frames.length, 'every written frame decodes');
  got.forEach((m, i) => assert.equal(m, all[idx[i]], `written frame ${i} (original ${idx[i]}) decodes to the original picture`));
}

test('a clean stream: every frame, in order, byte for byte (across the 16-bit sequence wrap)', () => {
  const { packets } = packetizeVp8(clip);
  const r = assemble(timed(packets));
  assert.deepEqual(originals(r.frames), clip.map((_, i) => i));
  assert.deepEqual(r.requests, []);
  assert.equal(r.frames[0].keyframe, true);
  assert.deepEqual({ w: r.frames[0].width, h: r.frames[0].height }, { w: 320, h: 180 });
});

test('reordered and duplicated packets: every frame, in order', () => {
  const { packets } = packetizeVp8(clip);
  const shuffled: RtpPacket[] = [];
  for (let i = 0; i < packets.length; i += 4) shuffled.push(...packets.slice(i, i + 4).reverse()); // 4-packet reversal
  const withDup = shuffled.flatMap((p, i) => (i % 7 === 0 ? [p, p.clone()] : [p]));
  const r = assemble(timed(withDup));
  assert.deepEqual(originals(r.frames), clip.map((_, i) => i));
  assert.ok(r.asm.stats.duplicates > 0);
  assert.deepEqual(r.requests, []);
});

test("padding-only packets (the sender's bandwidth probes, with their own sequence numbers) between frames change nothing", () => {
  const { packets, frameOf } = packetizeVp8(clip);
  const withPadding: RtpPacket[] = [];
  packets.forEach((p, i) => {
    withPadding.push(p);
    if (p.header.marker && frameOf[i] % 3 === 0) for (let k = 0; k < 3; k++) withPadding.push(new RtpPacket(new RtpHeader({ ...p.header, marker: false, padding: true }), Buffer.alloc(0)));
  });
  const r = assemble(timed(renumber(withPadding, 1)));
  assert.deepEqual(originals(r.frames), clip.map((_, i) => i));
  assert.deepEqual(r.requests, []);
});

test('a lost packet repaired by a retransmission inside the repair window: every frame', () => {
  const { packets } = packetizeVp8(clip);
  const k = 40; // some packet in an inter frame
  const list = timed(packets).filter((_, i) => i !== k);
  list.push({ p: packets[k], at: list[k + 20].at }); // the retransmission arrives 20 packets later
  list.sort((a, b) => a.at - b.at);
  const r = assemble(list, 200);
  assert.deepEqual(originals(r.frames), clip.map((_, i) => i));
  assert.equal(r.asm.stats.repaired, 1);
});

test('a packet lost for good: its frame and the inter frames after it are not written; a keyframe is asked for at once; the gap is reported', () => {
  const { packets, frameOf } = packetizeVp8(clip);
  const k = packets.findIndex((_, i) => frameOf[i] === 5 && i > 0 && frameOf[i - 1] === 5); // 2nd packet of frame 5
  assert.ok(k > 0 && !clip[5].keyframe);
  const r = assemble(timed(packets.filter((_, i) => i !== k), 10), 200);
  const idx = originals(r.frames);
  assert.ok(!idx.includes(-1), 'only original frames');
  const next = clip.findIndex((c, i) => i > 5 && c.keyframe);
  assert.deepEqual(idx, [...[0, 1, 2, 3, 4], ...clip.slice(next).map((c) => c.n)], 'frames 5 … next keyframe are skipped');
  assert.deepEqual(r.requests, ['loss']);
  assert.equal(r.gaps.length, 1);
  assert.equal(r.gaps[0].droppedFrames, next - 5);
  assert.equal(r.gaps[0].reason, 'loss');
  assertDecodesLikeOriginals(r.frames);
});

test('a frame truncated by the sender (pacer flush before a keyframe, no sequence gap) is dropped, not glued to the keyframe; no extra keyframe request', () => {
  const { packets, frameOf } = packetizeVp8(clip);
  const key = clip.findIndex((c, i) => i > 0 && c.keyframe); // a keyframe inside the clip
  const victim = key - 1;
  const victimPackets = packets.map((_, i) => i).filter((i) => frameOf[i] === victim);
  assert.ok(victimPackets.length >= 1);
  // the sender sent only the first packet of the victim frame, then the keyframe: renumbered, no gap
  const kept = packets.filter((_, i) => frameOf[i] !== victim || i === victimPackets[0]);
  const truncatedAway = victimPackets.length > 1;
  const r = assemble(timed(renumber(kept, 100)));
  const idx = originals(r.frames);
  assert.ok(!idx.includes(-1), 'no frame made of two frames');
  if (truncatedAway) assert.ok(!idx.includes(victim), 'the truncated frame is not written');
  assert.ok(idx.includes(key), 'the keyframe is written');
  assert.deepEqual(idx.slice(idx.indexOf(key)), clip.slice(key).map((c) => c.n), 'everything from the keyframe on');
  assert.deepEqual(r.requests, [], 'the keyframe was already coming: no request (it would flush the pacer again)');
  assertDecodesLikeOriginals(r.frames);
});

test('a truncated inter frame followed by inter frames: they are not written and a keyframe is asked for', () => {
  const { packets, frameOf } = packetizeVp8(clip);
  const victim = 7;
  const vp = packets.map((_, i) => i).filter((i) => frameOf[i] === victim);
  assert.ok(vp.length >= 2, 'frame 7 spans several packets');
  const kept = renumber(packets.filter((_, i) => frameOf[i] !== victim || i === vp[0]), 500);
  const r = assemble(timed(kept));
  const idx = originals(r.frames);
  const next = clip.findIndex((c, i) => i > victim && c.keyframe);
  assert.deepEqual(idx, [...clip.slice(0, victim).map((c) => c.n), ...clip.slice(next).map((c) => c.n)]);
  assert.deepEqual(r.requests, ['truncated']);
  assert.equal(r.gaps[0]?.reason, 'truncated');
});

test('a lost frame start: the frame is skipped and the stream resumes at the next keyframe', () => {
  const { packets, frameOf } = packetizeVp8(clip);
  const first = frameOf.indexOf(10);
  const r = assemble(timed(packets.filter((_, i) => i !== first), 10), 100);
  const idx = originals(r.frames);
  const next = clip.findIndex((c, i) => i > 10 && c.keyframe);
  assert.deepEqual(idx, [...clip.slice(0, 10).map((c) => c.n), ...clip.slice(next).map((c) => c.n)]);
  assert.deepEqual(r.requests, ['loss']);
});

test('a stream that starts on inter frames waits for the first keyframe (and asks for it)', () => {
  const { packets, frameOf } = packetizeVp8(clip);
  const start = frameOf.indexOf(3);
  const r = assemble(timed(packets.slice(start)));
  const key = clip.findIndex((c, i) => i > 3 && c.keyframe);
  assert.equal(originals(r.frames)[0], key);
  assert.ok(r.requests.includes('start'));
  assert.equal(r.gaps.length, 0, 'waiting for the first keyframe is not a gap');
});

test('VP8 payload descriptor: all optional fields', () => {
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0x10, 0x9d])), { start: true, nonReference: false, offset: 1 });
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0x90, 0x80, 0x81, 0x23, 0xaa])), { start: true, nonReference: false, offset: 4 });
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0xb0, 0xf0, 0x05, 0x11, 0x40, 0xaa])), { start: true, nonReference: true, offset: 5 }); // I (7 bit), L, T, K
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0x81, 0x20, 0x40, 0xaa])), { start: false, nonReference: false, offset: 3 }); // T only: werift missed this byte
  assert.equal(parseVp8Descriptor(Buffer.alloc(0)), undefined);
});
