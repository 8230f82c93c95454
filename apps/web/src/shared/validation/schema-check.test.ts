// The web forms check input with the server's own contract schemas. This test holds the small checker to TypeBox's
// reference validator over many good and bad values, so the form never accepts what the server refuses (or the reverse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ArrivalNoticeInput, DeclarationInput, DeclarationListQuery, InspectionApplicationInput } from '@rvi/contracts';
import { checkObject, isValidDate, isValidDateTime } from './schema-check.ts';

FormatRegistry.Set('date', isValidDate);
FormatRegistry.Set('date-time', isValidDateTime);

const good = {
  declarationNo: 'D-0001', date: '2020-03-04', officeCode: '30', processType: 'B', importType: '11', importUse: '21',
  paymentType: '11', transportMode: '10', declarantCode: 'DECL001', importerCode: 'IMP0001', sellerCode: 'SELL001',
  courierCode: null, hs6: '851762', countryOfDeparture: 'CN', countryOfOrigin: 'CN', taxRate: 8, taxType: 'A',
  originIndicator: 'Y', netMassKg: 120.5, itemPrice: 3500000,
};

const declarationCases: [string, Record<string, unknown>][] = [
  ['valid', good],
  ['with description', { ...good, goodsDescription: 'Phones' }],
  ['seller null', { ...good, sellerCode: null }],
  ['hs6 five digits', { ...good, hs6: '85176' }],
  ['hs6 letters', { ...good, hs6: '85176A' }],
  ['lower-case country', { ...good, countryOfOrigin: 'cn' }],
  ['three-letter country', { ...good, countryOfOrigin: 'CHN' }],
  ['negative mass', { ...good, netMassKg: -1 }],
  ['zero mass', { ...good, netMassKg: 0 }],
  ['huge price', { ...good, itemPrice: 1e16 }],
  ['tax rate over 1000', { ...good, taxRate: 1001 }],
  ['impossible date', { ...good, date: '2020-02-30' }],
  ['leap day', { ...good, date: '2020-02-29' }],
  ['date with time', { ...good, date: '2020-02-03T00:00:00Z' }],
  ['missing declaration no', (({ declarationNo: _, ...r }) => r)(good)],
  ['empty declaration no', { ...good, declarationNo: '' }],
  ['declaration no with space', { ...good, declarationNo: 'D 1' }],
  ['declaration no too long', { ...good, declarationNo: 'D'.repeat(33) }],
  ['unknown field', { ...good, colour: 'red' }],
  ['price as string', { ...good, itemPrice: '12' }],
  ['description too long', { ...good, goodsDescription: 'x'.repeat(501) }],
];

test('declaration form checks agree with the contract schema', () => {
  for (const [name, value] of declarationCases) {
    const mine = Object.keys(checkObject(DeclarationInput, value)).length === 0;
    assert.equal(mine, Value.Check(DeclarationInput, value), name);
  }
});

test('problems name the field and the rule', () => {
  assert.deepEqual(checkObject(DeclarationInput, { ...good, hs6: '1234' }), { hs6: { code: 'pattern' } });
  assert.deepEqual(checkObject(DeclarationInput, { ...good, netMassKg: -2 }), { netMassKg: { code: 'minimum', params: { min: 0 } } });
  assert.deepEqual(checkObject(DeclarationInput, { ...good, date: '2021-13-01' }), { date: { code: 'format', params: { format: 'date' } } });
  assert.equal(checkObject(DeclarationInput, { ...good, declarationNo: undefined }).declarationNo.code, 'required');
  assert.equal(checkObject(DeclarationInput, { ...good, sellerCode: '' }).sellerCode.code, 'required');
});

test('arrival notice: ISO 6346 container numbers and instants', () => {
  const base = { expectedArrivalAt: '2030-01-02T08:00:00.000Z', location: 'Busan', containerNumbers: ['MSCU1234567'], goodsSummary: 'Phones' };
  const cases: [string, Record<string, unknown>][] = [
    ['valid', base],
    ['no containers', { ...base, containerNumbers: [] }],
    ['J category', { ...base, containerNumbers: ['MSCJ1234567'] }],
    ['bad category letter', { ...base, containerNumbers: ['MSCX1234567'] }],
    ['six digits', { ...base, containerNumbers: ['MSCU123456'] }],
    ['lower case', { ...base, containerNumbers: ['mscu1234567'] }],
    ['second one bad', { ...base, containerNumbers: ['MSCU1234567', 'AB1234567'] }],
    ['too many', { ...base, containerNumbers: Array.from({ length: 201 }, () => 'MSCU1234567') }],
    ['offset time', { ...base, expectedArrivalAt: '2030-01-02T08:00:00+08:00' }],
    ['no zone', { ...base, expectedArrivalAt: '2030-01-02T08:00:00' }],
    ['hour 25', { ...base, expectedArrivalAt: '2030-01-02T25:00:00Z' }],
    ['empty location', { ...base, location: '' }],
    ['missing summary', { ...base, goodsSummary: undefined }],
  ];
  for (const [name, v] of cases) {
    const value = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
    const mine = Object.keys(checkObject(ArrivalNoticeInput, value)).length === 0;
    assert.equal(mine, Value.Check(ArrivalNoticeInput, value), name);
  }
  assert.equal(checkObject(ArrivalNoticeInput, { ...base, containerNumbers: ['MSCU1234567', 'BAD1'] }).containerNumbers.params?.item, 'BAD1');
});

test('inspection application and list filters', () => {
  for (const v of [{ preferredMode: 'remote' }, { preferredMode: 'onsite', note: 'x' }, { preferredMode: 'drone' }, {}, { preferredMode: 'remote', note: 'x'.repeat(1001) }]) {
    assert.equal(Object.keys(checkObject(InspectionApplicationInput, v)).length === 0, Value.Check(InspectionApplicationInput, v), JSON.stringify(v).slice(0, 60));
  }
  for (const v of [{ hs6: '85' }, { hs6: '8' }, { hs6: '8517620' }, { countryOfOrigin: 'CN' }, { countryOfOrigin: 'C' }, { dateFrom: '2020-01-01' }, { dateTo: '2020-1-1' }, { status: 'filed' }, { status: 'lost' }, { q: 'x'.repeat(65) }]) {
    assert.equal(Object.keys(checkObject(DeclarationListQuery, v)).length === 0, Value.Check(DeclarationListQuery, v), JSON.stringify(v));
  }
});
