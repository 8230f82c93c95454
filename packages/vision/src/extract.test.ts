import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFields, type RegionReader } from './extract.ts';
import type { TextBox } from './layout.ts';
import { rectCorners, type RotatedRect } from './ocr/geometry.ts';

/** An OCR box at x, y (top-left), w × h, optionally rotated by `deg` about the image origin. */
function box(text: string, x: number, y: number, w: number, h: number, confidence = 0.98, deg = 0): TextBox {
  const a = (deg * Math.PI) / 180;
  const cx0 = x + w / 2, cy0 = y + h / 2;
  const rect: RotatedRect = { cx: cx0 * Math.cos(a) - cy0 * Math.sin(a), cy: cx0 * Math.sin(a) + cy0 * Math.cos(a), width: w, height: h, ux: Math.cos(a), uy: Math.sin(a) };
  return { text, confidence, rect, box: rectCorners(rect) };
}

test('a container number split over two lines, check digit set apart', async () => {
  for (const deg of [0, 8, -8]) {
    const f = await extractFields([box('APZJ', 100, 120, 150, 50, 0.99, deg), box('407119', 100, 185, 230, 50, 0.99, deg), box('6', 360, 185, 30, 50, 0.99, deg), box('45R1', 90, 420, 110, 45, 0.99, deg)]);
    assert.deepEqual(f.containerNumbers.map((c) => c.code), ['APZJ4071196'], `rotated ${deg}°`);
    assert.equal(f.sizeType?.code, '45R1');
    assert.deepEqual(f.unverifiedContainerNumbers, []);
  }
});

test('boxed check digit far to the right of a one-line number', async () => {
  const f = await extractFields([box('SEGU 628478', 60, 110, 360, 50), box('9', 440, 110, 45, 50), box('42G1', 60, 330, 140, 45)]);
  assert.deepEqual(f.containerNumbers.map((c) => c.code), ['SEGU6284789']);
  // The evidence box covers both parts.
  const xs = f.containerNumbers[0].evidence.box.map((p) => p[0]);
  assert.ok(Math.min(...xs) <= 60 && Math.max(...xs) >= 485);
});

test('a check digit the detector missed is found by reading the widened line again', async () => {
  const asked: RotatedRect[][] = [];
  const reread: RegionReader = async (rects) => {
    asked.push(rects);
    // The widened crops see the boxed digit (the last reads it as a box glyph).
    return rects.map((_, i) => ({ text: i < 2 ? 'BMOU 966861 0' : 'BMOU966861回', confidence: 0.95 }));
  };
  const f = await extractFields([box('BMOU 966861', 75, 100, 280, 40), box('45G1', 60, 270, 90, 38)], reread);
  assert.deepEqual(f.containerNumbers.map((c) => c.code), ['BMOU9668610']);
  assert.equal(f.containerNumbers[0].reread, true);
  assert.equal(asked.length, 1);
  assert.ok(asked[0][0].width > 280, 'the crop is widened to the right');
  assert.ok(asked[0][0].cx > 75 + 140, 'and moved to the right');
});

test('the boxed check digit read together with its box edges', async () => {
  const reread: RegionReader = async (rects) => rects.map((_, i) => ({ text: i === 1 ? '095550011' : '095550', confidence: 0.92 }));
  const f = await extractFields([box('TCLZ', 60, 100, 120, 40), box('095550', 60, 150, 180, 38), box('L5G1', 60, 300, 110, 36)], reread);
  assert.deepEqual(f.containerNumbers.map((c) => c.code), ['TCLZ0955500']);
  // Tail digits that the check digit does not accept verify nothing.
  const wrong: RegionReader = async (rects) => rects.map(() => ({ text: '095550 [7]', confidence: 0.92 }));
  const g = await extractFields([box('TCLZ', 60, 100, 120, 40), box('095550', 60, 150, 180, 38)], wrong);
  assert.deepEqual(g.containerNumbers, []);
  assert.deepEqual(g.unverifiedContainerNumbers.map((u) => u.text), ['TCLZ095550']);
});

test('re-reads that disagree confirm nothing', async () => {
  // Two crops "verify" different numbers: neither is reported.
  const reread: RegionReader = async (rects) => rects.map((_, i) => ({ text: i === 0 ? 'CSQU3054383' : i === 1 ? 'CSQU3054399' : 'CSQU305438', confidence: 0.9 }));
  const f = await extractFields([box('CSQU 305438', 50, 50, 300, 40)], reread);
  assert.deepEqual(f.containerNumbers, []);
  assert.deepEqual(f.unverifiedContainerNumbers.map((u) => [u.text, u.reason]), [['CSQU305438', 'missing_check_digit']]);
});

test('two numbers read from the same characters: only the better one is reported', async () => {
  // One owner code line with two serial lines under it (left-aligned and slightly right): both
  // "MAEU1234567" and "MAEU7654320" verify, but they share the owner code.
  const f = await extractFields([box('MAEU', 50, 50, 160, 50, 0.97), box('1234567', 50, 110, 260, 50, 0.99), box('7654320', 150, 170, 260, 50, 0.9)]);
  assert.equal(f.containerNumbers.length, 1);
  assert.equal(f.containerNumbers[0].code, 'MAEU1234567', 'the more confident reading');
  assert.deepEqual(f.unverifiedContainerNumbers.map((u) => [u.text, u.reason]), [['MAEU7654320', 'conflicting_reading']]);
});

test('a number whose check digit fails is only an unverified reading', async () => {
  const f = await extractFields([box('MSCU1234565', 50, 50, 300, 40), box('MAX GROSS 30480 KG', 50, 300, 300, 30)]);
  assert.deepEqual(f.containerNumbers, []);
  assert.deepEqual(f.unverifiedContainerNumbers.map((u) => [u.text, u.reason]), [['MSCU1234565', 'check_digit_mismatch']]);
  assert.equal(f.containerMaxGross?.kg, 30480);
  assert.equal(f.grossWeight, null, 'a container rating is not the cargo gross weight');
});

test('seal number on the line below its label, Chinese and English', async () => {
  const zh = await extractFields([box('封志号：', 70, 100, 180, 45), box('ML9989383', 65, 190, 400, 80)]);
  assert.deepEqual(zh.sealNumbers.map((s) => s.value), ['ML9989383']);
  const en = await extractFields([box('SEAL', 50, 120, 120, 45), box('NO:', 190, 120, 80, 45), box('HK4541556', 50, 200, 420, 90)]);
  assert.deepEqual(en.sealNumbers.map((s) => s.value), ['HK4541556']);
  const inline = await extractFields([box('SEAL NO: SH9212330', 50, 120, 420, 45)]);
  assert.deepEqual(inline.sealNumbers.map((s) => s.value), ['SH9212330']);
  const none = await extractFields([box('SH9212330', 50, 200, 420, 90)]);
  assert.deepEqual(none.sealNumbers, [], 'no label, no seal');
});

test('carton label fields, words split into several boxes', async () => {
  const f = await extractFields([
    box('LITHIUM', 80, 200, 250, 50), box('BATTERY PACK', 360, 190, 430, 50),
    box('QTY:208 PCS', 95, 320, 400, 50),
    box('N.W.: 51.2KG', 110, 440, 380, 50),
    box('HS', 125, 570, 60, 45), box('CODE:3310.24', 210, 550, 380, 50),
    box('MADE', 135, 655, 150, 55), box('IN INDIA', 320, 645, 300, 55),
    box('原产国：印度', 135, 760, 300, 50),
  ]);
  assert.deepEqual(f.quantity && { value: f.quantity.value, unit: f.quantity.unit }, { value: 208, unit: 'PCS' });
  assert.equal(f.netWeight?.kg, 51.2);
  assert.equal(f.hsCode?.hs6, '331024');
  assert.equal(f.origin?.country, 'IN');
  assert.equal(f.originMarks.length, 2, 'English and Chinese marks both kept');
  assert.deepEqual(f.containerNumbers, []);
  assert.deepEqual(f.sealNumbers, []);
  assert.equal(f.sizeType, null);
});

test('origin marks that disagree: the better supported one wins, both are kept', async () => {
  const f = await extractFields([box('MADE IN CHINA', 80, 100, 400, 50, 0.97), box('原产国：越南', 80, 200, 300, 50, 0.99)]);
  assert.deepEqual(f.originMarks.map((o) => o.country).sort(), ['CN', 'VN']);
  assert.ok(f.origin);
});

/** A recognised box with character positions (recogniser steps), as PaddleOcr returns them. */
function withChars(b: TextBox, steps: number): TextBox & { chars: Array<{ char: string; step: number }>; steps: number } {
  const n = b.text.length;
  return { ...b, steps, chars: [...b.text].map((char, k) => ({ char, step: Math.round(((k + 0.5) / n) * steps - 0.5) })) };
}

test('the character two overlapping boxes both read is counted once', async () => {
  // "SKHU9" and "9502240": the detector's boxes overlap over the 9 (seen on angled and blurred doors); read twice,
  // the 12 characters would hide the number, or worse, make another one.
  const a = withChars(box('SKHU9', 100, 100, 125, 40), 16);
  const b = withChars(box('9502240', 200, 100, 175, 40), 22);
  const f = await extractFields([a, b]);
  assert.deepEqual(f.containerNumbers.map((c) => c.code), ['SKHU9502240']);
  // A real double letter a whole character apart is kept.
  const c = withChars(box('MSCU5', 100, 100, 125, 40), 16);
  const d = withChars(box('512345', 228, 100, 150, 40), 20);
  const g = await extractFields([c, d]);
  assert.deepEqual(g.containerNumbers.map((x) => x.code), [], 'MSCU5512345 fails its check digit');
  assert.deepEqual(g.unverifiedContainerNumbers.map((x) => x.text), ['MSCU5512345']);
});

test('a check digit box much smaller than the serial, just right of it', async () => {
  // The detector found only the digit inside its box: 14 px against the serial's 35 px.
  const f = await extractFields([box('NLLU 410405', 330, 106, 194, 35), box('1', 539, 114, 14, 14, 0.95), box('45G1', 425, 141, 66, 36)]);
  assert.deepEqual(f.containerNumbers.map((c) => c.code), ['NLLU4104051']);
});

test('owner code above a serial with an extra stroke: repaired only because the check digit confirms it', async () => {
  const f = await extractFields([box('AXIU', 386, 117, 53, 30, 0.74), box('14581592', 376, 150, 166, 39, 0.96), box('45G1', 470, 190, 60, 30, 0.7)]);
  assert.deepEqual(f.containerNumbers.map((c) => c.code), ['AXIU1458592']);
  assert.deepEqual(f.containerNumbers[0].repairs, [{ position: 8, from: '1', to: '' }]);
  assert.equal(f.sizeType?.code, '45G1');
});
