import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, precisionAt, recallAt, criticalRecallAt, evaluateScores, quotaFor } from './metrics.ts';

test('precision and recall at an inspection rate', () => {
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
  const fraud = [1, 0, 1, 1, 0, 0, 0, 1, 0, 0];
  assert.equal(precisionAt(scores, fraud, 0.1), 1);
  assert.equal(precisionAt(scores, fraud, 0.2), 0.5);
  assert.equal(precisionAt(scores, fraud, 0.4), 0.75);
  assert.equal(recallAt(scores, fraud, 0.4), 0.75);
  assert.equal(recallAt(scores, fraud, 1), 1);
  assert.equal(quotaFor(8134, 0.05), 407);
  assert.equal(quotaFor(3, 0.01), 1);
});

test('critical recall counts Critical Fraud = 2 only', () => {
  const scores = [5, 4, 3, 2, 1];
  const crit = [2, 1, 0, 2, 0];
  assert.equal(criticalRecallAt(scores, crit, 0.2), 0.5);
  assert.equal(criticalRecallAt(scores, crit, 0.8), 1);
  assert.ok(Number.isNaN(criticalRecallAt(scores, [0, 1, 0, 0, 0], 0.2)));
});

test('AUC with ties and degenerate labels', () => {
  assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(auc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
  assert.equal(auc([3, 2, 1], [1, 1, 0]), 1);
  assert.ok(Number.isNaN(auc([1, 2], [1, 1])));
  const m = evaluateScores([0.2, 0.9], [0, 1]);
  assert.equal(m.auc, 1);
  assert.equal(m.crit_r10, null);
});
