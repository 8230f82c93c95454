// The targeting views read stored JSON (model figures, explanations, curves): these helpers must take what the server
// sends, shrug off damaged or partial data, draw the chart in the right place, and turn the settings form's
// percentages into the shares the API's own schema accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TargetingSettings } from '@rvi/contracts';
import {
  cleanCurve, contributionPoints, curveGeometry, explanationView, scoreDisplay, headlineFigures, modelFigures, percentText, selectionCounts, settingsFromPercent,
} from './figures.ts';

FormatRegistry.Set('date', () => true);

const m = (p10: number, auc: number) => ({ rows: 500, frauds: 60, p1: 0.9, p2: 0.85, p5: 0.8, p10, r5: 0.3, r10: 0.5, crit_r10: null, auc });

test('model figures: holdout and validation (with the previous model on the same window) as the registry stores them', () => {
  const stored = {
    holdout: { from: '2020-10-01', to: '2020-12-31', rows: 500, metrics: m(0.7, 0.85) },
    validation: { from: '2021-01-01', to: '2021-03-31', rows: 900, candidate: m(0.75, 0.88), active: m(0.72, 0.86) },
  };
  const f = modelFigures(stored);
  assert.equal(f.holdout?.metrics.p10, 0.7);
  assert.equal(f.holdout?.from, '2020-10-01');
  assert.equal(f.validation?.candidate.auc, 0.88);
  assert.equal(f.validation?.previous?.p10, 0.72);
  assert.equal(f.validation?.rows, 900);
  assert.equal(f.validation?.candidate.crit_r10, null, 'a missing figure stays missing, not 0');
  assert.deepEqual(headlineFigures(stored), { source: 'validation', metrics: f.validation!.candidate });

  // the first model has no previous one; a model trained without a validation window quotes its holdout
  assert.equal(modelFigures({ ...stored, validation: { ...stored.validation, active: null } }).validation?.previous, null);
  assert.equal(headlineFigures({ holdout: stored.holdout, validation: null })?.source, 'holdout');
});

test('model figures: damaged or partial JSON gives no figures rather than a crash or invented numbers', () => {
  for (const bad of [null, undefined, 'x', 42, [], {}, { holdout: 'x' }, { holdout: { metrics: null } }, { validation: { candidate: { p10: 'high' } } }]) {
    const f = modelFigures(bad);
    assert.equal(f.holdout, null, JSON.stringify(bad));
    assert.equal(f.validation, null, JSON.stringify(bad));
    assert.equal(headlineFigures(bad), null);
  }
  const partial = modelFigures({ holdout: { metrics: { p10: 0.5, auc: Infinity, p5: NaN } } });
  assert.equal(partial.holdout?.metrics.p10, 0.5);
  assert.equal(partial.holdout?.metrics.auc, null);
  assert.equal(partial.holdout?.metrics.p5, null);
  assert.equal(partial.holdout?.from, null);
});

test('explanation: up factors first (strongest first), then down; bar lengths relative to the strongest', () => {
  const v = explanationView({
    score: 0.83, baseScore: 0.12,
    up: [
      { group: 'unitValue', label: 'Unit value', input: 'price per kg 12.5', contribution: 0.4, features: [] },
      { group: 'hist:importer', label: 'Importer history', input: 'importer QLRUBN9', contribution: 1.6, features: [] },
    ],
    down: [{ group: 'key:origin', label: 'Origin', input: 'BE', contribution: -0.8, features: [] }],
  });
  assert.ok(v);
  assert.equal(v.score, 0.83);
  assert.equal(v.baseScore, 0.12);
  assert.deepEqual(v.factors.map((f) => [f.direction, f.label, f.magnitude]), [
    ['up', 'Importer history', 1], ['up', 'Unit value', 0.25], ['down', 'Origin', 0.5],
  ]);
  assert.equal(v.factors[0].input, 'importer QLRUBN9');
});

test('explanation: missing, empty or malformed parts are skipped; nothing left means no explanation', () => {
  assert.equal(explanationView(null), null);
  assert.equal(explanationView({ up: [], down: [] }), null);
  assert.equal(explanationView({ up: 'x', down: [null, 3, { label: 'zero', contribution: 0 }] }), null);
  const v = explanationView({
    up: [{ label: 'A', contribution: 0.5 }, { label: 'wrong side', contribution: -0.2 }, { label: 'NaN', contribution: Number.NaN }],
    down: [{ group: 'g', contribution: -0.25, input: 7 }],
  });
  assert.ok(v);
  assert.deepEqual(v.factors.map((f) => [f.direction, f.label, f.input]), [['up', 'A', ''], ['down', 'g', '']]);
  assert.equal(v.score, null);
});

test('precision curve: cleaned and sorted; log-scale x puts 1 % at the left edge, 50 % at the right, 10 % where log says', () => {
  const raw = [
    { share: 0.5, precision: 0.3, recall: 0.98 }, { share: 0.01, precision: 1, recall: 0.08 }, { share: 0.1, precision: 0.82, recall: 0.6 },
    { share: 0, precision: 1, recall: 0 }, { share: 0.2, precision: 'x', recall: 0.7 }, null, { share: 0.05, precision: 1.2, recall: -1 },
  ];
  const pts = cleanCurve(raw);
  assert.deepEqual(pts.map((p) => p.share), [0.01, 0.05, 0.1, 0.5]);
  assert.deepEqual([pts[1].precision, pts[1].recall], [1, 0], 'values clamped to [0, 1]');
  assert.deepEqual(cleanCurve('nope'), []);

  const box = { width: 640, height: 280, left: 48, right: 16, top: 14, bottom: 44 };
  const g = curveGeometry(pts, box);
  assert.equal(g.x(0.01), 48);
  assert.equal(g.x(0.5), 624);
  const expected10 = 48 + (Math.log(0.1 / 0.01) / Math.log(0.5 / 0.01)) * (624 - 48);
  assert.ok(Math.abs(g.x(0.1) - expected10) < 1e-9);
  assert.equal(g.y(0), 236);
  assert.equal(g.y(1), 14);
  assert.deepEqual(g.xTicks.map((tk) => tk.share), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]);
  assert.match(g.precisionPath, /^M48\.0,14\.0 L/);
  assert.equal(g.precisionPath.split(' ').length, 4);
  // one point: drawn in the middle, no division by zero
  const one = curveGeometry([{ share: 0.05, precision: 0.5, recall: 0.5 }], box);
  assert.equal(one.x(0.05), (48 + 624) / 2);
  assert.ok(!/NaN/.test(one.precisionPath));
});

test('settings form: percentages as typed become shares the contract accepts; bad input is named per field', () => {
  const ok = settingsFromPercent('5', '10');
  assert.deepEqual(ok.value, { inspectionRate: 0.05, randomShare: 0.1 });
  assert.ok(Value.Check(TargetingSettings, ok.value));
  assert.deepEqual(settingsFromPercent(' 2,5 % ', '0').value, { inspectionRate: 0.025, randomShare: 0 });
  assert.deepEqual(settingsFromPercent('100', '.5').value, { inspectionRate: 1, randomShare: 0.005 });
  assert.deepEqual(settingsFromPercent('', '10').problems, { inspectionRate: 'required' });
  assert.deepEqual(settingsFromPercent('abc', '-3').problems, { inspectionRate: 'notANumber', randomShare: 'notANumber' });
  assert.deepEqual(settingsFromPercent('150', '1e2').problems, { inspectionRate: 'range', randomShare: 'notANumber' });
  assert.equal(settingsFromPercent('150', '10').value, null);
  for (const [a, b] of [['0', '0'], ['0.1', '99.9'], ['33.333', '12.5']]) {
    const v = settingsFromPercent(a, b).value;
    assert.ok(v && Value.Check(TargetingSettings, v), `${a}/${b}`);
    // the form shows back what was typed
    assert.equal(percentText(v.inspectionRate), String(Number(a)));
    assert.equal(percentText(v.randomShare), String(Number(b)));
  }
});

test('selection counts by reason', () => {
  assert.deepEqual(selectionCounts([]), { risk: 0, random: 0 });
  assert.deepEqual(selectionCounts([{ reason: 'risk' }, { reason: 'risk' }, { reason: 'random' }, { reason: 'other' }]), { risk: 2, random: 1 });
});

test('score display: one decimal, two or a bound when rounding would show a certainty the model does not have', () => {
  const d = (v: number) => { const s = scoreDisplay(v); return `${s.prefix}${s.digits}`; };
  assert.equal(d(0.873), '1');
  assert.equal(d(0.996), '1'); // 99.6 %
  assert.equal(d(0.9996), '2'); // 99.96 %, not 100 %
  assert.equal(d(0.0004), '2'); // 0.04 %, not 0 %
  assert.equal(d(1), '1');
  assert.equal(d(0), '1');
  assert.deepEqual(scoreDisplay(0.99999), { value: 0.9999, digits: 2, prefix: '>' }); // "> 99.99 %"
  assert.deepEqual(scoreDisplay(0.000001), { value: 0.0001, digits: 2, prefix: '<' }); // "< 0.01 %"
});

test('explanation in percentage points: how far the score moves without the factor alone', () => {
  const v = explanationView({
    score: 0.83, baseScore: 0.12,
    up: [{ group: 'hist:importer', label: 'importer history', input: 'QLRUBN9', contribution: 1.6 }],
    down: [{ group: 'key:origin', label: 'same country of origin', input: 'BE', contribution: -0.8 }],
  })!;
  // 83 % with the importer's record; without it, the log-odds fall by 1.6 → 49.6 %: 33.4 points
  assert.equal(v.factors[0].points!.toFixed(1), '33.4');
  assert.equal(v.factors[0].group, 'hist:importer');
  // the origin lowers it: without it the score would be 91.6 %, so −8.6 points
  assert.equal(v.factors[1].points!.toFixed(1), '-8.6');
  assert.equal(contributionPoints(null, 1), null);
  assert.equal(contributionPoints(1, 1), null, 'a score of 100 % has no log-odds');
  // a small contribution near 50 % moves the score by about a quarter of it in probability
  assert.ok(Math.abs(contributionPoints(0.5, 0.04)! - 1) < 0.01);
});
