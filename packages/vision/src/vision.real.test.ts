/**
 * Real OCR on the hard cases: generated doors (number down a door post, split over two lines, angled, at night,
 * under glare, motion-blurred, a frame of a 250 kbit/s stream) and the 30 real container photos with their truth
 * (../shared/data/container-photos). The rule that matters most is checked on every image: a number is reported as
 * the container number only if its ISO 6346 check digit holds, and it is never one that is not painted there.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createVisionEngine, type VisionEngine } from './engine.ts';
import { containerCheckDigit, isValidContainerNumber } from './parsers/container.ts';
import { paintDoor, type DoorCase } from './testing/synth-door.ts';
import { sharedDataDir } from './testing/shared-data.ts';

let engine: VisionEngine | null = null;
async function inProcess(): Promise<VisionEngine> {
  engine ??= await createVisionEngine({ inProcess: true });
  return engine;
}
after(async () => {
  await engine?.close();
});

const codes = ['HALU565443', 'TRLU718230'].map((p) => p + containerCheckDigit(p));

// Per case: how many of the generated doors must be read (of 2). Every case: no false number.
const expected: Record<DoorCase, number> = { horizontal: 2, vertical: 2, 'vertical-spaced': 2, split: 2, perspective: 2, night: 2, glare: 2, blur: 2, lowbitrate: 2 };

for (const kind of Object.keys(expected) as DoorCase[]) {
  test(`generated door, ${kind}: read, never a false number`, { timeout: 120_000 }, async () => {
    const e = await inProcess();
    let read = 0;
    for (const code of codes) {
      const r = await e.readImage(await paintDoor(kind, { code }), { barcodes: false });
      for (const c of r.containerNumbers) {
        assert.ok(isValidContainerNumber(c), `${c} verifies`);
        assert.equal(c, code, `${kind}: no false number (read ${c} on a door marked ${code})`);
      }
      for (const u of r.unverifiedContainerNumbers) assert.ok(!r.containerNumbers.includes(u));
      if (r.containerNumbers.includes(code)) read++;
      if (!kind.startsWith('vertical') && r.containerNumbers.includes(code)) assert.equal(r.sizeType, '45G1', `${kind}: size-type code read with ${code}`);
    }
    assert.ok(read >= expected[kind], `${kind}: ${read} of ${codes.length} read`);
  });
}

const photos = sharedDataDir('container-photos');
test('the 30 real container photos: at least 29 numbers read, none false, size-type codes', { skip: photos ? false : 'no ../shared/data/container-photos here', timeout: 600_000 }, async () => {
  const e = await inProcess();
  const truth: Array<{ file: string; containerNumbers: string[]; sizeType?: string }> = JSON.parse(readFileSync(join(photos!, 'truth.json'), 'utf8'));
  let want = 0, got = 0, sizeWant = 0, sizeGot = 0;
  const misses: string[] = [];
  for (const t of truth) {
    const r = await e.readImage(join(photos!, t.file), { barcodes: false });
    for (const c of r.containerNumbers) assert.ok(t.containerNumbers.includes(c), `${t.file}: false number ${c} (painted: ${t.containerNumbers})`);
    want += t.containerNumbers.length;
    for (const c of t.containerNumbers) {
      if (r.containerNumbers.includes(c)) got++;
      else misses.push(`${t.file}: ${c} (unverified: ${r.unverifiedContainerNumbers.join(',') || '-'})`);
    }
    if (t.sizeType) {
      sizeWant++;
      if (r.sizeType === t.sizeType) sizeGot++;
      else if (r.sizeType) assert.fail(`${t.file}: size-type ${r.sizeType}, painted ${t.sizeType}`);
    }
  }
  assert.ok(got >= want - 1, `read ${got} of ${want}; missed ${misses.join('; ')}`);
  assert.ok(sizeGot >= sizeWant - 3, `size-type codes: ${sizeGot} of ${sizeWant}`);
});
