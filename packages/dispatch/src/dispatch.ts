// Random, fair, replayable dispatch of inspection orders to inspectors.
//
// Rules (issue #4): a candidate for an order is an inspector of the order's office who is on duty that day, qualified
// for the goods category, under their daily capacity, not assigned to the same enterprise within the rotation window,
// and without a declared conflict of interest with the enterprise. Among candidates the choice is random, weighted
// towards lower current load. An order with no candidate stays unassigned with the reason; it is never assigned
// against the rules.
//
// Input and result are plain JSON so the server can store both (with the seed) in the audit log and replay the run
// later with `replayDispatch`. Determinism across Node versions: ids are compared by UTF-16 code units (never
// localeCompare, which depends on the ICU version), weights are integers, and the draw is an integer from the
// seeded xoshiro128** stream.

import { dateOfDay, dayNumber, isoWeekday } from './calendar.ts';
import { DomainValidationError, type Issue } from './errors.ts';
import { createRandom } from './prng.ts';
import { IssueList, checkArray, checkDate, checkId, checkInt, describe, isPlainObject } from './validate.ts';

export const DISPATCH_ALGORITHM = 'rvi-dispatch/1';

/** An order waiting for an inspector. */
export interface DispatchOrder {
  id: string;
  officeId: string;
  enterpriseId: string;
  /** Goods category; the inspector must hold this qualification. */
  category: string;
  /** Office-local calendar day the inspection is due, `YYYY-MM-DD`. */
  date: string;
  /** Goods have arrived (arrival notice confirmed) and are to be inspected on arrival: dispatched first. */
  inspectOnArrival?: boolean;
  /** Higher first, after inspect-on-arrival orders. Integer, default 0. */
  priority?: number;
}

/**
 * When an inspector is on duty: on `dates`, or on any date whose ISO weekday (1 = Monday … 7 = Sunday) is listed in
 * `weekdays`, except `offDates` (leave, sickness, training).
 */
export interface InspectorRoster {
  weekdays?: number[];
  dates?: string[];
  offDates?: string[];
}

export interface RecentAssignment {
  enterpriseId: string;
  date: string;
}

export interface DispatchInspector {
  id: string;
  officeId: string;
  qualifications: string[];
  roster: InspectorRoster;
  /** Maximum orders per day. */
  dailyCapacity: number;
  /** Orders already assigned per day before this run: `{ '2025-03-03': 2 }`. */
  load?: Record<string, number>;
  /** Earlier assignments, for the rotation rule. Only those within the rotation window matter. */
  recentAssignments?: RecentAssignment[];
  /** Enterprise ids with a declared conflict of interest. */
  conflicts?: string[];
}

export interface DispatchRules {
  /**
   * Rotation window in days: an inspector never gets two orders of the same enterprise whose dates are fewer than
   * this many days apart (the window is symmetric, so it holds whatever order the run processes dates in). 0 disables
   * rotation; 1 forbids two orders of one enterprise to one inspector on the same day.
   */
  rotationDays: number;
  /**
   * How strongly the draw prefers lightly loaded inspectors: a candidate's weight is
   * `floor(65536 / (1 + load − minLoad)^exponent)` (at least 1), where load counts that inspector's orders on the
   * order's day and minLoad is the lowest among the candidates. 0 = uniform. Integer 0–8, default 4: one order
   * above the least loaded weighs 1/16, two above 1/81. The draw stays uniform among the least-loaded candidates
   * (usually many), which is what makes the assignment unpredictable; lower exponents spread load less evenly
   * (bench: load CV 0.42 at 0, 0.17 at 2, 0.135 at 3, 0.12 at 4, 0.11 at 6).
   */
  loadWeightExponent?: number;
  /**
   * When no inspector can take an order on its day, try each of the next `lookaheadDays` days in turn and plan it on
   * the first one with a candidate (the inspector's duty, capacity and rotation on that day decide). 0 or absent:
   * the order stays on its day (runs recorded before look-ahead existed replay unchanged).
   */
  lookaheadDays?: number;
}

export interface DispatchInput {
  orders: DispatchOrder[];
  inspectors: DispatchInspector[];
  rules: DispatchRules;
}

/** The rules that can eliminate an inspector of the right office, in the order they are checked. */
export const ELIMINATION_RULES = ['unqualified', 'off_duty', 'conflict_of_interest', 'rotation', 'at_capacity'] as const;
export type EliminationRule = (typeof ELIMINATION_RULES)[number];
export type EliminationCounts = Record<EliminationRule, number>;

const RULE_LABEL: Record<EliminationRule, string> = {
  off_duty: 'off duty',
  unqualified: 'not qualified',
  conflict_of_interest: 'conflict of interest',
  rotation: 'rotation',
  at_capacity: 'at capacity',
};

/** Candidates with the same load on the order's day, and the weight each of them had in the draw. */
export interface LoadLevel {
  /** Orders on the order's day at the moment of the draw (earlier load plus this run's assignments so far). */
  load: number;
  /** Weight of each inspector at this level. */
  weight: number;
  inspectorIds: string[];
}

export interface AssignedOrder {
  orderId: string;
  status: 'assigned';
  inspectorId: string;
  date: string;
  /** 0-based position in the processing order. */
  position: number;
  explanation: {
    /**
     * Set when the order was planned onto a later day: its own day, and why nobody could take it on each day tried
     * before the one chosen.
     */
    deferredFrom?: string;
    skippedDays?: { date: string; eliminated: EliminationCounts }[];
    /** Inspectors of the order's office. */
    officeInspectors: number;
    /** Office inspectors eliminated, each counted under the first rule it failed (checked in ELIMINATION_RULES order). */
    eliminated: EliminationCounts;
    candidates: number;
    /**
     * Every candidate, grouped by load (lowest first) with its weight. Grouped rather than one entry per candidate
     * to keep audit records small (about half the size).
     */
    loadLevels: LoadLevel[];
    totalWeight: number;
    /**
     * The integer drawn uniformly from [0, totalWeight). The draw walks all candidates in id order (code-unit
     * order), each covering `weight` values; the chosen inspector is the one whose span contains the draw.
     */
    draw: number;
  };
}

export type UnassignedReason = 'no_inspectors_in_office' | 'no_candidates';

export interface UnassignedOrder {
  orderId: string;
  status: 'unassigned';
  date: string;
  position: number;
  reason: UnassignedReason;
  /** Rules that eliminated at least one inspector, most eliminations first. */
  blockingRules: EliminationRule[];
  message: string;
  explanation: {
    officeInspectors: number;
    eliminated: EliminationCounts;
    candidates: 0;
    /** With look-ahead: the later days tried as well (each with no candidate). */
    triedDays?: { date: string; eliminated: EliminationCounts }[];
  };
}

export type OrderDispatch = AssignedOrder | UnassignedOrder;

export interface DispatchResult {
  algorithm: typeof DISPATCH_ALGORITHM;
  seed: string;
  /** Rules as applied, defaults filled in. */
  rules: { rotationDays: number; loadWeightExponent: number; lookaheadDays?: number };
  /** One entry per order, in processing order. */
  orders: OrderDispatch[];
  summary: { orders: number; assigned: number; unassigned: number; unassignedByRule: EliminationCounts & { no_inspectors_in_office: number } };
}

const WEIGHT_SCALE = 65536;
const LIMITS = { orders: 100_000, inspectors: 50_000, listEntries: 10_000, rotationDays: 3660, capacity: 1000, lookaheadDays: 60 };

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** Checks the shape of a dispatch input. Returns every problem found (up to 100), each naming its field. */
export function validateDispatchInput(input: unknown): Issue[] {
  const issues = new IssueList();
  if (!isPlainObject(input)) {
    issues.add('input', `must be an object with orders, inspectors and rules, got ${describe(input)}`);
    return issues.issues;
  }
  const rules = input.rules;
  if (!isPlainObject(rules)) issues.add('rules', `must be an object, got ${describe(rules)}`);
  else {
    checkInt(issues, 'rules.rotationDays', rules.rotationDays, 0, LIMITS.rotationDays);
    if (rules.loadWeightExponent !== undefined) checkInt(issues, 'rules.loadWeightExponent', rules.loadWeightExponent, 0, 8);
    if (rules.lookaheadDays !== undefined) checkInt(issues, 'rules.lookaheadDays', rules.lookaheadDays, 0, LIMITS.lookaheadDays);
  }

  if (checkArray(issues, 'orders', input.orders, LIMITS.orders)) {
    const seen = new Set<string>();
    input.orders.forEach((o, i) => {
      if (issues.full) return;
      const p = `orders[${i}]`;
      if (!isPlainObject(o)) return issues.add(p, `must be an object, got ${describe(o)}`);
      if (checkId(issues, `${p}.id`, o.id)) {
        if (seen.has(o.id)) issues.add(`${p}.id`, `duplicate order id ${JSON.stringify(o.id)}`);
        seen.add(o.id);
      }
      checkId(issues, `${p}.officeId`, o.officeId);
      checkId(issues, `${p}.enterpriseId`, o.enterpriseId);
      checkId(issues, `${p}.category`, o.category);
      checkDate(issues, `${p}.date`, o.date);
      if (o.inspectOnArrival !== undefined && typeof o.inspectOnArrival !== 'boolean') {
        issues.add(`${p}.inspectOnArrival`, `must be true or false, got ${describe(o.inspectOnArrival)}`);
      }
      if (o.priority !== undefined) checkInt(issues, `${p}.priority`, o.priority, -1000, 1000);
    });
  }

  if (checkArray(issues, 'inspectors', input.inspectors, LIMITS.inspectors)) {
    const seen = new Set<string>();
    input.inspectors.forEach((x, i) => {
      if (issues.full) return;
      const p = `inspectors[${i}]`;
      if (!isPlainObject(x)) return issues.add(p, `must be an object, got ${describe(x)}`);
      if (checkId(issues, `${p}.id`, x.id)) {
        if (seen.has(x.id)) issues.add(`${p}.id`, `duplicate inspector id ${JSON.stringify(x.id)}`);
        seen.add(x.id);
      }
      checkId(issues, `${p}.officeId`, x.officeId);
      if (checkArray(issues, `${p}.qualifications`, x.qualifications, LIMITS.listEntries)) {
        x.qualifications.forEach((q, j) => checkId(issues, `${p}.qualifications[${j}]`, q));
      }
      checkInt(issues, `${p}.dailyCapacity`, x.dailyCapacity, 0, LIMITS.capacity);
      const r = x.roster;
      if (!isPlainObject(r)) issues.add(`${p}.roster`, `must be an object with weekdays, dates and/or offDates, got ${describe(r)}`);
      else {
        if (r.weekdays !== undefined && checkArray(issues, `${p}.roster.weekdays`, r.weekdays, 7)) {
          r.weekdays.forEach((w, j) => checkInt(issues, `${p}.roster.weekdays[${j}]`, w, 1, 7));
        }
        for (const k of ['dates', 'offDates'] as const) {
          const list = r[k];
          if (list !== undefined && checkArray(issues, `${p}.roster.${k}`, list, LIMITS.listEntries)) {
            list.forEach((d, j) => checkDate(issues, `${p}.roster.${k}[${j}]`, d));
          }
        }
      }
      if (x.load !== undefined) {
        if (!isPlainObject(x.load)) issues.add(`${p}.load`, `must be an object mapping YYYY-MM-DD to a count, got ${describe(x.load)}`);
        else {
          for (const [d, n] of Object.entries(x.load)) {
            checkDate(issues, `${p}.load[${JSON.stringify(d)}]`, d);
            checkInt(issues, `${p}.load[${JSON.stringify(d)}]`, n, 0, LIMITS.capacity);
          }
        }
      }
      if (x.recentAssignments !== undefined && checkArray(issues, `${p}.recentAssignments`, x.recentAssignments, LIMITS.listEntries)) {
        x.recentAssignments.forEach((a, j) => {
          const q = `${p}.recentAssignments[${j}]`;
          if (!isPlainObject(a)) return issues.add(q, `must be an object {enterpriseId, date}, got ${describe(a)}`);
          checkId(issues, `${q}.enterpriseId`, a.enterpriseId);
          checkDate(issues, `${q}.date`, a.date);
        });
      }
      if (x.conflicts !== undefined && checkArray(issues, `${p}.conflicts`, x.conflicts, LIMITS.listEntries)) {
        x.conflicts.forEach((c, j) => checkId(issues, `${p}.conflicts[${j}]`, c));
      }
    });
  }
  return issues.issues;
}

// ---------------------------------------------------------------------------------------------------------------
// Dispatch

/** Code-unit string order: the same on every engine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The order in which orders are dispatched: inspect-on-arrival first, then higher priority, then earlier date, then
 * id. Earlier orders get the wider choice of inspectors, so arrived goods are never starved by routine work.
 */
export function compareDispatchOrder(a: DispatchOrder, b: DispatchOrder): number {
  const arrA = a.inspectOnArrival === true ? 0 : 1;
  const arrB = b.inspectOnArrival === true ? 0 : 1;
  if (arrA !== arrB) return arrA - arrB;
  const pA = a.priority ?? 0;
  const pB = b.priority ?? 0;
  if (pA !== pB) return pB - pA;
  if (a.date !== b.date) return compareIds(a.date, b.date); // YYYY-MM-DD sorts as text
  return compareIds(a.id, b.id);
}

/** Weight of a candidate whose load exceeds the least-loaded candidate's by `excess`. Integer, at least 1. */
export function candidateWeight(excess: number, exponent: number): number {
  let denom = 1;
  for (let i = 0; i < exponent; i++) denom *= 1 + excess; // integer product: exact up to 2^53
  return Math.max(1, Math.floor(WEIGHT_SCALE / denom));
}

interface InspectorState {
  src: DispatchInspector;
  weekdays: Set<number>;
  dates: Set<number>;
  offDates: Set<number>;
  qualifications: Set<string>;
  conflicts: Set<string>;
  /** day → orders that day (initial load plus this run). */
  load: Map<number, number>;
  /** enterpriseId → days with an assignment (recent plus this run). */
  byEnterprise: Map<string, number[]>;
}

function prepareInspector(x: DispatchInspector): InspectorState {
  const days = (list: string[] | undefined) => new Set((list ?? []).map((d) => dayNumber(d) as number));
  const load = new Map<number, number>();
  for (const [d, n] of Object.entries(x.load ?? {})) load.set(dayNumber(d) as number, n);
  const byEnterprise = new Map<string, number[]>();
  for (const a of x.recentAssignments ?? []) {
    const list = byEnterprise.get(a.enterpriseId) ?? [];
    list.push(dayNumber(a.date) as number);
    byEnterprise.set(a.enterpriseId, list);
  }
  return {
    src: x,
    weekdays: new Set(x.roster.weekdays ?? []),
    dates: days(x.roster.dates),
    offDates: days(x.roster.offDates),
    qualifications: new Set(x.qualifications),
    conflicts: new Set(x.conflicts ?? []),
    load,
    byEnterprise,
  };
}

/** Inspectors of one office qualified for one category, and of those the ones on duty per day (filled lazily). */
interface Pool {
  able: InspectorState[];
  onDuty: Map<number, InspectorState[]>;
}

function emptyCounts(): EliminationCounts {
  return { unqualified: 0, off_duty: 0, conflict_of_interest: 0, rotation: 0, at_capacity: 0 };
}

function isOnDuty(s: InspectorState, day: number, weekday: number): boolean {
  return !s.offDates.has(day) && (s.dates.has(day) || s.weekdays.has(weekday));
}

/**
 * The first dynamic rule that rules out a qualified, on-duty inspector for (enterprise, day), or null for a
 * candidate. Qualification and duty are static for a run and handled by the (office, category, day) index.
 */
function eliminate(s: InspectorState, enterpriseId: string, day: number, rotationDays: number): EliminationRule | null {
  if (s.conflicts.has(enterpriseId)) return 'conflict_of_interest';
  if (rotationDays > 0) {
    const days = s.byEnterprise.get(enterpriseId);
    if (days) for (const d of days) if (Math.abs(d - day) < rotationDays) return 'rotation';
  }
  if ((s.load.get(day) ?? 0) >= s.src.dailyCapacity) return 'at_capacity';
  return null;
}

/**
 * Dispatches every order to an inspector of its office, or leaves it unassigned with the reason.
 * Deterministic in (input, seed): the same pair always gives the same result, which `replayDispatch` relies on.
 * Throws DomainValidationError (code `validation_failed`) listing every bad field. Does not modify `input`.
 */
export function dispatch(input: DispatchInput, seed: string): DispatchResult {
  const issues = validateDispatchInput(input);
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 512) {
    issues.push({ path: 'seed', message: 'must be a non-empty string of at most 512 characters' });
  }
  if (issues.length) throw new DomainValidationError('dispatch input', issues);

  const rotationDays = input.rules.rotationDays;
  const exponent = input.rules.loadWeightExponent ?? 4;
  const lookaheadDays = input.rules.lookaheadDays ?? 0;
  const random = createRandom(seed);

  // Office → inspectors in id order, so the result does not depend on the order rows came out of the database.
  // Then (office, category) → the qualified ones, and (office, category, day) → the qualified ones on duty, built on
  // first use: each order only examines the inspectors that could possibly take it.
  const byOffice = new Map<string, InspectorState[]>();
  const qualified = new Map<string, Map<string, Pool>>();
  for (const x of [...input.inspectors].sort((a, b) => compareIds(a.id, b.id))) {
    const s = prepareInspector(x);
    const list = byOffice.get(x.officeId) ?? [];
    list.push(s);
    byOffice.set(x.officeId, list);
    let byCategory = qualified.get(x.officeId);
    if (!byCategory) qualified.set(x.officeId, (byCategory = new Map()));
    for (const q of s.qualifications) {
      let pool = byCategory.get(q);
      if (!pool) byCategory.set(q, (pool = { able: [], onDuty: new Map() }));
      pool.able.push(s);
    }
  }

  const sorted = [...input.orders].sort(compareDispatchOrder);
  const out: OrderDispatch[] = [];
  const unassignedByRule = { ...emptyCounts(), no_inspectors_in_office: 0 };
  let assigned = 0;
  const candidates: InspectorState[] = [];

  for (let position = 0; position < sorted.length; position++) {
    const order = sorted[position];
    const firstDay = dayNumber(order.date) as number;
    const office = byOffice.get(order.officeId) ?? [];
    const pool = qualified.get(order.officeId)?.get(order.category);
    const able = pool ? pool.able : [];
    // The order's own day first, then (with look-ahead) each later day until one has a candidate.
    const tried: { date: string; eliminated: EliminationCounts }[] = [];
    let day = firstDay;
    let eliminated = emptyCounts();
    for (let offset = 0; offset <= (office.length ? lookaheadDays : 0); offset++) {
      day = firstDay + offset;
      let present = pool ? pool.onDuty.get(day) : [];
      if (!present) {
        const weekday = isoWeekday(day);
        present = able.filter((s) => isOnDuty(s, day, weekday));
        pool!.onDuty.set(day, present);
      }
      eliminated = emptyCounts();
      eliminated.unqualified = office.length - able.length;
      eliminated.off_duty = able.length - present.length;
      candidates.length = 0;
      for (const s of present) {
        const rule = eliminate(s, order.enterpriseId, day, rotationDays);
        if (rule) eliminated[rule]++;
        else candidates.push(s);
      }
      if (candidates.length > 0) break;
      tried.push({ date: dateOfDay(day), eliminated });
      // Nobody in the office is qualified: no later day can change that.
      if (able.length === 0) break;
    }

    if (candidates.length === 0) {
      // Report the order's own day (the reason people recognise); the later days tried come with it.
      eliminated = tried[0]?.eliminated ?? eliminated;
      const reason: UnassignedReason = office.length === 0 ? 'no_inspectors_in_office' : 'no_candidates';
      const blockingRules = ELIMINATION_RULES.filter((r) => eliminated[r] > 0).sort((a, b) => eliminated[b] - eliminated[a]);
      if (reason === 'no_inspectors_in_office') unassignedByRule.no_inspectors_in_office++;
      else unassignedByRule[blockingRules[0]]++;
      const counts = blockingRules.map((r) => `${RULE_LABEL[r]} ${eliminated[r]}`).join(', ');
      // Runs recorded before look-ahead existed carry the older wording (with the office id): keep it for them, so
      // they replay unchanged; newer runs say it in words a supervisor reads (the UI translates from the counts).
      const message = input.rules.lookaheadDays === undefined
        ? (reason === 'no_inspectors_in_office'
          ? `no inspectors in office ${order.officeId}`
          : `no eligible inspector among ${office.length} in office ${order.officeId}: ${counts}`)
        : (reason === 'no_inspectors_in_office'
          ? 'no inspectors in the office'
          : `no eligible inspector among ${office.length} in the office on ${order.date}` +
            (tried.length > 1 ? ` or the next ${tried.length - 1} day(s)` : '') + `: ${counts}`);
      out.push({
        orderId: order.id,
        status: 'unassigned',
        date: order.date,
        position,
        reason,
        blockingRules,
        message,
        explanation: { officeInspectors: office.length, eliminated, candidates: 0, ...(tried.length > 1 ? { triedDays: tried.slice(1) } : {}) },
      });
      continue;
    }

    let minLoad = Infinity;
    for (const s of candidates) minLoad = Math.min(minLoad, s.load.get(day) ?? 0);
    const weights: number[] = [];
    const levels = new Map<number, LoadLevel>();
    let totalWeight = 0;
    for (const s of candidates) {
      const load = s.load.get(day) ?? 0;
      const weight = candidateWeight(load - minLoad, exponent);
      weights.push(weight);
      totalWeight += weight;
      const level = levels.get(load);
      if (level) level.inspectorIds.push(s.src.id);
      else levels.set(load, { load, weight, inspectorIds: [s.src.id] });
    }
    const loadLevels = [...levels.values()].sort((a, b) => a.load - b.load);
    // totalWeight ≤ 65536 × 50,000 inspectors < 2^32, within nextInt's range.
    const draw = random.nextInt(totalWeight);
    let acc = 0;
    let chosen = candidates.length - 1;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (draw < acc) {
        chosen = i;
        break;
      }
    }
    const s = candidates[chosen];
    s.load.set(day, (s.load.get(day) ?? 0) + 1);
    const days = s.byEnterprise.get(order.enterpriseId);
    if (days) days.push(day);
    else s.byEnterprise.set(order.enterpriseId, [day]);
    assigned++;
    out.push({
      orderId: order.id,
      status: 'assigned',
      inspectorId: s.src.id,
      date: day === firstDay ? order.date : dateOfDay(day),
      position,
      explanation: {
        ...(day === firstDay ? {} : { deferredFrom: order.date, skippedDays: tried }),
        officeInspectors: office.length, eliminated, candidates: candidates.length, loadLevels, totalWeight, draw,
      },
    });
  }

  return {
    algorithm: DISPATCH_ALGORITHM,
    seed,
    rules: { rotationDays, loadWeightExponent: exponent, ...(input.rules.lookaheadDays !== undefined ? { lookaheadDays } : {}) },
    orders: out,
    summary: { orders: out.length, assigned, unassigned: out.length - assigned, unassignedByRule },
  };
}

/**
 * Every rule one inspector fails for one order on one day (not only the first, as dispatch counts them): what a
 * supervisor assigning by hand must see, and what decides whether an override is possible (conflict of interest
 * never is). An inspector of another office fails everything: callers only pass the office's inspectors.
 */
export function inspectorFailures(x: DispatchInspector, order: DispatchOrder, rules: DispatchRules): EliminationRule[] {
  const s = prepareInspector(x);
  const day = dayNumber(order.date) as number;
  const out: EliminationRule[] = [];
  if (!s.qualifications.has(order.category)) out.push('unqualified');
  if (!isOnDuty(s, day, isoWeekday(day))) out.push('off_duty');
  if (s.conflicts.has(order.enterpriseId)) out.push('conflict_of_interest');
  if (rules.rotationDays > 0 && (s.byEnterprise.get(order.enterpriseId) ?? []).some((d) => Math.abs(d - day) < rules.rotationDays)) out.push('rotation');
  if ((s.load.get(day) ?? 0) >= x.dailyCapacity) out.push('at_capacity');
  return out;
}

/** Convenience: orderId → inspectorId for the assigned orders of a result. */
export function assignmentsOf(result: DispatchResult): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of result.orders) if (o.status === 'assigned') m.set(o.orderId, o.inspectorId);
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Replay

export interface ReplayDifference {
  /** JSON path into the result, e.g. `orders[12].inspectorId`. */
  path: string;
  recorded: unknown;
  replayed: unknown;
}

export interface ReplayOutcome {
  same: boolean;
  /** At most 100 differences, in result order. */
  differences: ReplayDifference[];
  /** True when there were more differences than listed. */
  truncated: boolean;
  replayed: DispatchResult | null;
  /** Set when the recorded input could not be dispatched at all (e.g. it fails validation). */
  error?: { code: string; message: string };
}

const MAX_DIFFERENCES = 100;

/**
 * Recomputes a recorded dispatch run from its recorded input and seed and compares it, field by field, with the
 * recorded result. Never throws on a malformed or tampered record: that is reported as a difference or an error.
 */
export function replayDispatch(recordedInput: unknown, seed: string, recordedResult: unknown): ReplayOutcome {
  let replayed: DispatchResult;
  try {
    replayed = dispatch(recordedInput as DispatchInput, seed);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return {
      same: false,
      differences: [],
      truncated: false,
      replayed: null,
      error: { code: err.code ?? 'replay_failed', message: err.message ?? String(e) },
    };
  }
  const differences: ReplayDifference[] = [];
  let truncated = false;
  const add = (path: string, recorded: unknown, again: unknown) => {
    if (differences.length < MAX_DIFFERENCES) differences.push({ path, recorded, replayed: again });
    else truncated = true;
  };
  // The result holds only JSON values (no undefined, no class instances), so it compares directly with a record
  // read back from a JSON or JSONB column; key order does not matter (JSONB reorders keys).
  diffJson('', recordedResult, replayed, add);
  return { same: differences.length === 0 && !truncated, differences, truncated, replayed };
}

/** Deep equality of JSON values, key order ignored; no allocation, so equal subtrees are cheap to skip. */
function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalJson(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    let n = 0;
    for (const k in a) {
      if (!Object.hasOwn(a, k)) continue;
      n++;
      if (!Object.hasOwn(b, k) || !equalJson(a[k], b[k])) return false;
    }
    let m = 0;
    for (const k in b) if (Object.hasOwn(b, k)) m++;
    return n === m;
  }
  return false;
}

function diffJson(path: string, a: unknown, b: unknown, add: (p: string, a: unknown, b: unknown) => void): void {
  if (equalJson(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) add(path ? `${path}.length` : 'length', a.length, b.length);
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!equalJson(a[i], b[i])) diffJson(`${path}[${i}]`, a[i], b[i], add);
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort(compareIds)) {
      const p = path ? `${path}.${k}` : k;
      if (!Object.hasOwn(a, k)) add(p, undefined, b[k]);
      else if (!Object.hasOwn(b, k)) add(p, a[k], undefined);
      else if (!equalJson(a[k], b[k])) diffJson(p, a[k], b[k], add);
    }
    return;
  }
  add(path || '(result)', summarise(a), summarise(b));
}

function summarise(v: unknown): unknown {
  if (Array.isArray(v)) return `(array of ${v.length})`;
  if (isPlainObject(v)) return '(object)';
  return v;
}

