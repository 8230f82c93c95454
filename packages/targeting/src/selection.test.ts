import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { selectForInspection, replaySelection, channelThresholds, channelFor, type ScoredItem } from './selection.ts';
import { readDeclarationsFile } from './csv.ts';
import { trainModel } from './train.ts';
import { createRng, shuffleInPlace } from './rng.ts';
import { TargetingError } from './errors.ts';

const items: ScoredItem[] = Array.from({ length: 1000 }, (_, i) => ({ id: `D${String(i).padStart(4, '0')}`, score: ((i * 7919) % 1000) / 1000 }));

test('most of the quota goes to the highest scores, the rest is drawn from the remainder', () => {
  const s = selectForInspection(items, { rate: 0.05, randomShare: 0.2, seed: 42 });
  assert.equal(s.quota, 50);
  assert.equal(s.riskQuota, 40);
  assert.equal(s.randomQuota, 10);
  const risk = s.selected.filter((x) => x.reason === 'risk');
  const random = s.selected.filter((x) => x.reason === 'random');
  assert.equal(risk.length, 40);
  assert.equal(random.length, 10);
  assert.deepEqual(risk.map((x) => x.rank), Array.from({ length: 40 }, (_, i) => i + 1));
  const minRisk = Math.min(...risk.map((x) => x.score));
  assert.ok(random.every((x) => x.score < minRisk && x.rank > 40));
  assert.equal(new Set(s.selected.map((x) => x.id)).size, 50);
  // Default random share is 10 %.
  assert.equal(selectForInspection(items, { rate: 0.1, seed: 1 }).randomQuota, 10);
});

test('a recorded seed replays the same selection, whatever the input order', () => {
  const s = selectForInspection(items, { rate: 0.03, seed: 'audit-2024-05-01-office-40' });
  const shuffled = [...items];
  shuffleInPlace(shuffled as unknown as number[], createRng(99));
  const r = replaySelection(shuffled, JSON.parse(JSON.stringify(s)));
  assert.ok(r.ok, r.mismatch);
  assert.deepEqual(r.replayed.selected, s.selected);
  // Another seed draws other random items (the risk part is the same).
  const other = selectForInspection(items, { rate: 0.03, seed: 'another' });
  assert.notDeepEqual(other.selected.filter((x) => x.reason === 'random'), s.selected.filter((x) => x.reason === 'random'));
  // Tampering with the record is detected.
  const forged = { ...s, selected: s.selected.map((x, i) => (i === s.selected.length - 1 ? { ...x, id: 'D9999' } : x)) };
  assert.equal(replaySelection(items, forged).ok, false);
  // Without a seed one is generated and recorded.
  const auto = selectForInspection(items, { rate: 0.03 });
  assert.equal(typeof auto.seed, 'string');
  assert.ok(replaySelection(items, auto).ok);
});

test('random picks are uniform over the remainder', () => {
  const counts = new Map<string, number>();
  for (let seed = 0; seed < 400; seed++) {
    for (const x of selectForInspection(items, { rate: 0.1, randomShare: 0.5, seed }).selected) {
      if (x.reason === 'random') counts.set(x.id, (counts.get(x.id) ?? 0) + 1);
    }
  }
  // 400 draws × 50 picks over 950 items: about 21 each.
  assert.ok(counts.size > 900);
  const values = [...counts.values()];
  assert.ok(Math.max(...values) < 45 && Math.min(...values) > 3, `${Math.min(...values)} .. ${Math.max(...values)}`);
});

test('edge cases and bad options', () => {
  assert.equal(selectForInspection([], { rate: 0.1, seed: 1 }).selected.length, 0);
  assert.equal(selectForInspection(items, { rate: 0, seed: 1 }).selected.length, 0);
  assert.equal(selectForInspection(items, { rate: 1, randomShare: 0, seed: 1 }).selected.length, 1000);
  const withNaN = selectForInspection([{ id: 'a', score: NaN }, { id: 'b', score: 0.1 }], { rate: 0.5, randomShare: 0, seed: 1 });
  assert.equal(withNaN.selected[0].id, 'b');
  const bad = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof TargetingError && e.code === 'invalid_argument');
  bad(() => selectForInspection(items, { rate: 1.5, seed: 1 }));
  bad(() => selectForInspection(items, { rate: 0.1, randomShare: -0.1, seed: 1 }));
  bad(() => selectForInspection(items, { rate: 0.1, seed: 1.5 }));
  bad(() => selectForInspection([{ id: 3 as unknown as string, score: 1 }], { rate: 0.1, seed: 1 }));
});

test('channel thresholds follow the inspection rate', () => {
  const scores = items.map((x) => x.score);
  const t = channelThresholds(scores, 0.05);
  const count = (c: string) => scores.filter((s) => channelFor(s, t) === c).length;
  assert.equal(count('red'), 50);
  assert.equal(count('yellow'), 50);
  assert.equal(count('green'), 900);
  const t2 = channelThresholds(scores, 0.1, 0.2);
  assert.equal(scores.filter((s) => channelFor(s, t2) === 'red').length, 100);
  assert.equal(scores.filter((s) => channelFor(s, t2) !== 'green').length, 300);
  assert.equal(channelThresholds(scores, 0).red, Infinity);
});

test('declarations scored, selected with a fixed seed and replayed', () => {
  const fixture = fileURLToPath(new URL('../test-fixtures/declarations-sample.csv', import.meta.url));
  const rows = readDeclarationsFile(fixture, { requireLabels: true }).declarations;
  const model = trainModel(rows.slice(0, 500), { params: { numRounds: 30 }, roundsWithoutHoldout: 30 });
  const incoming = rows.slice(500).map((d) => ({ ...d, fraud: null, criticalFraud: null }));
  const scores = model.score(incoming);
  const scored = incoming.map((d, i) => ({ id: d.declarationId, score: scores[i] }));
  const sel = selectForInspection(scored, { rate: 0.1, randomShare: 0.1, seed: 20240501 });
  assert.equal(sel.quota, 25);
  assert.ok(replaySelection([...scored].reverse(), sel).ok);
  // Scores are a pure function of the declaration: scoring one by one gives the same numbers.
  for (let i = 0; i < 20; i++) assert.equal(model.score([incoming[i]])[0], scores[i]);
});
