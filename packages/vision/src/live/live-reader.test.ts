/**
 * Live reading from a real VP8 RTP stream (libvpx in real time, as a phone sends): a container door comes into view
 * after three seconds of an empty door; its number is reported once, verified, with the still it was read from
 * (a decodable JPEG whose SHA-256 is given); the empty door reports nothing; reading stays within its CPU budget.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { createVisionEngine, type VisionEngine } from '../engine.ts';
import { containerCheckDigit } from '../parsers/container.ts';
import { parseVp8Descriptor, vp8KeyframeSize } from './live-reader.ts';
import { runLiveDoor } from '../testing/live-door.ts';

let engine: VisionEngine | null = null;
after(async () => engine?.close());

test('VP8 payload descriptor and keyframe header', () => {
  // X=1, S=1, PID=0; I=1 with a 15-bit picture id; L=0, T=0, K=0
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0x90, 0x80, 0x81, 0x23, 0xaa])), { offset: 4, start: true });
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0x00, 0xaa])), { offset: 1, start: false });
  const key = Buffer.from([0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0xc0, 0x03, 0xd0, 0x02]);
  assert.deepEqual(vp8KeyframeSize(key), { width: 960, height: 720 });
  assert.equal(vp8KeyframeSize(Buffer.from([0x51, 0, 0, 0, 0, 0, 0, 0, 0, 0])), null);
});

test('a container door shown to the camera is read from the stream, once, with its still', { timeout: 400_000 }, async () => {
  engine = await createVisionEngine({ workers: 1, objects: false });
  const code = 'MSKU146628' + containerCheckDigit('MSKU146628');
  const r = await runLiveDoor(engine, { code });
  const verified = r.readings.filter((x) => x.kind === 'container');
  assert.deepEqual(verified.map((x) => x.value), [code], JSON.stringify({ readings: r.readings.map((x) => [x.kind, x.value]), stats: r.stats }));
  assert.ok(r.readS !== null && r.readS > 0, `read ${r.readS} s after it came into view`);
  const still = verified[0];
  assert.equal(still.sha256, createHash('sha256').update(still.still).digest('hex'));
  const meta = await sharp(still.still).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 960);
  assert.ok(r.stats.stillsDecoded >= 8, `about one still a second (${r.stats.stillsDecoded})`);
  assert.ok(r.stats.stillsSkippedUnchanged + r.stats.stillsSkippedBudget > 0, 'unchanged or over-budget stills are not all read');
  for (const x of r.readings) assert.notEqual(x.kind === 'container' && x.value !== code, true, `no false number: ${x.value}`);
});
