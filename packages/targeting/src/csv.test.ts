import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseDeclarationsCsv, parseDeclarationRecords, readDeclarationsFile, formatProblems } from './csv.ts';
import { FEATURE_COLUMNS, toRecord } from './declaration.ts';
import { TargetingError } from './errors.ts';

const fixture = fileURLToPath(new URL('../test-fixtures/declarations-sample.csv', import.meta.url));
const HEADER = 'Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud';
const ROW = '97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0';

test('reads the dataset file with typed values', () => {
  const p = readDeclarationsFile(fixture, { requireLabels: true });
  assert.equal(p.problems.length, 0);
  assert.equal(p.declarations.length, 748);
  assert.ok(p.hasLabels);
  const d = p.declarations[0];
  assert.equal(d.declarationId, '97061800');
  assert.equal(d.date, '2020-01-01');
  assert.equal(d.day, 18262);
  assert.equal(d.hs6, '440890');
  assert.equal(d.courierId, '');
  assert.equal(d.netMass, 108);
  assert.equal(d.itemPrice, 372254.4);
  assert.equal(d.fraud, 0);
  assert.equal(p.lines[0], 2);
});

test('a wrong header names every missing column', () => {
  const missing = HEADER.replace('Importer ID,', '').replace(',Net Mass', '');
  assert.throws(() => parseDeclarationsCsv(missing + '\n'), (e: unknown) =>
    e instanceof TargetingError && e.code === 'missing_columns' && /"Importer ID"/.test(e.message) && /"Net Mass"/.test(e.message));
  const noLabels = HEADER.replace(',Fraud,Critical Fraud', '');
  assert.equal(parseDeclarationsCsv(noLabels + '\n').hasLabels, false);
  assert.throws(() => parseDeclarationsCsv(noLabels + '\n', { requireLabels: true }), /missing column: "Fraud"/);
  assert.throws(() => parseDeclarationsCsv(''), /empty/);
  assert.throws(() => parseDeclarationsCsv('a;b;c\n1;2;3\n'), (e: unknown) => e instanceof TargetingError && (e.details as { missing: string[] }).missing.length === FEATURE_COLUMNS.length);
});

test('impossible values are reported by line and read as missing', () => {
  const rows = [
    ROW,
    ROW.replace('108.0', '-5'),                  // line 3: negative mass
    ROW.replace('372254.4', '-1'),               // line 4: negative price
    ROW.replace('2020-01-01', '2020-02-30'),     // line 5: no such date
    ROW.replace('2020-01-01', '01/02/2020'),     // line 6: wrong format
    ROW.replace('372254.4', '12abc'),            // line 7: not a number
    ROW.replace(',0,0', ',7,0'),                 // line 8: bad label
    ROW.split(',').slice(0, 20).join(','),       // line 9: short row
    ROW.replace('108.0', '').replace('0VKY2BR', ''), // line 10: empty cells are fine
  ];
  const p = parseDeclarationsCsv([HEADER, ...rows].join('\r\n') + '\r\n');
  const byLine = new Map<number, string[]>();
  for (const pr of p.problems) byLine.set(pr.line, [...(byLine.get(pr.line) ?? []), pr.message]);
  assert.deepEqual([...byLine.keys()].sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9]);
  assert.match(byLine.get(3)![0], /Net Mass is negative/);
  assert.match(byLine.get(4)![0], /Item Price is negative/);
  assert.match(byLine.get(5)![0], /Date is not a valid/);
  assert.match(byLine.get(7)![0], /Item Price is not a number/);
  assert.match(byLine.get(8)![0], /Fraud must be 0 or 1/);
  assert.match(byLine.get(9)![0], /expected 22 fields, found 20/);
  assert.equal(p.declarations.length, 9);
  assert.ok(Number.isNaN(p.declarations[1].netMass));
  assert.ok(Number.isNaN(p.declarations[3].day));
  assert.ok(Number.isNaN(p.declarations[8].netMass));
  assert.equal(p.declarations[8].sellerId, '');
  assert.match(formatProblems(p.problems), /^line 3: Net Mass is negative/);
  // Training needs labels on every line.
  const unlabelled = parseDeclarationsCsv([HEADER, ROW.replace(/,0,0$/, ',,')].join('\n'), { requireLabels: true });
  assert.match(unlabelled.problems[0].message, /Fraud label is empty/);
});

test('quoted fields, BOM, any column order and extra columns', () => {
  const cols = HEADER.split(',');
  const vals = ROW.split(',');
  const order = cols.map((_, i) => i).reverse();
  const text = '\uFEFF' + ['Note', ...order.map((i) => cols[i])].join(',') + '\n'
    + ['"a, ""quoted""\nnote"', ...order.map((i) => (cols[i] === 'Importer ID' ? '"IMP,1"' : vals[i]))].join(',') + '\n';
  const p = parseDeclarationsCsv(text);
  assert.equal(p.problems.length, 0);
  assert.deepEqual(p.ignoredColumns, ['Note']);
  assert.equal(p.declarations[0].importerId, 'IMP,1');
  assert.equal(p.declarations[0].itemPrice, 372254.4);
  assert.equal(p.lines[0], 2);
});

test('in-memory records: strings or numbers, same validation', () => {
  const [d] = readDeclarationsFile(fixture).declarations;
  const rec = { ...toRecord(d), 'Net Mass': 108, 'Item Price': 372254.4, 'Tax Rate': 0, 'HS6 Code': 71080 as unknown as string };
  const p = parseDeclarationRecords([rec, { ...rec, 'Net Mass': -1 }]);
  assert.equal(p.declarations[0].netMass, 108);
  assert.equal(p.declarations[0].hs6, '071080'); // a numeric HS code gets its leading zero back
  assert.deepEqual(p.problems.map((x) => x.line), [2]);
  assert.throws(() => parseDeclarationRecords([{ 'Declaration ID': '1' }]), /missing columns/);
  const roundTrip = parseDeclarationRecords([toRecord(d)]).declarations[0];
  assert.deepEqual(roundTrip, d);
});
