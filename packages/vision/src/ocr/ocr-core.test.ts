import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCtc } from './ctc.ts';
import { DEFAULT_DB_OPTIONS, extractTextRegions } from './db-postprocess.ts';
import { convexHull, minAreaRect, orientForReading, rectCorners, unclipRect, type Point } from './geometry.ts';

test('convex hull and minimum-area rectangle of a rotated rectangle', () => {
  const a = (15 * Math.PI) / 180;
  const corners: Point[] = [[-50, -10], [50, -10], [50, 10], [-50, 10]].map(([x, y]) => [100 + x * Math.cos(a) - y * Math.sin(a), 80 + x * Math.sin(a) + y * Math.cos(a)]);
  const inside: Point[] = [[100, 80], [110, 82], [95, 78]];
  assert.equal(convexHull([...corners, ...inside]).length, 4);
  const r = orientForReading(minAreaRect([...corners, ...inside]));
  assert.ok(Math.abs(r.width - 100) < 1e-6 && Math.abs(r.height - 20) < 1e-6);
  assert.ok(Math.abs(r.cx - 100) < 1e-6 && Math.abs(r.cy - 80) < 1e-6);
  assert.ok(Math.abs(Math.atan2(r.uy, r.ux) - a) < 1e-6, 'reading direction follows the long side, left to right');
  const q = rectCorners(r);
  assert.ok(q[0][0] < q[1][0] && q[0][1] < q[3][1], 'corners in reading order: tl, tr, br, bl');
});

test('tall boxes are read top to bottom; unclip grows every side', () => {
  const tall = orientForReading({ cx: 0, cy: 0, width: 20, height: 100, ux: 1, uy: 0 });
  assert.equal(tall.width, 100);
  assert.equal(tall.uy, 1);
  const grown = unclipRect({ cx: 0, cy: 0, width: 100, height: 20, ux: 1, uy: 0 }, 1.5);
  const d = (100 * 20 * 1.5) / 240;
  assert.ok(Math.abs(grown.width - (100 + 2 * d)) < 1e-9 && Math.abs(grown.height - (20 + 2 * d)) < 1e-9);
});

test('text regions from a detection probability map', () => {
  const w = 64, h = 32;
  const prob = new Float32Array(w * h);
  // A strong 30×6 line and a faint blob that must be dropped (mean probability below the threshold).
  for (let y = 10; y < 16; y++) for (let x = 5; x < 35; x++) prob[y * w + x] = 0.95;
  for (let y = 22; y < 28; y++) for (let x = 40; x < 50; x++) prob[y * w + x] = 0.4;
  const regions = extractTextRegions(prob, w, h, DEFAULT_DB_OPTIONS);
  assert.equal(regions.length, 1);
  const r = orientForReading(regions[0].rect);
  assert.ok(r.width > 30 && r.height > 6, 'grown back beyond the shrunk kernel');
  assert.ok(Math.abs(r.cx - 20) < 1 && Math.abs(r.cy - 13) < 1);
  assert.ok(regions[0].score > 0.9);
  assert.throws(() => extractTextRegions(new Float32Array(10), w, h), /expected 2048/);
});

test('greedy CTC decoding: blanks, repeats and alternatives', () => {
  const dict = ['A', 'B', '8'];
  const classes = dict.length + 1; // blank first
  // Steps: A A blank A B(0.6, 8 0.4) blank → "AAB"
  const rows = [
    [0.05, 0.9, 0.03, 0.02],
    [0.1, 0.85, 0.03, 0.02],
    [0.9, 0.05, 0.03, 0.02],
    [0.1, 0.8, 0.05, 0.05],
    [0.0, 0.0, 0.6, 0.4],
    [0.95, 0.02, 0.02, 0.01],
  ];
  const probs = Float32Array.from(rows.flat());
  const [line] = decodeCtc(probs, 1, rows.length, classes, dict);
  assert.equal(line.text, 'AAB');
  assert.deepEqual(line.chars.map((c) => c.step), [0, 3, 4]);
  assert.equal(line.chars[2].alternatives[0].char, '8');
  assert.ok(Math.abs(line.confidence - (0.9 + 0.8 + 0.6) / 3) < 1e-6);
});
