/**
 * Object recognition of the goods: the real CenterNet model on pictures drawn with the Noto Color Emoji font (the
 * only realistic pictures of goods a fresh machine has; bicycles are what this model recognises in them), the HS
 * chapter comparison and count, and the privacy blur of exported stills.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ObjectDetector, type DetectedObject } from './detector.ts';
import { compareObjectsWithDeclaration, goodsInView } from './goods.ts';
import { blurRegions, privacyRegions } from './privacy.ts';
import { decodeImage } from '../ocr/raster.ts';
import { createVisionEngine } from '../engine.ts';

let detector: ObjectDetector;
before(async () => {
  detector = await ObjectDetector.load();
});

// Where the bicycles are drawn (text baseline at x, y; each ~340 × 220 px).
const PLACES: Array<[number, number]> = [[40, 400], [600, 400], [320, 850]];

async function bicycles(n: number): Promise<Buffer> {
  const W = 1200, H = 900;
  let t = '';
  for (const [x, y] of PLACES.slice(0, n)) t += `<text x="${x}" y="${y}" font-family="Noto Color Emoji" font-size="300">🚲</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#c8c2b4"/>${t}</svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().jpeg().toBuffer();
}

test('bicycles in view are detected, counted and placed', { timeout: 60_000 }, async () => {
  const img = await decodeImage(await bicycles(3));
  const found = (await detector.detect(img)).filter((o) => o.class === 'bicycle' && o.score >= 0.3);
  assert.equal(found.length, 3, JSON.stringify(found));
  // Each drawn bicycle has its box.
  for (const [x, y] of PLACES) {
    assert.ok(found.some((o) => o.box[0] + o.box[2] / 2 > x && o.box[0] + o.box[2] / 2 < x + 360 && o.box[1] + o.box[3] / 2 > y - 300 && o.box[1] + o.box[3] / 2 < y), `a box on the bicycle at ${x},${y}: ${JSON.stringify(found)}`);
  }
  const blank = await decodeImage(await sharp({ create: { width: 640, height: 480, channels: 3, background: '#c8c2b4' } }).jpeg().toBuffer());
  assert.deepEqual((await detector.detect(blank)).filter((o) => o.score >= 0.3), [], 'nothing in an empty picture');
});

test('goods that do not fit the declared HS chapter are a suggested finding; a count above the declared packages too', async () => {
  const img = await decodeImage(await bicycles(3));
  const objects = await detector.detect(img);
  const phones = compareObjectsWithDeclaration(objects, { hsCodes: ['851762'], packages: 3 });
  const f = phones.findings.find((x) => x.rule === 'objects_hs_chapter_mismatch');
  assert.ok(f, JSON.stringify(phones));
  assert.match(f.observed, /3 × bicycle \(HS 8712\)/);
  assert.equal(f.boxes.length, 3);
  const bikes = compareObjectsWithDeclaration(objects, { hsCodes: ['8712.00'], packages: 3 });
  assert.deepEqual(bikes.findings, []);
  assert.deepEqual(bikes.matches, [{ class: 'bicycle', chapter: '87', count: 3 }]);
  const fewer = compareObjectsWithDeclaration(objects, { hsCodes: ['871200'], packages: 2 });
  assert.equal(fewer.findings[0]?.rule, 'objects_count_above_declared');
});

test('labels first: the engine gives the label reading without waiting for the detector, then its objects', { timeout: 120_000 }, async () => {
  const engine = await createVisionEngine({ workers: 1 });
  try {
    const jpeg = await bicycles(3);
    const { reading, objects } = await engine.readLabels(jpeg);
    assert.deepEqual(reading.objects, [], 'no objects in the label reading');
    assert.equal(reading.timingsMs.objects, 0);
    const found = await objects;
    assert.equal(found.objects.filter((o) => o.class === 'bicycle' && o.score >= 0.3).length, 3, JSON.stringify(found.objects));
    assert.ok(found.ms > 0);
    // readImage (the CLI's call) is the label reading completed with the same objects.
    const whole = await engine.readImage(jpeg);
    assert.deepEqual(whole.objects.map((o) => o.class).sort(), found.objects.map((o) => o.class).sort());
    assert.ok(whole.timingsMs.total >= whole.timingsMs.ocr);
    // A picture that cannot be decoded fails its labels with a reason, and the engine goes on.
    await assert.rejects(engine.readLabels(Buffer.from('not an image')), (e: Error & { reason?: string }) => e.reason === 'unsupported_format' || e.reason === 'corrupt');
    const next = await engine.readLabels(jpeg);
    assert.ok((await next.objects).objects.length >= 3);
  } finally {
    await engine.close();
  }
});

test('rules of the comparison (no model)', () => {
  const o = (cls: string, score: number, x = 0): DetectedObject => ({ class: cls, score, box: [x, 0, 10, 10] });
  // Persons and weak guesses are not goods.
  assert.deepEqual(goodsInView([o('person', 0.9), o('tv', 0.2), o('laptop', 0.8)]).map((g) => g.class), ['laptop']);
  // Fewer in view than declared is a finding only when the view shows the whole consignment.
  const two = [o('tv', 0.8), o('tv', 0.7, 20)];
  assert.deepEqual(compareObjectsWithDeclaration(two, { hsCodes: ['852872'], packages: 5 }).findings, []);
  assert.equal(compareObjectsWithDeclaration(two, { hsCodes: ['852872'], packages: 5, allInView: true }).findings[0].rule, 'objects_count_below_declared');
  // Uncountable goods are not counted; no declared HS code, no suggestion.
  assert.deepEqual(compareObjectsWithDeclaration([o('banana', 0.9), o('banana', 0.9)], { hsCodes: ['080390'], packages: 1 }).findings, []);
  assert.deepEqual(compareObjectsWithDeclaration([o('car', 0.9)], { hsCodes: [] }).findings, []);
});

test('exported stills blur faces and heads; the original is untouched', async () => {
  const W = 400, H = 300;
  // A sharp checkerboard: blurred areas lose their contrast.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs><pattern id="p" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="4" height="4" fill="#000"/><rect x="4" y="4" width="4" height="4" fill="#000"/></pattern></defs><rect width="${W}" height="${H}" fill="#fff"/><rect width="${W}" height="${H}" fill="url(#p)"/></svg>`;
  const original = await sharp(Buffer.from(svg)).jpeg({ quality: 95 }).toBuffer();
  const copy = Buffer.from(original);
  const regions = privacyRegions([[200, 100, 100, 150], [20, 20, 80, 200]], [[30, 30, 40, 40]]);
  assert.deepEqual(regions, [[30, 30, 40, 40], [200, 100, 100, 30]], 'the face, and the head of the person without one');
  const out = await blurRegions(original, regions);
  assert.ok(original.equals(copy), 'original unchanged');
  const stdev = async (buf: Buffer, left: number, top: number, width: number, height: number) =>
    (await sharp(await sharp(buf).extract({ left, top, width, height }).greyscale().toBuffer()).stats()).channels[0].stdev; // stats() reads its input, not the pipeline
  assert.ok((await stdev(out, 35, 35, 30, 30)) < 25, 'face blurred');
  assert.ok((await stdev(out, 210, 105, 80, 20)) < 25, 'head blurred');
  assert.ok((await stdev(out, 320, 200, 60, 60)) > 80, 'the rest stays sharp');
});
