import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readDeclarationsFile } from './csv.ts';
import { parseDay, type Declaration } from './declaration.ts';
import { FeatureEncoder } from './features.ts';

const fixture = fileURLToPath(new URL('../test-fixtures/declarations-sample.csv', import.meta.url));
const sample = readDeclarationsFile(fixture, { requireLabels: true }).declarations;

function decl(over: Partial<Declaration>): Declaration {
  const base: Declaration = {
    declarationId: 'D', date: '2020-03-01', day: parseDay('2020-03-01'), officeId: '40', processType: 'B', importType: '11',
    importUse: '21', paymentType: '11', modeOfTransport: '10', declarantId: 'DEC', importerId: 'IMP', sellerId: 'SEL',
    courierId: '', hs6: '392690', countryOfDeparture: 'CN', countryOfOrigin: 'CN', taxRate: 8, taxType: 'A',
    originIndicator: 'Y', netMass: 10, itemPrice: 1000, fraud: 0, criticalFraud: 0,
  };
  const d = { ...base, ...over };
  if (over.date) d.day = parseDay(over.date);
  return d;
}

function column(enc: FeatureEncoder, m: { columns: Float64Array[] }, name: string): Float64Array {
  const i = enc.features.findIndex((f) => f.name === name);
  assert.ok(i >= 0, `feature ${name}`);
  return m.columns[i];
}

test('importer history counts only declarations dated strictly before, same day excluded', () => {
  const rows = [
    decl({ declarationId: 'a', date: '2020-01-10', fraud: 1 }),
    decl({ declarationId: 'b', date: '2020-01-20', fraud: 0 }),
    decl({ declarationId: 'c', date: '2020-01-20', fraud: 1 }), // same day as b: neither sees the other
    decl({ declarationId: 'd', date: '2020-02-01', fraud: 1 }),
    decl({ declarationId: 'e', date: '2020-01-05', fraud: 1 }), // out of date order in the input
    decl({ declarationId: 'x', date: '2020-01-15', importerId: 'OTHER', declarantId: 'OTHER', fraud: 1 }),
  ];
  const enc = FeatureEncoder.fit(rows);
  const m = enc.transformTraining(rows);
  const n = column(enc, m, 'hist:importer:n');
  const fr = column(enc, m, 'hist:importer:fraud');
  const gap = column(enc, m, 'hist:importer:gap');
  // a: only e (01-05) is earlier; b and c: e, a; d: e, a, b, c; e: nothing.
  assert.deepEqual([...n], [1, 2, 2, 4, 0, 0]);
  assert.deepEqual([...fr], [1, 2, 2, 3, 0, 0]);
  assert.deepEqual([...gap.slice(0, 4)], [5, 10, 10, 12]);
  assert.ok(Number.isNaN(gap[4]));
  // Scoring uses the same rule: a declaration dated before or on the first training day sees nothing.
  const s = enc.transform([decl({ date: '2020-01-05' }), decl({ date: '2020-01-20' }), decl({ date: '2021-06-01' })]);
  assert.deepEqual([...column(enc, s, 'hist:importer:n')], [0, 2, 5]);
  assert.deepEqual([...column(enc, s, 'hist:importer:fraud')], [0, 2, 4]);
});

test('history features on real declarations equal a brute-force count of earlier ones', () => {
  const enc = FeatureEncoder.fit(sample);
  const m = enc.transformTraining(sample);
  for (const who of ['importer', 'declarant'] as const) {
    const n = column(enc, m, `hist:${who}:n`);
    const fr = column(enc, m, `hist:${who}:fraud`);
    const id = (d: Declaration) => (who === 'importer' ? d.importerId : d.declarantId);
    sample.forEach((d, r) => {
      const earlier = sample.filter((o) => id(o) === id(d) && id(d) !== '' && o.day < d.day);
      assert.equal(n[r], earlier.length, `${who} n at row ${r}`);
      assert.equal(fr[r], earlier.reduce((s, o) => s + o.fraud!, 0), `${who} frauds at row ${r}`);
    });
  }
});

test("a training row's target statistics never use its own label (out-of-fold)", () => {
  const enc = FeatureEncoder.fit(sample);
  const m = enc.transformTraining(sample);
  const rateCols = enc.features.map((f, i) => [f.name, i] as const).filter(([name]) => name.startsWith('rate:') || name.startsWith('labelled:'));
  assert.ok(rateCols.length >= 10);
  for (const r of [0, 17, 101, 500]) {
    const flipped = sample.map((d, i) => (i === r ? { ...d, fraud: (1 - d.fraud!) as 0 | 1 } : d));
    const enc2 = FeatureEncoder.fit(flipped);
    const m2 = enc2.transformTraining(flipped);
    for (const [name, i] of rateCols) assert.equal(m2.columns[i][r], m.columns[i][r], `${name} of row ${r} changed with its own label`);
  }
  // …while the same flip does reach other rows sharing the key when they are in another fold.
  let changed = 0;
  const flipped = sample.map((d, i) => (i === 0 ? { ...d, fraud: (1 - d.fraud!) as 0 | 1 } : d));
  const m3 = FeatureEncoder.fit(flipped).transformTraining(flipped);
  for (const [, i] of rateCols) for (let r = 1; r < sample.length; r++) if (m3.columns[i][r] !== m.columns[i][r]) changed++;
  assert.ok(changed > 0);
});

test('unknown categories, empty cells and extreme numbers encode without failing', () => {
  const enc = FeatureEncoder.fit(sample);
  const odd = [
    decl({ importerId: 'NEVER-SEEN', declarantId: '', sellerId: '', officeId: 'ZZ', hs6: '', countryOfOrigin: '', taxType: '' }),
    decl({ netMass: NaN, itemPrice: NaN, taxRate: NaN, date: '' }),
    decl({ netMass: 0, itemPrice: 1e308, taxRate: 1e300 }),
    decl({ netMass: 5e-324, itemPrice: 0, hs6: '999999' }),
  ];
  odd[1].day = NaN;
  const m = enc.transform(odd);
  for (const col of m.columns) for (const v of col) assert.ok(Number.isNaN(v) || Number.isFinite(v), `value ${v}`);
  // Unseen importer: no history, labelled count 0, rate = prior.
  assert.equal(column(enc, m, 'hist:importer:n')[0], 0);
  assert.equal(column(enc, m, 'labelled:importer')[0], 0);
  assert.equal(column(enc, m, 'rate:importer')[0], enc.state.prior);
});

test('encoder state survives JSON and gives identical features', () => {
  const enc = FeatureEncoder.fit(sample);
  const back = FeatureEncoder.fromState(JSON.parse(JSON.stringify(enc.state)));
  const a = enc.transform(sample.slice(0, 100));
  const b = back.transform(sample.slice(0, 100));
  assert.deepEqual(b.columns, a.columns);
});
