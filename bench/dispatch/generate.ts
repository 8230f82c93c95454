// Synthetic dispatch workload for the benchmark (fixed seed, so every run sees the same input).
// 10 offices × 50 inspectors, one working week (Mon 2025-03-03 … Fri 2025-03-07), 10,000 orders.
// Qualifications follow the demand of each category (offices train staff for the goods they see), rosters include
// part-timers and days off, some inspectors start the week with load, and each has declared conflicts and recent
// assignments that the rotation rule must respect.
import { createRandom, type DispatchInput, type DispatchInspector, type DispatchOrder, type Random } from '@rvi/dispatch';

export interface WorkloadOptions {
  orders: number;
  offices: number;
  inspectorsPerOffice: number;
  enterprisesPerOffice: number;
  seed: string;
}

export const WEEK = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07'];
const CATEGORIES = ['food', 'textiles', 'electronics', 'machinery', 'chemicals', 'vehicles', 'toys', 'pharma', 'plants', 'metals', 'timber', 'art'];
const DEMAND = [20, 15, 12, 10, 8, 8, 6, 6, 5, 4, 3, 3];

function pickWeighted(r: Random, weights: number[], exclude: Set<number> = new Set()): number {
  let total = 0;
  weights.forEach((w, i) => { if (!exclude.has(i)) total += w; });
  let x = r.nextFloat() * total;
  for (let i = 0; i < weights.length; i++) {
    if (exclude.has(i)) continue;
    x -= weights[i];
    if (x < 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (!exclude.has(i)) return i;
  return 0;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function generateWorkload(o: WorkloadOptions): DispatchInput {
  const r = createRandom(o.seed);
  const inspectors: DispatchInspector[] = [];
  for (let f = 1; f <= o.offices; f++) {
    const officeId = `office-${pad(f, 2)}`;
    const enterprise = (k: number) => `ent-${pad(f, 2)}-${pad(k, 4)}`;
    for (let k = 1; k <= o.inspectorsPerOffice; k++) {
      const nq = 3 + r.nextInt(4); // 3–6 categories
      const q = new Set<number>();
      while (q.size < nq) q.add(pickWeighted(r, DEMAND, q));
      const partTime = r.nextFloat() < 0.15;
      const weekdays = partTime ? [1, 2, 3, 4, 5].filter(() => r.nextFloat() < 0.6) : [1, 2, 3, 4, 5];
      const offDates = WEEK.filter(() => r.nextFloat() < 0.06);
      const load: Record<string, number> = {};
      for (const d of WEEK) if (r.nextFloat() < 0.3) load[d] = 1 + r.nextInt(2);
      const conflicts = Array.from({ length: r.nextInt(4) }, () => enterprise(1 + r.nextInt(o.enterprisesPerOffice)));
      const recentAssignments = Array.from({ length: r.nextInt(11) }, () => ({
        enterpriseId: enterprise(1 + r.nextInt(o.enterprisesPerOffice)),
        date: `2025-02-${pad(10 + r.nextInt(19), 2)}`, // 2025-02-10 … 2025-02-28
      }));
      inspectors.push({
        id: `insp-${pad(f, 2)}-${pad(k, 3)}`,
        officeId,
        qualifications: [...q].sort((a, b) => a - b).map((i) => CATEGORIES[i]),
        roster: { weekdays, offDates },
        dailyCapacity: 6 + r.nextInt(5), // 6–10
        load,
        recentAssignments,
        conflicts,
      });
    }
  }
  const orders: DispatchOrder[] = [];
  for (let i = 1; i <= o.orders; i++) {
    const f = 1 + r.nextInt(o.offices);
    const x = r.nextFloat();
    orders.push({
      id: `order-${pad(i, 6)}`,
      officeId: `office-${pad(f, 2)}`,
      enterpriseId: `ent-${pad(f, 2)}-${pad(1 + r.nextInt(o.enterprisesPerOffice), 4)}`,
      category: CATEGORIES[pickWeighted(r, DEMAND)],
      date: WEEK[r.nextInt(WEEK.length)],
      ...(x < 0.1 ? { inspectOnArrival: true } : {}),
      ...(x > 0.95 ? { priority: 1 } : {}),
    });
  }
  return { orders, inspectors, rules: { rotationDays: 7 } };
}
