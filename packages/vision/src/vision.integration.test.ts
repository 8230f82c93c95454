/**
 * Real OCR on real photos: the fixtures in test-fixtures/ (always), the shared cargo-markings set
 * (when ../shared is present), barcodes drawn onto a label, bad input, and the worker engine keeping
 * the caller's event loop free.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { prepareZXingModule, writeBarcode } from 'zxing-wasm/full';
import { createVisionEngine, VisionError, type VisionEngine } from './engine.ts';

const fixtures = fileURLToPath(new URL('../test-fixtures/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const shared = join(repoRoot, '..', 'shared', 'data', 'cargo-markings');

let engine: VisionEngine | null = null;
async function inProcess(): Promise<VisionEngine> {
  engine ??= await createVisionEngine({ inProcess: true });
  return engine;
}
after(async () => {
  await engine?.close();
});

test('fixtures: boxed check digit, Chinese seal label, bilingual carton label', async () => {
  const e = await inProcess();
  const container = await e.readImage(join(fixtures, 'container-boxed-check-digit.jpg'));
  assert.deepEqual(container.containerNumbers, ['BMOU9668610']);
  assert.equal(container.sizeType, '45G1');
  assert.deepEqual(container.sealNumbers, []);
  assert.equal(container.origin, null);
  const c = container.fields.containerNumbers[0];
  assert.ok(c.confidence > 0.5 && c.confidence <= 1);
  assert.equal(c.evidence.box.length, 4);

  const seal = await e.readImage(readFileSync(join(fixtures, 'seal-zh.jpg')));
  assert.deepEqual(seal.sealNumbers, ['ML9989383']);
  assert.deepEqual(seal.containerNumbers, []);

  const carton = await e.readImage(join(fixtures, 'carton-kr.jpg'));
  assert.equal(carton.origin, 'KR');
  assert.deepEqual(carton.quantity, { value: 12, unit: 'PCS' });
  assert.equal(carton.netWeightKg, 232.7);
  assert.equal(carton.hsCode, '326981');
  assert.deepEqual(carton.containerNumbers, []);
  assert.ok(carton.lines.some((l) => l.text.includes('韩国')), 'Chinese text is read');
  for (const l of carton.lines) {
    assert.equal(typeof l.text, 'string');
    assert.ok(l.confidence >= 0 && l.confidence <= 1);
    assert.equal(l.box.length, 4);
  }
});

test('a photo upside down or on its side reads the same', async () => {
  const e = await inProcess();
  const src = readFileSync(join(fixtures, 'container-boxed-check-digit.jpg'));
  const upright = await e.readImage(src);
  const centre = (q: number[][]) => [q.reduce((s, p) => s + p[0], 0) / 4, q.reduce((s, p) => s + p[1], 0) / 4];
  const [cx, cy] = centre(upright.fields.containerNumbers[0].evidence.box);
  const { width: W, height: H } = upright;
  // Where the number's centre goes when the photo is turned clockwise by 90, 180, 270 degrees.
  const expected: Record<number, [number, number]> = { 90: [H - cy, cx], 180: [W - cx, H - cy], 270: [cy, W - cx] };
  for (const deg of [180, 90, 270]) {
    const turned = await sharp(src).rotate(deg).jpeg({ quality: 85 }).toBuffer();
    const r = await e.readImage(turned);
    assert.deepEqual(r.containerNumbers, ['BMOU9668610'], `turned ${deg}°`);
    // Boxes are in the coordinates of the image as given, whichever way it was read.
    const [x, y] = centre(r.fields.containerNumbers[0].evidence.box);
    assert.ok(Math.hypot(x - expected[deg][0], y - expected[deg][1]) < 40, `turned ${deg}°: box centre ${x},${y}, expected ${expected[deg]}`);
  }
  // EXIF orientation is applied before reading (the pixels are stored sideways).
  const exif = await sharp(await sharp(src).rotate(270).toBuffer()).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  assert.deepEqual((await e.readImage(exif)).containerNumbers, ['BMOU9668610']);
});

test('barcodes and QR codes on a label: GTIN check digits and GS1 data', async () => {
  const require = createRequire(import.meta.url);
  await prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/full/zxing_full.wasm')).buffer as ArrayBuffer }, fireImmediately: true });
  const ean = await writeBarcode('4006381333931', { format: 'EAN13', scale: 3 });
  const qr = await writeBarcode('https://id.gs1.org/01/09506000134352/10/LOT42', { format: 'QRCode', scale: 4 });
  assert.ok(ean.image && qr.image);
  const label = await sharp(join(fixtures, 'carton-kr.jpg'))
    .composite([
      { input: Buffer.from(await ean.image.arrayBuffer()), left: 470, top: 300 },
      { input: Buffer.from(await qr.image.arrayBuffer()), left: 620, top: 430 },
    ])
    .rotate(4, { background: '#333' })
    .jpeg({ quality: 70 })
    .toBuffer();
  const r = await (await inProcess()).readImage(label);
  const byFormat = Object.fromEntries(r.barcodes.map((b) => [b.format, b]));
  assert.equal(byFormat.EAN13?.text, '4006381333931');
  assert.equal(byFormat.EAN13?.gtinValid, true);
  assert.equal(byFormat.QRCode?.gtin, '09506000134352');
  assert.equal(byFormat.QRCode?.gs1?.['10'], 'LOT42');
  assert.equal(r.origin, 'KR', 'the text is still read');
  const none = await (await inProcess()).readImage(join(fixtures, 'seal-zh.jpg'), { barcodes: false });
  assert.deepEqual(none.barcodes, []);
});

test('bad input gives a reasoned error', async () => {
  const e = await inProcess();
  const dir = await mkdtemp(join(tmpdir(), 'vision-'));
  try {
    const text = join(dir, 'notes.jpg');
    await writeFile(text, 'this is not an image');
    const cases: Array<[string | Buffer, string]> = [
      [text, 'unsupported_format'],
      [Buffer.alloc(0), 'empty'],
      [join(dir, 'missing.jpg'), 'not_found'],
      [dir, 'not_a_file'],
      [Buffer.concat([readFileSync(join(fixtures, 'seal-zh.jpg')).subarray(0, 4), Buffer.alloc(600, 7)]), 'corrupt'],
    ];
    for (const [input, reason] of cases) {
      await assert.rejects(e.readImage(input), (err: unknown) => err instanceof VisionError && err.reason === reason, `${reason}`);
    }
    await assert.rejects(e.readImage(42 as unknown as Buffer), (err: unknown) => err instanceof VisionError && err.reason === 'invalid_input');
    // The engine still works afterwards.
    assert.deepEqual((await e.readImage(join(fixtures, 'seal-zh.jpg'))).sealNumbers, ['ML9989383']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('worker engine: recognition runs off the caller thread', async () => {
  const worker = await createVisionEngine({ workers: 1 });
  try {
    const file = join(fixtures, 'carton-kr.jpg');
    await worker.readImage(file); // warm-up
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const results = await Promise.all([worker.readImage(file), worker.readImage(join(fixtures, 'seal-zh.jpg'))]);
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    assert.equal(results[0].origin, 'KR');
    assert.deepEqual(results[1].sealNumbers, ['ML9989383']);
    // In-process the event loop stalls for a whole detection pass (measured 380 ms on the shared
    // 2-core machine); through the worker the longest gap between 5 ms timers was about 20 ms.
    assert.ok(longest < 150, `event loop stalled ${longest.toFixed(0)} ms during ${elapsed.toFixed(0)} ms of reading`);
    await assert.rejects(worker.readImage(Buffer.from('nope')), (err: unknown) => err instanceof VisionError && err.reason === 'unsupported_format');
  } finally {
    await worker.close();
  }
  await assert.rejects(worker.readImage(join(fixtures, 'seal-zh.jpg')), (err: unknown) => err instanceof VisionError && err.reason === 'closed');
});

interface Truth {
  file: string;
  kind: 'container' | 'seal' | 'carton';
  containerNumbers?: string[];
  sealNumbers?: string[];
  quantity?: number;
  quantityUnit?: string;
  hsCode?: string;
  origin?: string;
}

test('shared cargo-markings photos: minimum scores', { skip: existsSync(join(shared, 'truth.json')) ? false : `shared data not found at ${shared} (skipped)` }, async () => {
  const truth: Truth[] = JSON.parse(readFileSync(join(shared, 'truth.json'), 'utf8'));
  const e = await inProcess();
  let cTotal = 0, cFound = 0, cFalse = 0, sTotal = 0, sFound = 0, fTotal = 0, fRight = 0;
  for (const t of truth) {
    const r = await e.readImage(join(shared, t.file), { barcodes: false });
    const want = t.containerNumbers ?? [];
    cTotal += want.length;
    cFound += want.filter((c) => r.containerNumbers.includes(c)).length;
    cFalse += r.containerNumbers.filter((c) => !want.includes(c)).length;
    sTotal += (t.sealNumbers ?? []).length;
    sFound += (t.sealNumbers ?? []).filter((s) => r.sealNumbers.includes(s)).length;
    if (t.kind === 'carton') {
      fTotal += 3;
      fRight += Number(r.origin === t.origin) + Number(r.quantity?.value === t.quantity && r.quantity?.unit === t.quantityUnit) + Number(r.hsCode === t.hsCode);
    }
  }
  assert.equal(cFalse, 0, 'no false container numbers');
  assert.ok(cFound / cTotal >= 0.95, `container recall ${cFound}/${cTotal}`);
  assert.ok(sFound / sTotal >= 0.95, `seal recall ${sFound}/${sTotal}`);
  assert.ok(fRight / fTotal >= 0.95, `carton fields ${fRight}/${fTotal}`);
});
