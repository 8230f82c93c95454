// Orders at real volumes for the list tests (API and browser): declarations, orders in every state, some with
// containers on the declaration or its arrival notice, some assigned to one inspector with an appointment. Written
// straight into the real database (the orders module's own tables), thousands of rows in a few batched inserts.
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../../test/harness.ts';
import { appointments, arrivalNotices, declarations, inspectionOrders } from '../../db/schema.ts';

export const STATES = ['selected', 'assigned', 'eligibility_decided', 'booked', 'in_progress', 'inspected', 'closed', 'cancelled'] as const;
export interface Seeded {
  id: string; orderNo: string; declarationNo: string; enterpriseId: string; officeId: string; state: string;
  inspectorId: string | null; mode: string | null; containers: string[]; noticeContainers: string[]; dueDate: string; appointmentAt: number | null;
}

/** ISO 6346 check digit, so the seeded container numbers are valid ones. */
export function containerNo(owner: string, serial: number): string {
  const value = (ch: string) => {
    if (/[0-9]/.test(ch)) return Number(ch);
    let v = 10;
    for (let c = 65; c < ch.charCodeAt(0); c++) { v++; if (v % 11 === 0) v++; }
    return v;
  };
  const body = `${owner}U${String(serial).padStart(6, '0')}`;
  const sum = [...body].reduce((s, ch, i) => s + value(ch) * 2 ** i, 0);
  return `${body}${(sum % 11) % 10}`;
}

/** A group: the enterprise, the customs office, how many orders, and a prefix for their numbers. */
export type SeedGroup = [org: 'alpha' | 'beta', officeId: string, n: number, prefix: string];

/** Seeds the groups; orders of `t.orgs.office` are assigned to `inspId` every 7th (booked ones with an appointment). */
export async function seedOrderVolume(t: TestApp, groups: SeedGroup[], inspId: string): Promise<Seeded[]> {
  const db = t.ctx.db;
  const seeded: Seeded[] = [];
  let serial = 0;
  for (const [org, officeId, n, prefix] of groups) {
    const decls: (typeof declarations.$inferInsert)[] = [];
    const orders: (typeof inspectionOrders.$inferInsert)[] = [];
    const notices: (typeof arrivalNotices.$inferInsert)[] = [];
    const appts: (typeof appointments.$inferInsert)[] = [];
    for (let i = 0; i < n; i++) {
      serial++;
      const declId = randomUUID();
      const orderId = randomUUID();
      const declarationNo = `LST-${prefix}-${String(i).padStart(5, '0')}`;
      const containers = i % 10 === 0 ? [containerNo('MSC', serial)] : [];
      const noticeContainers = i % 25 === 3 ? [containerNo('TGH', serial)] : [];
      const state = STATES[i % STATES.length];
      const inspectorId = officeId === t.orgs.office && i % 7 === 0 && state !== 'selected' ? inspId : null;
      const dueDate = `2030-01-${String(1 + (i % 28)).padStart(2, '0')}`;
      const appointmentAt = inspectorId && state === 'booked' ? Date.UTC(2030, 0, 1 + (i % 28), 1 + (i % 8)) + serial * 1000 : null;
      decls.push({
        id: declId, orgId: t.orgs[org as 'alpha' | 'beta'], customsOfficeId: officeId, declarationNo, date: '2029-12-01', officeCode: '30', processType: 'B',
        importType: '11', importUse: '21', paymentType: '11', transportMode: '10', declarantCode: 'D1', importerCode: 'I1', hs6: '851762',
        countryOfDeparture: 'CN', countryOfOrigin: 'CN', taxRate: 8, taxType: 'A', originIndicator: 'Y', netMassKg: 100, itemPrice: 1000,
        containers: containers.map((number) => ({ number, seals: [] })), source: 'api',
      });
      orders.push({
        id: orderId, orderNo: `IO-2030-${prefix}${String(i).padStart(5, '0')}`, declarationId: declId, officeId, enterpriseId: t.orgs[org as 'alpha' | 'beta'],
        state, mode: i % 3 === 0 ? 'remote' : i % 3 === 1 ? 'onsite' : null, goodsCategory: 'general', hs6: '851762', channel: 'yellow', selection: 'risk',
        priority: i % 5, dueDate, inspectorId, assignedDate: inspectorId ? dueDate : null, createdAt: new Date(Date.UTC(2029, 11, 1) + serial * 60_000),
      });
      if (noticeContainers.length) {
        notices.push({ id: randomUUID(), orgId: t.orgs[org as 'alpha' | 'beta'], declarationId: declId, expectedArrivalAt: new Date('2030-01-01T00:00:00Z'), location: 'Yangshan', containerNumbers: noticeContainers, goodsSummary: 'phones' });
      }
      if (appointmentAt) {
        appts.push({ id: randomUUID(), orderId, kind: 'remote', inspectorId: inspectorId!, startAt: new Date(appointmentAt), endAt: new Date(appointmentAt + 1_800_000), status: 'accepted', proposedBy: 'customs' });
      }
      seeded.push({ id: orderId, orderNo: orders.at(-1)!.orderNo, declarationNo, enterpriseId: t.orgs[org as 'alpha' | 'beta'], officeId, state, inspectorId, mode: orders.at(-1)!.mode ?? null, containers, noticeContainers, dueDate, appointmentAt });
    }
    for (let i = 0; i < decls.length; i += 500) await db.insert(declarations).values(decls.slice(i, i + 500));
    for (let i = 0; i < orders.length; i += 500) await db.insert(inspectionOrders).values(orders.slice(i, i + 500));
    if (notices.length) await db.insert(arrivalNotices).values(notices);
    if (appts.length) await db.insert(appointments).values(appts);
  }
  return seeded;
}
