import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerCheckDigit,
  dropExtraStroke,
  findContainerNumbersInText,
  findContainerNumbersInTokens,
  interpretContainerCandidate,
  isValidContainerNumber,
  parseSizeTypeCode,
  tokenizeForContainer,
} from './container.ts';

test('check digit matches known-good container numbers', () => {
  // CSQU3054383 is the worked example of ISO 6346 Annex A; the others are real-format numbers whose
  // check digit was computed by hand (letter values A=10 … skipping 11, 22, 33).
  for (const [code, digit] of [['CSQU305438', 3], ['MSKU123456', 5], ['MAEU123456', 7], ['OOLU123456', 7], ['BMOU966861', 0], ['CMAU986767', 7]] as const) {
    assert.equal(containerCheckDigit(code), digit, code);
  }
  assert.equal(isValidContainerNumber('CSQU3054383'), true);
  assert.equal(isValidContainerNumber('csqu3054383'), true, 'case does not matter');
  assert.equal(isValidContainerNumber('CSQU3054384'), false);
  assert.equal(isValidContainerNumber('CSQA3054383'), false, 'category must be U, J or Z');
  assert.equal(isValidContainerNumber('MSCU1234565'), false, 'the check digit of MSCU123456 is 6');
  assert.throws(() => containerCheckDigit('CSQ1305438'), /not an ISO 6346/);
});

test('a remainder of 10 is written as check digit 0', () => {
  // Find a serial whose weighted sum is 10 mod 11 and check the 0 is accepted.
  let found = '';
  for (let n = 0; n < 1000 && !found; n++) {
    const prefix = `ABCU${String(n).padStart(6, '0')}`;
    let sum = 0;
    const values: Record<string, number> = { A: 10, B: 12, C: 13, U: 32 };
    for (let i = 0; i < 10; i++) sum += (i < 4 ? values[prefix[i]] : Number(prefix[i])) * 2 ** i;
    if (sum % 11 === 10) found = prefix;
  }
  assert.ok(found);
  assert.equal(containerCheckDigit(found), 0);
  assert.equal(isValidContainerNumber(found + '0'), true);
});

test('positional repairs are accepted only when the check digit then holds', () => {
  const zero = interpretContainerCandidate('CSQU3O54383');
  assert.equal(zero?.status, 'verified');
  assert.equal(zero?.code, 'CSQU3054383');
  assert.deepEqual(zero?.repairs, [{ position: 5, from: 'O', to: '0' }]);

  assert.equal(interpretContainerCandidate('C5QU3054383')?.code, 'CSQU3054383', '5 among the owner letters is S');
  assert.equal(interpretContainerCandidate('BM0U9668610')?.code, 'BMOU9668610', '0 among the owner letters is O');
  assert.equal(interpretContainerCandidate('CMAU98676I7')?.code, 'CMAU9867617', 'I in the serial is read as 1…');
  assert.equal(interpretContainerCandidate('CMAU98676I7')?.status, 'unverified', '…but CMAU9867617 fails its check digit');
  assert.equal(interpretContainerCandidate('CMAU986767Z')?.status, 'unverified', 'Z→2 gives a failing number: not accepted');
  assert.equal(interpretContainerCandidate('CMAU98G7677')?.code, 'CMAU9867677', 'G in the serial is 6');
  assert.equal(interpretContainerCandidate('8MOU9668610')?.code, 'BMOU9668610', '8 among the owner letters is B');
  assert.equal(interpretContainerCandidate('SEGZ396O8I5')?.code, 'SEGZ3960815', 'two repairs in the serial');
});

test('a failing number is reported as unverified, never as a container number', () => {
  const r = interpretContainerCandidate('CSQU3054384');
  assert.equal(r?.status, 'unverified');
  assert.equal(r && r.status === 'unverified' ? r.reason : '', 'check_digit_mismatch');
  const missing = interpretContainerCandidate('CSQU305438');
  assert.equal(missing?.status, 'unverified');
  assert.equal(missing && missing.status === 'unverified' ? missing.reason : '', 'missing_check_digit');
  // Not the shape of a container number at all.
  assert.equal(interpretContainerCandidate('HELLOWORLD1'), null);
  assert.equal(interpretContainerCandidate('1234567890A'), null);
  assert.equal(interpretContainerCandidate('C5Q03O5B3B3'), null, 'more than two replacements is guessing');
  assert.equal(interpretContainerCandidate('XGR05530371'), null, 'O/0 is not taken for the category U');
});

test('numbers are found on one line, spaced, and with the check digit apart', () => {
  const codes = (t: string) => findContainerNumbersInText(t).filter((r) => r.status === 'verified').map((r) => r.code);
  assert.deepEqual(codes('CSQU3054383'), ['CSQU3054383']);
  assert.deepEqual(codes('CSQU 305438 3'), ['CSQU3054383']);
  assert.deepEqual(codes('CSQU 305438 [3]'), ['CSQU3054383'], 'boxed check digit read with its box edges');
  assert.deepEqual(codes('CSQU 305438 |3|'), ['CSQU3054383']);
  assert.deepEqual(codes('CSQU-305438-3 22G1'), ['CSQU3054383']);
  assert.deepEqual(codes('407119.6'), []);
  // Two lines joined: owner code, then serial and check digit.
  const tokens = ['APZJ', '407119', '6'];
  assert.deepEqual(findContainerNumbersInTokens(tokens).filter((c) => c.reading.status === 'verified').map((c) => c.reading.code), ['APZJ4071196']);
  // A number is not cut out of the middle of a longer word.
  assert.deepEqual(codes('XCSQU3054383X'), []);
  // But a stray character glued to one end is tolerated, if the number needs no repair.
  assert.deepEqual(codes('1CSQU3054383'), ['CSQU3054383']);
  assert.deepEqual(codes('1CSQU3O54383'), []);
  // Seen on a degraded photo: "MAX GROSS 30537 KG" read as one word; its last 11 characters would
  // pass the check digit after repairs (XGR0→XGRU).
  assert.deepEqual(findContainerNumbersInText('MAXGR05530371 KG'), []);
});

test('ISO 6346 size-type codes', () => {
  assert.equal(parseSizeTypeCode('22G1'), '22G1');
  assert.equal(parseSizeTypeCode('45R1'), '45R1');
  assert.equal(parseSizeTypeCode('L5G1'), 'L5G1');
  assert.equal(parseSizeTypeCode('22RI'), '22R1', 'I read for 1');
  assert.equal(parseSizeTypeCode('4SG1'), '45G1', 'S read for 5');
  assert.equal(parseSizeTypeCode('QTY:'), null);
  assert.equal(parseSizeTypeCode('SEAL'), null);
  assert.equal(parseSizeTypeCode('22G12'), null);
});

test('an extra stroke in the serial is dropped only when exactly one drop verifies', () => {
  // A door bar across "1458 59 2" read as a digit: AXIU 14581592 for AXIU 1458592.
  const r = dropExtraStroke('AXIU14581592');
  assert.equal(r?.status, 'verified');
  assert.equal(r?.code, 'AXIU1458592');
  assert.deepEqual(r?.repairs, [{ position: 8, from: '1', to: '' }]);
  // Found among tokens too (owner code and serial read as separate words).
  assert.deepEqual(findContainerNumbersInText('AXIU 14581592').filter((c) => c.status === 'verified').map((c) => c.code), ['AXIU1458592']);
  // Only stroke-like characters are dropped: an extra 7 is not a bar.
  assert.equal(dropExtraStroke('AXIU14578592'), null);
  // Nothing to drop in a string of the wrong shape.
  assert.equal(dropExtraStroke('AX1U14581592'), null);
  assert.equal(dropExtraStroke('AXIU1458592'), null);
  // Two different drops that both verify: the check digit cannot tell which, so neither is taken.
  const ambiguous: string[] = [];
  for (let n = 0; n < 100000 && ambiguous.length === 0; n++) {
    const serial = String(n).padStart(6, '0');
    const prefix = 'MSCU' + serial;
    const code = prefix + containerCheckDigit(prefix);
    for (let i = 4; i <= 11; i++) {
      const twelve = code.slice(0, i) + '1' + code.slice(i);
      const distinct = new Set([...Array(8).keys()].map((k) => k + 4).filter((j) => twelve[j] === '1').map((j) => twelve.slice(0, j) + twelve.slice(j + 1)).filter(isValidContainerNumber));
      if (distinct.size > 1) ambiguous.push(twelve);
    }
  }
  assert.ok(ambiguous.length > 0);
  assert.equal(dropExtraStroke(ambiguous[0]), null, `${ambiguous[0]} has two verifying drops`);
});

test('full-width characters from the recogniser are read as ASCII', () => {
  // Upright characters stacked down a door post come back from the Chinese recogniser partly full-width.
  assert.deepEqual(tokenizeForContainer('ＳKＨＵ９５０２２4０'), ['SKHU9502240']);
  assert.deepEqual(findContainerNumbersInText('ＳKＨＵ９５０２２4０').map((c) => c.code), ['SKHU9502240']);
});
