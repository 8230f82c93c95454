import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceTicks } from './chart-scale.ts';

test('axis ticks: nice steps, distinct whole numbers for counts, covering the largest value', () => {
  assert.deepEqual(niceTicks(2, true), [0, 1, 2]);
  assert.deepEqual(niceTicks(20, true), [0, 5, 10, 15, 20]);
  assert.deepEqual(niceTicks(0, true), [0, 1]);
  assert.deepEqual(niceTicks(7, true), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(0.5, false), [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(1.333, false), [0, 0.5, 1, 1.5]);
  assert.deepEqual(niceTicks(1234, true), [0, 500, 1000, 1500]);
});
