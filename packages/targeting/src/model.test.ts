import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readDeclarationsFile } from './csv.ts';
import { parseDay, type Declaration } from './declaration.ts';
import { TargetingError } from './errors.ts';
import { loadModel, evaluateModel, MODEL_FORMAT_VERSION } from './model.ts';
import { trainModel } from './train.ts';
import { sigmoid } from './gbdt.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';

const fixture = fileURLToPath(new URL('../test-fixtures/declarations-sample.csv', import.meta.url));
const rows = readDeclarationsFile(fixture, { requireLabels: true }).declarations;
const model = trainModel(rows, { now: () => new Date('2021-01-02T03:04:05Z'), params: { numRounds: 40 }, roundsWithoutHoldout: 40 });
const text = model.serialize();

const isCode = (code: string) => (e: unknown) => e instanceof TargetingError && e.code === code;

test('model records its provenance and learns the training data', () => {
  const info = model.info;
  assert.equal(info.trainedFrom, '2020-01-01');
  assert.equal(info.trainedTo, '2020-12-31');
  assert.equal(info.trainingRows, 748);
  assert.equal(info.createdAt, '2021-01-02T03:04:05.000Z');
  assert.ok(info.inSample && info.inSample.auc! > 0.7, `in-sample auc ${info.inSample?.auc}`);
  assert.equal(info.scoreReference.length, 1000);
  const t = model.channelThresholds(0.05);
  assert.ok(t.red >= t.yellow);
});

test('saved and loaded model scores identically, with the same id', () => {
  const back = loadModel(text);
  assert.deepEqual(back.score(rows), model.score(rows));
  assert.equal(back.id, model.id);
  assert.match(back.id, /^[0-9a-f]{16}$/);
  assert.equal(back.serialize(), text);
  const file = JSON.parse(text);
  assert.equal(file.formatVersion, MODEL_FORMAT_VERSION);
  assert.deepEqual(file.payload.features, model.features.map((f) => f.name));
  assert.equal(file.payload.info.trainedFrom, '2020-01-01');
});

test('corrupted, truncated or tampered model files are refused', () => {
  assert.throws(() => loadModel(text.slice(0, Math.floor(text.length / 2))), isCode('model_corrupt'));
  assert.throws(() => loadModel(''), /not valid JSON/);
  assert.throws(() => loadModel('[]'), isCode('model_corrupt'));
  // One changed digit in a tree value.
  const file = JSON.parse(text);
  file.payload.forest.value[3] = file.payload.forest.value[3] + 1e-9;
  assert.throws(() => loadModel(JSON.stringify(file)), /checksum does not match/);
  // Flipped byte inside the text.
  const i = text.indexOf('"cumN":[') + 9;
  const flipped = text.slice(0, i) + (text[i] === '1' ? '2' : '1') + text.slice(i + 1);
  assert.throws(() => loadModel(flipped), isCode('model_corrupt'));
  // Wrong version or format.
  assert.throws(() => loadModel(JSON.stringify({ ...JSON.parse(text), formatVersion: 99 })), isCode('model_version'));
  assert.throws(() => loadModel(JSON.stringify({ ...JSON.parse(text), format: 'other' })), isCode('model_corrupt'));
  // A consistent checksum over inconsistent content is still refused.
  const evil = JSON.parse(text);
  evil.payload.forest.left[evil.payload.forest.roots[0]] = 10 ** 9;
  evil.checksum = 'sha256:' + sha256Hex(canonicalJson(evil.payload));
  assert.throws(() => loadModel(JSON.stringify(evil)), /inconsistent/);
  const evil2 = JSON.parse(text);
  evil2.payload.encoder.history.importer.start.pop();
  evil2.checksum = 'sha256:' + sha256Hex(canonicalJson(evil2.payload));
  assert.throws(() => loadModel(JSON.stringify(evil2)), /inconsistent/);
});

test('explanations add up to the score and name the inputs', () => {
  for (const d of rows.slice(0, 20)) {
    const e = model.explain(d, 100);
    const [s] = model.score([d]);
    assert.ok(Math.abs(e.score - s) < 1e-12);
    const margin = Math.log(e.baseScore / (1 - e.baseScore)) + [...e.up, ...e.down].reduce((a, g) => a + g.contribution, 0);
    assert.ok(Math.abs(sigmoid(margin) - s) < 1e-9);
    for (const g of e.up) assert.ok(g.contribution > 0 && g.label && typeof g.input === 'string');
    for (const g of e.down) assert.ok(g.contribution < 0);
  }
  const top = model.explain(rows[0], 3);
  assert.ok(top.up.length <= 3 && top.down.length <= 3);
  const hsPrice = model.explain(rows[0], 100).up.concat(model.explain(rows[0], 100).down).find((g) => g.group === 'key:hsPrice');
  if (hsPrice) assert.match(hsPrice.input, /HS6 code 440890, item price 372254.4/);
});

test('feature importance shares add up to one', () => {
  const imp = model.featureImportance();
  assert.equal(imp.length, model.features.length);
  assert.ok(Math.abs(imp.reduce((s, f) => s + f.share, 0) - 1) < 1e-9);
  assert.ok(imp[0].gain >= imp[imp.length - 1].gain);
});

test('unlabelled, unknown, empty and extreme declarations score without failing', () => {
  const base = rows[5];
  const odd: Declaration[] = [
    { ...base, fraud: null, criticalFraud: null },
    { ...base, importerId: 'NEW', declarantId: '', sellerId: '', hs6: '', countryOfOrigin: 'XX', officeId: '' },
    { ...base, netMass: NaN, itemPrice: NaN, taxRate: NaN, date: '', day: NaN },
    { ...base, netMass: 0, itemPrice: Number.MAX_VALUE, taxRate: 1e308 },
    { ...base, date: '1900-01-01', day: parseDay('1900-01-01') },
  ];
  const s = model.score(odd);
  for (const v of s) assert.ok(v >= 0 && v <= 1, `score ${v}`);
  for (const d of odd) assert.ok(model.explain(d).score >= 0);
  const r = model.scoreRecords([{ 'Declaration ID': 'x', 'Net Mass': -3 }].map((x) => ({ ...x })) as never);
  assert.equal(r.scores.length, 1);
  assert.ok(r.problems.length > 0);
});

test('training refuses data without both classes or labels', () => {
  assert.throws(() => trainModel([]), isCode('no_labels'));
  assert.throws(() => trainModel(rows.map((d) => ({ ...d, fraud: null }))), isCode('no_labels'));
  assert.throws(() => trainModel(rows.map((d) => ({ ...d, fraud: 0 as const }))), isCode('no_labels'));
});

test('evaluateModel scores labelled declarations only', () => {
  const mixed = rows.slice(0, 300).map((d, i) => (i % 3 === 0 ? { ...d, fraud: null } : d));
  const m = evaluateModel(model, mixed);
  assert.equal(m.rows, 200);
  assert.equal(m.frauds, mixed.filter((d) => d.fraud === 1).length);
  assert.ok(m.auc !== null && m.auc > 0.5);
});

test('training is deterministic: same data, same trees and statistics', () => {
  const again = trainModel(rows, { now: () => new Date('2021-01-02T03:04:05Z'), params: { numRounds: 40 }, roundsWithoutHoldout: 40 });
  assert.deepEqual(again.forest.toJSON(), model.forest.toJSON());
  assert.deepEqual(again.encoder.state, model.encoder.state);
});
