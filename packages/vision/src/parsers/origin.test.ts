import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchChineseCountry, parseOrigin } from './origin.ts';
import { isCountryCode } from './countries.ts';

const country = (t: string) => parseOrigin(t).map((o) => o.country);

test('MADE IN marks, with spaces dropped or letters misread by OCR', () => {
  assert.deepEqual(country('MADE IN CHINA'), ['CN']);
  assert.deepEqual(country('MADEINCHINA'), ['CN']);
  assert.deepEqual(country('MADE INUSA'), ['US']);
  assert.deepEqual(country('Made in Viet Nam'), ['VN']);
  assert.deepEqual(country('MADE IN VIETNAM'), ['VN']);
  assert.deepEqual(country('MADE IN KOREA'), ['KR']);
  assert.deepEqual(country('MADE IN GERMANY'), ['DE']);
  assert.deepEqual(country('MADE IN U.S.A.'), ['US']);
  assert.deepEqual(country('MADE IN P.R.C.'), ['CN']);
  assert.deepEqual(country('MADE IN UKRAINE'), ['UA'], 'longest name wins over UK');
  assert.deepEqual(country('MADE lN ITALY'), ['IT']);
  assert.deepEqual(country('MADE IN MALAYSlA'), ['MY'], 'one OCR error in the name');
  assert.deepEqual(country('MADE IN THE NETHERLANDS'), ['NL']);
  assert.deepEqual(country('MADE IN THE USA'), ['US']);
  assert.deepEqual(country('PRODUCT OF THAILAND'), ['TH']);
  assert.deepEqual(country('COUNTRY OF ORIGIN: JAPAN'), ['JP']);
  assert.deepEqual(country('ORIGIN: CN'), ['CN']);
  assert.deepEqual(country('ORIGINAL PARTS'), []);
  assert.deepEqual(country('MADE IN XYZZY'), []);
});

test('Chinese origin marks', () => {
  assert.deepEqual(country('原产国：韩国'), ['KR']);
  assert.deepEqual(country('原产国:中国'), ['CN']);
  assert.deepEqual(country('原产地：越南'), ['VN']);
  assert.deepEqual(country('原产地：意大利'), ['IT']);
  assert.deepEqual(country('原产国：马来西亚'), ['MY']);
  assert.deepEqual(country('产地：德国'), ['DE']);
  assert.deepEqual(country('原產地：日本'), ['JP'], 'traditional characters');
  assert.deepEqual(country('中国制造'), ['CN']);
  assert.deepEqual(country('原产国：台湾'), ['TW']);
  assert.deepEqual(country('原产国：美国'), ['US']);
  assert.deepEqual(country('原产国：India'), ['IN']);
  assert.equal(matchChineseCountry('印度尼西亚')?.country, 'ID', 'longest name: not India (印度)');
});

test('country table is ISO 3166-1', () => {
  for (const c of ['CN', 'US', 'DE', 'VN', 'KR', 'GB', 'XK']) assert.ok(isCountryCode(c), c);
  for (const c of ['UK', 'EU', 'ZZ', 'SU', 'XX']) assert.equal(isCountryCode(c), false, c);
});

test('Chinese origin label with its first character misread', () => {
  assert.deepEqual(country('豫产国：中国'), ['CN']);
  assert.deepEqual(country('产国:日本'), ['JP']);
});
