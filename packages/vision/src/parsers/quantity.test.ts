import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeQuantityUnit, parseQuantities, parseWeights } from './quantity.ts';

const q = (t: string) => parseQuantities(t).map(({ value, unit, labelled }) => ({ value, unit, labelled }));

test('labelled quantities with units, as OCR prints them', () => {
  assert.deepEqual(q('QTY: 12 PCS'), [{ value: 12, unit: 'PCS', labelled: true }]);
  assert.deepEqual(q('QTY:12PCS'), [{ value: 12, unit: 'PCS', labelled: true }]);
  assert.deepEqual(q('QUANTITY: 1,200 PCS'), [{ value: 1200, unit: 'PCS', labelled: true }]);
  assert.deepEqual(q("Q'TY: 24 CTNS"), [{ value: 24, unit: 'CTNS', labelled: true }]);
  assert.deepEqual(q('QTY: 5 SETS'), [{ value: 5, unit: 'SETS', labelled: true }]);
  assert.deepEqual(q('QTY: 50 KG'), [{ value: 50, unit: 'KG', labelled: true }]);
  assert.deepEqual(q('QTY: 3O PCS'), [{ value: 30, unit: 'PCS', labelled: true }], 'O read for 0');
  assert.deepEqual(q('QTY: 12 PC5'), [{ value: 12, unit: 'PCS', labelled: true }], '5 read for S');
  assert.deepEqual(q('QTY: 7'), [{ value: 7, unit: null, labelled: true }]);
  assert.deepEqual(q('数量：24件'), [{ value: 24, unit: 'PCS', labelled: true }]);
  assert.deepEqual(q('数量: 10 箱'), [{ value: 10, unit: 'CTNS', labelled: true }]);
});

test('unlabelled quantities, but not weights', () => {
  assert.deepEqual(q('120 CTNS'), [{ value: 120, unit: 'CTNS', labelled: false }]);
  assert.deepEqual(q('24PCS/CTN'), [{ value: 24, unit: 'PCS', labelled: false }]);
  assert.deepEqual(q('N.W.: 12 KG'), []);
  assert.deepEqual(q('MAX GROSS 30480 KG'), []);
  assert.deepEqual(q('HS CODE: 8517.62'), []);
  assert.deepEqual(q('ROASTED COFFEE BEANS'), []);
});

test('unit words', () => {
  assert.equal(normalizeQuantityUnit('pcs'), 'PCS');
  assert.equal(normalizeQuantityUnit('PIECES'), 'PCS');
  assert.equal(normalizeQuantityUnit('CARTONS'), 'CTNS');
  assert.equal(normalizeQuantityUnit('PRS'), 'PAIRS');
  assert.equal(normalizeQuantityUnit('套'), 'SETS');
  assert.equal(normalizeQuantityUnit('PGS'), 'PCS');
  assert.equal(normalizeQuantityUnit('CODE'), null);
});

const w = (t: string) => parseWeights(t).map(({ kind, kg, unit }) => ({ kind, kg, unit }));

test('net and gross weights with unit conversion', () => {
  assert.deepEqual(w('N.W.: 232.7 KG'), [{ kind: 'net', kg: 232.7, unit: 'KG' }]);
  assert.deepEqual(w('N.W.:232.7KG'), [{ kind: 'net', kg: 232.7, unit: 'KG' }]);
  assert.deepEqual(w('N.W..: 138.8KG'), [{ kind: 'net', kg: 138.8, unit: 'KG' }]);
  assert.deepEqual(w('NW: 12.5 KGS'), [{ kind: 'net', kg: 12.5, unit: 'KG' }]);
  assert.deepEqual(w('NET WEIGHT: 1,250 G'), [{ kind: 'net', kg: 1.25, unit: 'G' }]);
  assert.deepEqual(w('NET WT 22 LBS'), [{ kind: 'net', kg: 9.979032, unit: 'LB' }]);
  assert.deepEqual(w('G.W.: 30 KG'), [{ kind: 'gross', kg: 30, unit: 'KG' }]);
  assert.deepEqual(w('GROSS WEIGHT 2.5 T'), [{ kind: 'gross', kg: 2500, unit: 'T' }]);
  assert.deepEqual(w('净重：12.5千克'), [{ kind: 'net', kg: 12.5, unit: 'KG' }]);
  assert.deepEqual(w('毛重: 15公斤'), [{ kind: 'gross', kg: 15, unit: 'KG' }]);
  assert.deepEqual(w('N.W.: 20'), [{ kind: 'net', kg: 20, unit: null }], 'no unit: kilograms assumed');
  assert.deepEqual(w('N.W.1 79.9 KG'), [{ kind: 'net', kg: 79.9, unit: 'KG' }], 'colon read as 1');
  assert.deepEqual(w('N.W. 12.5 KG  G.W. 13.4 KG'), [{ kind: 'net', kg: 12.5, unit: 'KG' }, { kind: 'gross', kg: 13.4, unit: 'KG' }]);
});

test('a container rating is not a cargo weight', () => {
  assert.deepEqual(w('MAX GROSS 30480 KG'), [{ kind: 'container_max_gross', kg: 30480, unit: 'KG' }]);
  assert.deepEqual(w('MAXGROSS28712KG'), [{ kind: 'container_max_gross', kg: 28712, unit: 'KG' }]);
  assert.deepEqual(w('TARE 2200 KG'), [{ kind: 'tare', kg: 2200, unit: 'KG' }]);
});
