// Independent checker for a dispatch result. Deliberately shares no code with packages/dispatch/src/dispatch.ts
// (own date maths, own roster reading, own counting), so a bug in the dispatcher is not repeated here.
//
// Violations counted:
// - missing_order / unknown_order / duplicate_order: the result does not cover each input order exactly once;
// - unknown_inspector, wrong_office, off_duty, unqualified, conflict_of_interest: an assignment breaks a static rule;
// - over_capacity: an inspector-day ends with more orders (earlier load + this run) than the daily capacity;
// - rotation: an inspector has two orders of one enterprise (at least one from this run) fewer than rotationDays
//   days apart;
// - unassigned_with_candidate: an order left unassigned although, even in the final state (which only has more
//   assignments than the moment the order was processed), some inspector passed every rule for it. Adding
//   assignments only removes candidates, so such an inspector was a candidate at that moment too.

export interface CheckInspector {
  id: string;
  officeId: string;
  qualifications: string[];
  roster: { weekdays?: number[]; dates?: string[]; offDates?: string[] };
  dailyCapacity: number;
  load?: Record<string, number>;
  recentAssignments?: { enterpriseId: string; date: string }[];
  conflicts?: string[];
}
export interface CheckOrder {
  id: string;
  officeId: string;
  enterpriseId: string;
  category: string;
  date: string;
}
export interface CheckInput {
  orders: CheckOrder[];
  inspectors: CheckInspector[];
  rules: { rotationDays: number };
}
export interface CheckResultRow {
  orderId: string;
  status: string;
  inspectorId?: string;
}

export type ViolationKind =
  | 'missing_order' | 'unknown_order' | 'duplicate_order' | 'unknown_inspector' | 'wrong_office' | 'off_duty'
  | 'unqualified' | 'conflict_of_interest' | 'over_capacity' | 'rotation' | 'unassigned_with_candidate';

export interface Violation {
  kind: ViolationKind;
  detail: string;
}

function epochDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** Sunday = 0 … Saturday = 6 from the JS Date, then mapped to ISO 1–7. */
function isoDow(date: string): number {
  const js = new Date(`${date}T00:00:00Z`).getUTCDay();
  return js === 0 ? 7 : js;
}

function onDuty(x: CheckInspector, date: string): boolean {
  if ((x.roster.offDates ?? []).includes(date)) return false;
  if ((x.roster.dates ?? []).includes(date)) return true;
  return (x.roster.weekdays ?? []).includes(isoDow(date));
}

export function checkDispatch(input: CheckInput, rows: CheckResultRow[]): { violations: Violation[]; byKind: Record<string, number> } {
  const violations: Violation[] = [];
  const add = (kind: ViolationKind, detail: string) => violations.push({ kind, detail });
  const orders: Record<string, CheckOrder> = {};
  for (const o of input.orders) orders[o.id] = o;
  const inspectors: Record<string, CheckInspector> = {};
  for (const x of input.inspectors) inspectors[x.id] = x;

  const seen: Record<string, number> = {};
  for (const row of rows) seen[row.orderId] = (seen[row.orderId] ?? 0) + 1;
  for (const o of input.orders) if (!seen[o.id]) add('missing_order', o.id);
  for (const [id, n] of Object.entries(seen)) {
    if (!orders[id]) add('unknown_order', id);
    if (n > 1) add('duplicate_order', id);
  }

  // Final per inspector-day counts and per inspector-enterprise dates.
  const dayCount: Record<string, number> = {};
  const pairDates: Record<string, { day: number; fromRun: boolean }[]> = {};
  const pairKey = (i: string, e: string) => `${i}\u0000${e}`;
  for (const x of input.inspectors) {
    for (const [d, n] of Object.entries(x.load ?? {})) dayCount[`${x.id}\u0000${d}`] = n;
    for (const a of x.recentAssignments ?? []) (pairDates[pairKey(x.id, a.enterpriseId)] ??= []).push({ day: epochDay(a.date), fromRun: false });
  }
  for (const row of rows) {
    if (row.status !== 'assigned') continue;
    const o = orders[row.orderId];
    const x = row.inspectorId === undefined ? undefined : inspectors[row.inspectorId];
    if (!o) continue;
    if (!x) {
      add('unknown_inspector', `${row.orderId} → ${row.inspectorId}`);
      continue;
    }
    if (x.officeId !== o.officeId) add('wrong_office', `${o.id} (${o.officeId}) → ${x.id} (${x.officeId})`);
    if (!onDuty(x, o.date)) add('off_duty', `${o.id} on ${o.date} → ${x.id}`);
    if (!x.qualifications.includes(o.category)) add('unqualified', `${o.id} (${o.category}) → ${x.id}`);
    if ((x.conflicts ?? []).includes(o.enterpriseId)) add('conflict_of_interest', `${o.id} (${o.enterpriseId}) → ${x.id}`);
    const k = `${x.id}\u0000${o.date}`;
    dayCount[k] = (dayCount[k] ?? 0) + 1;
    (pairDates[pairKey(x.id, o.enterpriseId)] ??= []).push({ day: epochDay(o.date), fromRun: true });
  }
  // Only inspector-days this run added to can be the dispatcher's fault (earlier load may already exceed capacity).
  const added = new Set<string>();
  for (const r of rows) if (r.status === 'assigned' && orders[r.orderId]) added.add(`${r.inspectorId}\u0000${orders[r.orderId].date}`);
  for (const [k, n] of Object.entries(dayCount)) {
    const [id, date] = k.split('\u0000');
    const x = inspectors[id];
    if (x && n > x.dailyCapacity && added.has(k)) add('over_capacity', `${id} on ${date}: ${n} > ${x.dailyCapacity}`);
  }
  const rot = input.rules.rotationDays;
  if (rot > 0) {
    for (const [k, list] of Object.entries(pairDates)) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          if ((list[i].fromRun || list[j].fromRun) && Math.abs(list[i].day - list[j].day) < rot) {
            add('rotation', `${k.replace('\u0000', ' / ')}: days ${list[i].day} and ${list[j].day}`);
          }
        }
      }
    }
  }
  // Unassigned orders: was there an inspector passing every rule even in the final state?
  for (const row of rows) {
    if (row.status === 'assigned') continue;
    const o = orders[row.orderId];
    if (!o) continue;
    for (const x of input.inspectors) {
      if (x.officeId !== o.officeId || !onDuty(x, o.date) || !x.qualifications.includes(o.category)) continue;
      if ((x.conflicts ?? []).includes(o.enterpriseId)) continue;
      if ((dayCount[`${x.id}\u0000${o.date}`] ?? 0) >= x.dailyCapacity) continue;
      const d = epochDay(o.date);
      if (rot > 0 && (pairDates[pairKey(x.id, o.enterpriseId)] ?? []).some((p) => Math.abs(p.day - d) < rot)) continue;
      add('unassigned_with_candidate', `${o.id} could have gone to ${x.id}`);
      break;
    }
  }
  const byKind: Record<string, number> = {};
  for (const v of violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
  return { violations, byKind };
}
