// npm run bench -- dispatch
// 10,000 orders, 500 inspectors in 10 offices (random qualifications, rosters, earlier load, conflicts and recent
// assignments; fixed seed). Times dispatch() alone, checks the result with an independent checker, replays it,
// and prints last:
//   dispatch: orders=10000 inspectors=500 seconds=… load_cv=… violations=0
//
// load_cv, defined: the coefficient of variation (population standard deviation / mean) of the final daily load
// (earlier load + this run's assignments) over every inspector-day that could take work, i.e. the inspector is
// on duty that day, started the day under capacity, and is in the office of, qualified for, and free of a declared
// conflict with at least one order of that day. Inspector-days that had no eligible order or no capacity are left
// out, because no dispatcher could level them. Rotation and capacity reached during the run are NOT used to
// exclude anyone: those depend on the dispatcher's own choices. Loads are whole numbers, so when an office-day's
// mean is not an integer some inspectors necessarily end one order apart: that granularity alone puts a floor of
// roughly 0.1 under load_cv here (a near-deterministic least-loaded choice measured 0.107). Printed above the last
// line for information: the CV of each inspector's mean daily load over its eligible days.
import { dispatch, replayDispatch } from '@rvi/dispatch';
import { checkDispatch } from './check.ts';
import { WEEK, generateWorkload } from './generate.ts';

const ORDERS = 10_000;
const OFFICES = 10;
const PER_OFFICE = 50;

function cv(values: number[]): { cv: number; mean: number; sd: number; n: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const sd = Math.sqrt(variance);
  return { cv: sd / mean, mean, sd, n };
}

const t0 = performance.now();
const input = generateWorkload({ orders: ORDERS, offices: OFFICES, inspectorsPerOffice: PER_OFFICE, enterprisesPerOffice: 300, seed: 'bench-dispatch-v1' });
const t1 = performance.now();
const result = dispatch(input, 'bench-run-seed-1');
const t2 = performance.now();
const seconds = (t2 - t1) / 1000;

const rows = result.orders.map((o) => (o.status === 'assigned' ? { orderId: o.orderId, status: o.status, inspectorId: o.inspectorId } : { orderId: o.orderId, status: o.status }));
const check = checkDispatch(input, rows);
const t3 = performance.now();

// Fairness population, computed from the input alone (see the header).
const isoDow = (d: string) => ((new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
const added = new Map<string, number>();
const orderById = new Map(input.orders.map((o) => [o.id, o]));
for (const r of rows) {
  if (r.status !== 'assigned') continue;
  const k = `${r.inspectorId}|${orderById.get(r.orderId)!.date}`;
  added.set(k, (added.get(k) ?? 0) + 1);
}
const dayLoads: number[] = [];
const perInspectorMeans: number[] = [];
for (const x of input.inspectors) {
  let sum = 0;
  let eligibleDays = 0;
  for (const d of WEEK) {
    const onDuty = !(x.roster.offDates ?? []).includes(d) && ((x.roster.dates ?? []).includes(d) || (x.roster.weekdays ?? []).includes(isoDow(d)));
    const start = x.load?.[d] ?? 0;
    if (!onDuty || start >= x.dailyCapacity) continue;
    const hasWork = input.orders.some(
      (o) => o.date === d && o.officeId === x.officeId && x.qualifications.includes(o.category) && !(x.conflicts ?? []).includes(o.enterpriseId),
    );
    if (!hasWork) continue;
    const total = start + (added.get(`${x.id}|${d}`) ?? 0);
    dayLoads.push(total);
    sum += total;
    eligibleDays++;
  }
  if (eligibleDays > 0) perInspectorMeans.push(sum / eligibleDays);
}
const day = cv(dayLoads);
const perInspector = cv(perInspectorMeans);

// How random is the choice? Effective number of choices per assigned order = exp(entropy) of the draw's
// probabilities (1 = no real choice; equal to the candidate count when the draw is uniform).
let candidatesSum = 0;
let effectiveSum = 0;
for (const o of result.orders) {
  if (o.status !== 'assigned') continue;
  candidatesSum += o.explanation.candidates;
  let h = 0;
  for (const level of o.explanation.loadLevels) {
    const p = level.weight / o.explanation.totalWeight;
    h -= level.inspectorIds.length * p * Math.log(p);
  }
  effectiveSum += Math.exp(h);
}

// Checker self-test: plant one violation of each kind in a copy of the result; the checker must find each.
function plantedViolationsFound(): string {
  const kinds = ['wrong_office', 'off_duty', 'unqualified', 'conflict_of_interest', 'over_capacity'] as const;
  let found = 0;
  for (const kind of kinds) {
    const planted = rows.map((r) => ({ ...r }));
    const i = planted.findIndex((r) => r.status === 'assigned');
    const o = orderById.get(planted[i].orderId)!;
    const pick = input.inspectors.find((x) => {
      const duty = (x.roster.weekdays ?? []).includes(isoDow(o.date)) && !(x.roster.offDates ?? []).includes(o.date);
      const same = x.officeId === o.officeId;
      const qual = x.qualifications.includes(o.category);
      if (kind === 'wrong_office') return !same;
      if (kind === 'off_duty') return same && !duty;
      if (kind === 'unqualified') return same && duty && !qual;
      if (kind === 'conflict_of_interest') return same && duty && qual;
      return false;
    });
    if (kind === 'conflict_of_interest' && pick) {
      // Declare a conflict with the order's enterprise on a copy of the chosen inspector.
      const copy = { ...input, inspectors: input.inspectors.map((x) => (x.id === pick.id ? { ...x, conflicts: [o.enterpriseId] } : x)) };
      planted[i].inspectorId = pick.id;
      if (checkDispatch(copy, planted).byKind[kind]) found++;
      continue;
    }
    if (kind === 'over_capacity') {
      // Move capacity + 1 other orders of the same office and day onto one inspector.
      const x = input.inspectors.find((y) => y.id === planted[i].inspectorId)!;
      const sameDay = new Set(input.orders.filter((q) => q.date === o.date && q.officeId === o.officeId).map((q) => q.id));
      let n = 0;
      for (const r of planted) {
        if (n > x.dailyCapacity) break;
        if (sameDay.has(r.orderId) && r.inspectorId !== x.id) {
          r.status = 'assigned';
          r.inspectorId = x.id;
          n++;
        }
      }
      if (checkDispatch(input, planted).byKind[kind]) found++;
      continue;
    }
    if (!pick) continue;
    planted[i].inspectorId = pick.id;
    if (checkDispatch(input, planted).byKind[kind]) found++;
  }
  return `${found}/${kinds.length}`;
}
const selfTest = plantedViolationsFound();

const t3b = performance.now();
const recordedJson = JSON.stringify(result);
const replay = replayDispatch(JSON.parse(JSON.stringify(input)), result.seed, JSON.parse(recordedJson));
const t4 = performance.now();

console.log(`checker self-test: found ${selfTest} planted violations`);
console.log(`generate: ${((t1 - t0) / 1000).toFixed(3)} s; check: ${((t3 - t2) / 1000).toFixed(3)} s; replay (incl. JSON round trip): ${((t4 - t3b) / 1000).toFixed(3)} s (same=${replay.same}); result JSON ${(recordedJson.length / 1e6).toFixed(1)} MB`);
console.log(`assigned=${result.summary.assigned} unassigned=${result.summary.unassigned} unassigned_by_rule=${JSON.stringify(result.summary.unassignedByRule)}`);
console.log(`per assigned order: mean candidates=${(candidatesSum / result.summary.assigned).toFixed(1)} mean effective choices=${(effectiveSum / result.summary.assigned).toFixed(1)}`);
console.log(`inspector-days in fairness population=${day.n} mean_load=${day.mean.toFixed(2)} sd=${day.sd.toFixed(3)}; per-inspector mean daily load cv=${perInspector.cv.toFixed(3)} (n=${perInspector.n})`);
if (check.violations.length) {
  console.log(`violations by kind: ${JSON.stringify(check.byKind)}`);
  for (const v of check.violations.slice(0, 10)) console.log(`  ${v.kind}: ${v.detail}`);
}
if (!replay.same) console.log(`replay differences: ${JSON.stringify(replay.differences.slice(0, 5))}`);
console.log(`dispatch: orders=${input.orders.length} inspectors=${input.inspectors.length} seconds=${seconds.toFixed(3)} load_cv=${day.cv.toFixed(3)} violations=${check.violations.length}`);
