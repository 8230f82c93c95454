// Demo data for issue 4 at first start: inspector profiles and rosters for the demo office, the default
// eligibility rules (v1), the office's working hours, and a registered camera with a passed connection test for
// Alpha Trading (Beta has none, so its orders are recommended on site: both paths can be shown).
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { connectionTests, enterpriseDevices, inspectorProfiles, inspectorRosters, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { isoWeekday, dayNumber } from '@rvi/dispatch';
import { activeRuleSet } from '../eligibility/eligibility.service.ts';
import { GOODS_CATEGORIES } from '@rvi/contracts';
import { addDaysTo, ensureOrderSettings, loadOrderSettings, officeToday } from '../orders/orders.settings.ts';

const ROSTER_DAYS = 56;

export async function seedOrdersDemo(db: Db, opts: { officeCode?: string; enterpriseCode?: string } = {}): Promise<void> {
  const [office] = await db.select().from(organisations).where(eq(organisations.code, opts.officeCode ?? 'CUS-YS')).limit(1);
  if (!office) return;
  await ensureOrderSettings(db, office.id);
  await activeRuleSet(db, office.id);
  const inspectors = await db.select().from(users).where(and(eq(users.orgId, office.id), eq(users.role, 'inspector'), inArray(users.username, ['inspector1', 'inspector2'])));
  const settings = await loadOrderSettings(db, office.id);
  const today = officeToday(settings.timeZone);
  for (const u of inspectors) {
    // inspector1 covers every category; inspector2 everything but live animals and weapons.
    const qualifications = u.username === 'inspector1' ? [...GOODS_CATEGORIES] : GOODS_CATEGORIES.filter((c) => c !== 'live_animals' && c !== 'weapons_ammunition');
    await db.insert(inspectorProfiles).values({ userId: u.id, officeId: office.id, qualifications, dailyCapacity: 6 }).onConflictDoNothing();
    const rows = [];
    for (let i = 0; i < ROSTER_DAYS; i++) {
      const date = addDaysTo(today, i);
      rows.push({ inspectorId: u.id, date, onDuty: isoWeekday(dayNumber(date)!) <= 5 });
    }
    await db.insert(inspectorRosters).values(rows).onConflictDoNothing();
  }
  const [alpha] = await db.select().from(organisations).where(eq(organisations.code, opts.enterpriseCode ?? 'ENT-ALPHA')).limit(1);
  if (alpha) {
    const deviceId = randomUUID();
    await db.insert(enterpriseDevices).values({ id: deviceId, orgId: alpha.id, name: 'Warehouse phone', kind: 'phone' });
    await db.insert(connectionTests).values({ id: randomUUID(), orgId: alpha.id, deviceId, passed: true, rttMs: 38, bitrateKbps: 2400 });
  }
}
