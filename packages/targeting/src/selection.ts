/**
 * Selection for inspection ("double random" targeting): most of the inspection quota goes to the
 * highest risk scores, a configured share is drawn uniformly at random from the rest. The random
 * part catches what the model does not know and keeps future training labels unbiased.
 *
 * The draw is a pure function of (items, rate, random share, seed): items are put in a canonical
 * order first (score descending, then id), so an auditor holding the same items and the recorded
 * seed replays exactly the same selection, whatever order the items come in.
 */
import { randomBytes } from 'node:crypto';
import { createRng } from './rng.ts';
import { quotaFor } from './metrics.ts';
import { TargetingError } from './errors.ts';

export const SELECTION_ALGORITHM = 'rvi-select-v1';

export interface ScoredItem {
  id: string;
  score: number;
}

export interface SelectionOptions {
  /** Share of items to inspect, 0..1 (e.g. 0.05). */
  rate: number;
  /** Share of the quota drawn at random from the items not selected by risk (default 0.1). */
  randomShare?: number;
  /** Seed of the random draw; generated (and recorded in the result) when omitted. */
  seed?: number | string;
}

export interface SelectedItem {
  id: string;
  score: number;
  /** 1-based position in the risk ranking of all items. */
  rank: number;
  reason: 'risk' | 'random';
}

/** Everything needed to replay and audit the draw. */
export interface Selection {
  algorithm: typeof SELECTION_ALGORITHM;
  seed: number | string;
  rate: number;
  randomShare: number;
  items: number;
  quota: number;
  riskQuota: number;
  randomQuota: number;
  /** Risk picks by rank, then random picks in draw order. */
  selected: SelectedItem[];
}

function checkShare(v: number, name: string): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new TargetingError('invalid_argument', `${name} must be a number between 0 and 1, got ${v}`);
}

/** Canonical risk order: score descending (NaN last), then id, then input position. */
function rankItems(items: readonly ScoredItem[]): Uint32Array {
  const order = new Uint32Array(items.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const s = Float64Array.from(items, (it) => (typeof it.score === 'number' && !Number.isNaN(it.score) ? it.score : -Infinity));
  return order.sort((a, b) => (s[b] - s[a]) || (items[a].id < items[b].id ? -1 : items[a].id > items[b].id ? 1 : a - b));
}

/** Picks the declarations to inspect. Throws `invalid_argument` for bad options or items. */
export function selectForInspection(items: readonly ScoredItem[], options: SelectionOptions): Selection {
  checkShare(options.rate, 'inspection rate');
  const randomShare = options.randomShare ?? 0.1;
  checkShare(randomShare, 'random share');
  const seed = options.seed ?? randomBytes(8).toString('hex');
  if (typeof seed !== 'string' && !(typeof seed === 'number' && Number.isSafeInteger(seed))) {
    throw new TargetingError('invalid_argument', 'seed must be a string or a safe integer');
  }
  for (const it of items) if (!it || typeof it.id !== 'string') throw new TargetingError('invalid_argument', 'every item needs a string id');

  const n = items.length;
  const quota = quotaFor(n, options.rate);
  const randomQuota = Math.min(quota, Math.round(quota * randomShare));
  const riskQuota = quota - randomQuota;
  const order = rankItems(items);
  const rankOf = new Uint32Array(n);
  for (let k = 0; k < n; k++) rankOf[order[k]] = k + 1;

  const selected: SelectedItem[] = [];
  for (let k = 0; k < riskQuota; k++) {
    const it = items[order[k]];
    selected.push({ id: it.id, score: it.score, rank: k + 1, reason: 'risk' });
  }
  // Uniform draw without replacement from the rest, in canonical order (partial Fisher–Yates).
  const rest = order.slice(riskQuota);
  const rng = createRng(seed);
  for (let k = 0; k < randomQuota; k++) {
    const j = k + rng.int(rest.length - k);
    const t = rest[k]; rest[k] = rest[j]; rest[j] = t;
    const it = items[rest[k]];
    selected.push({ id: it.id, score: it.score, rank: rankOf[rest[k]], reason: 'random' });
  }
  return { algorithm: SELECTION_ALGORITHM, seed, rate: options.rate, randomShare, items: n, quota, riskQuota, randomQuota, selected };
}

/**
 * Replays a recorded selection on the same items and reports whether it matches exactly
 * (same ids, reasons and order).
 */
export function replaySelection(items: readonly ScoredItem[], recorded: Selection): { ok: boolean; replayed: Selection; mismatch?: string } {
  if (recorded.algorithm !== SELECTION_ALGORITHM) {
    throw new TargetingError('invalid_argument', `cannot replay selection algorithm ${JSON.stringify(recorded.algorithm)}`);
  }
  const replayed = selectForInspection(items, { rate: recorded.rate, randomShare: recorded.randomShare, seed: recorded.seed });
  if (replayed.items !== recorded.items) return { ok: false, replayed, mismatch: `item count ${replayed.items} ≠ recorded ${recorded.items}` };
  if (replayed.selected.length !== recorded.selected.length) return { ok: false, replayed, mismatch: 'number of selected items differs' };
  for (let i = 0; i < replayed.selected.length; i++) {
    const a = replayed.selected[i], b = recorded.selected[i];
    if (a.id !== b.id || a.reason !== b.reason) return { ok: false, replayed, mismatch: `position ${i + 1}: ${a.id} (${a.reason}) ≠ recorded ${b.id} (${b.reason})` };
  }
  return { ok: true, replayed };
}

export type Channel = 'green' | 'yellow' | 'red';

export interface ChannelThresholds {
  /** Scores ≥ red go to the red channel (physical inspection). */
  red: number;
  /** Scores ≥ yellow (and < red) go to the yellow channel (document check). */
  yellow: number;
  inspectionRate: number;
  yellowRate: number;
}

/**
 * Score thresholds so that, on a reference distribution of scores (recent declarations, or a
 * model's holdout scores), the top `inspectionRate` share is red and the next
 * `yellowRate` share yellow (default: as many as red). Everything else is green.
 */
export function channelThresholds(referenceScores: ArrayLike<number>, inspectionRate: number, yellowRate = inspectionRate): ChannelThresholds {
  checkShare(inspectionRate, 'inspection rate');
  checkShare(yellowRate, 'yellow rate');
  const s = Float64Array.from(referenceScores as ArrayLike<number>).filter((v) => !Number.isNaN(v)).sort().reverse();
  if (s.length === 0) throw new TargetingError('invalid_argument', 'channel thresholds need at least one reference score');
  const at = (share: number) => {
    const k = quotaFor(s.length, Math.min(1, share));
    return k === 0 ? Infinity : s[k - 1];
  };
  const red = at(inspectionRate);
  const yellow = Math.min(red, at(Math.min(1, inspectionRate + yellowRate)));
  return { red, yellow, inspectionRate, yellowRate };
}

export function channelFor(score: number, t: Pick<ChannelThresholds, 'red' | 'yellow'>): Channel {
  if (score >= t.red) return 'red';
  if (score >= t.yellow) return 'yellow';
  return 'green';
}
