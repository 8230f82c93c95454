import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { organisations, systemSettings, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor } from '../../platform/actor.ts';
import { hashPassword } from '../auth/auth.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { importDeclarations } from '../declarations/declarations.service.ts';
import { seedOrdersDemo } from './demo.orders.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export const DEMO_USERS = [
  { username: 'admin', displayName: 'Liu Yang (administrator)', role: 'administrator', org: 'office' },
  { username: 'inspector1', displayName: 'Zhang Wei (inspector)', role: 'inspector', org: 'office' },
  { username: 'inspector2', displayName: 'Wang Fang (inspector)', role: 'inspector', org: 'office' },
  { username: 'supervisor', displayName: 'Chen Jing (supervisor)', role: 'supervisor', org: 'office' },
  { username: 'auditor', displayName: 'Zhao Min (auditor)', role: 'auditor', org: 'office' },
  { username: 'alpha.user', displayName: 'Li Na (Alpha Trading)', role: 'enterprise_user', org: 'alpha' },
  { username: 'alpha.operator', displayName: 'Sun Hao (Alpha warehouse)', role: 'onsite_operator', org: 'alpha' },
  { username: 'beta.user', displayName: 'Kim Ji-woo (Beta Imports)', role: 'enterprise_user', org: 'beta' },
  { username: 'beta.operator', displayName: 'Park Min (Beta warehouse)', role: 'onsite_operator', org: 'beta' },
] as const;

export interface SeedResult {
  seeded: boolean;
  password: string | null;
  generated: boolean;
}

/**
 * Seeds the first start: a customs office with its administrator, and with demo data two enterprises, their users and
 * some declarations. Runs once (remembered in system_settings). The password comes from RVI_DEMO_PASSWORD or is
 * generated and returned so the caller prints it once.
 */
export async function seedOnFirstStart(db: Db, opts: { demo: boolean; password: string | null }): Promise<SeedResult> {
  const [done] = await db.select().from(systemSettings).where(eq(systemSettings.key, 'seeded')).limit(1);
  if (done) return { seeded: false, password: null, generated: false };
  const generated = !opts.password;
  const password = opts.password ?? randomBytes(12).toString('base64url');
  const hash = await hashPassword(password);
  const actor = systemActor('seed');
  const ids = { office: randomUUID(), alpha: randomUUID(), beta: randomUUID() };
  let raced = false;
  await transaction(db, async (tx) => {
    // several nodes starting at once on an empty database: one seeds, the others find it done
    await tx.execute(sql`select pg_advisory_xact_lock(7715015)`);
    if ((await tx.select().from(systemSettings).where(eq(systemSettings.key, 'seeded')).limit(1)).length) { raced = true; return; }
    await tx.insert(organisations).values({ id: ids.office, kind: 'customs_office', name: 'Yangshan Port Customs', code: 'CUS-YS', timeZone: 'Asia/Shanghai' });
    if (opts.demo) {
      await tx.insert(organisations).values([
        { id: ids.alpha, kind: 'enterprise', name: 'Alpha Trading Co., Ltd.', code: 'ENT-ALPHA', supervisingOfficeId: ids.office, creditRating: 'A' },
        { id: ids.beta, kind: 'enterprise', name: 'Beta Imports Ltd.', code: 'ENT-BETA', supervisingOfficeId: ids.office, creditRating: 'B' },
      ]);
    }
    const list = opts.demo ? DEMO_USERS : DEMO_USERS.filter((u) => u.username === 'admin');
    await tx.insert(users).values(list.map((u) => ({
      id: randomUUID(), orgId: ids[u.org], username: u.username, displayName: u.displayName, role: u.role, passwordHash: hash,
    })));
    await tx.insert(systemSettings).values({ key: 'seeded', value: { at: new Date().toISOString(), demo: opts.demo } });
    await recordAudit(tx, actor, 'system.seeded', null, { demo: opts.demo, users: list.map((u) => u.username) });
  });
  if (raced) return { seeded: false, password: null, generated: false };
  if (opts.demo) {
    const csv = readFileSync(new URL('../../../demo/declarations-sample.csv', import.meta.url), 'utf8');
    const lines = csv.trimEnd().split('\n');
    const half = Math.floor((lines.length - 1) / 2);
    await importDeclarations(db, actor, { csv: [lines[0], ...lines.slice(1, 1 + half)].join('\n'), fileName: 'demo-alpha.csv', orgRef: 'ENT-ALPHA' });
    await importDeclarations(db, actor, { csv: [lines[0], ...lines.slice(1 + half)].join('\n'), fileName: 'demo-beta.csv', orgRef: 'ENT-BETA' });
    await seedOrdersDemo(db);
  }
  return { seeded: true, password, generated };
}
