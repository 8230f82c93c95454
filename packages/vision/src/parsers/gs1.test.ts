import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandUpcE, gs1CheckDigit, isValidGtin, parseGs1, toGtin14 } from './gs1.ts';

test('GTIN check digits', () => {
  assert.equal(gs1CheckDigit('400638133393'), 1);
  assert.equal(isValidGtin('4006381333931'), true, 'EAN-13');
  assert.equal(isValidGtin('4006381333932'), false);
  assert.equal(isValidGtin('036000291452'), true, 'UPC-A');
  assert.equal(isValidGtin('96385074'), true, 'EAN-8');
  assert.equal(isValidGtin('09506000134352'), true, 'GTIN-14');
  assert.equal(isValidGtin('12345'), false);
  assert.equal(toGtin14('4006381333931'), '04006381333931');
  assert.equal(expandUpcE('04252614'), '042100005264');
  assert.equal(isValidGtin(expandUpcE('04252614')!), true);
});

test('GS1 element strings and Digital Link', () => {
  assert.deepEqual(parseGs1('(01)09506000134352(17)261231(10)ABC'), { elements: { '01': '09506000134352', '17': '261231', '10': 'ABC' }, gtin: '09506000134352' });
  assert.deepEqual(parseGs1(']C10109506000134352\x1d10ABC\x1d17261231')?.gtin, '09506000134352');
  assert.deepEqual(parseGs1(']C1010950600013435210ABC')?.elements, { '01': '09506000134352', '10': 'ABC' });
  assert.deepEqual(parseGs1('https://id.gs1.org/01/09506000134352/10/ABC123')?.elements, { '01': '09506000134352', '10': 'ABC123' });
  assert.equal(parseGs1('(01)09506000134353')?.gtin, undefined, 'failing check digit: no GTIN');
  assert.equal(parseGs1('hello world'), null);
  assert.equal(parseGs1('https://example.com/x'), null);
});
