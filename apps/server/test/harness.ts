import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { loadConfig, type Config } from '../src/platform/config.ts';
import { buildApp, closeContext, createContext, type AppContext, type ContextOptions } from '../src/app.ts';
import { seedOnFirstStart } from '../src/modules/orgs/demo.ts';
import { organisations, users } from '../src/db/schema.ts';

export const TEST_PASSWORD = 'test-password-123';

/**
 * A fresh database for one test file: PGlite in memory by default; with DATABASE_URL set, a new database created on
 * that server (and dropped afterwards), so runs never share state.
 */
export async function freshDatabaseUrl(): Promise<{ url: string | null; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: null, drop: async () => {} };
  const name = `rvi_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  config: Config;
  orgs: Record<'office' | 'alpha' | 'beta', string>;
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApp(overrides: Partial<Config> = {}, opts: { demo?: boolean } & ContextOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rvi-test-'));
  const fresh = await freshDatabaseUrl();
  // RVI_REQUIRE_2FA is off here unless a test turns it on (factors.routes.test.ts): suites that log in as supervisors
  // and administrators test other things; the second factor is tested through the real API there. Live reading
  // (an OCR engine and a decoder per session) likewise: live-reading.browser.test.ts turns it on.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RVI_REQUIRE_2FA: '0', RVI_LIVE_READING: '0', RVI_WEBHOOK_ALLOW_NETWORKS: '127.0.0.1' } as NodeJS.ProcessEnv, { databaseUrl: fresh.url, ...overrides });
  const ctx = await createContext(config, { inMemory: true, queue: opts.queue, jobs: opts.jobs, realtime: opts.realtime });
  await seedOnFirstStart(ctx.db, { demo: opts.demo ?? true, password: TEST_PASSWORD });
  const app = await buildApp(ctx);
  const orgRows = await ctx.db.select().from(organisations);
  const byCode = (c: string) => orgRows.find((o) => o.code === c)?.id ?? '';
  return {
    app, ctx, config,
    orgs: { office: byCode('CUS-YS'), alpha: byCode('ENT-ALPHA'), beta: byCode('ENT-BETA') },
    async login(username, password = TEST_PASSWORD) {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      if (r.statusCode !== 200) throw new Error(`login ${username} failed: ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === 'rvi_session' || x.name === '__Host-rvi_session');
      return `${c!.name}=${c!.value}`;
    },
    async close() {
      await app.close();
      await closeContext(ctx);
      await fresh.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { users, organisations };

/** A valid declaration body for tests. */
export function declarationBody(n: string, over: Record<string, unknown> = {}) {
  return {
    declarationNo: n, date: '2020-03-04', officeCode: '30', processType: 'B', importType: '11', importUse: '21',
    paymentType: '11', transportMode: '10', declarantCode: 'DECL001', importerCode: 'IMP0001', sellerCode: 'SELL001',
    courierCode: null, hs6: '851762', countryOfDeparture: 'CN', countryOfOrigin: 'CN', taxRate: 8, taxType: 'A',
    originIndicator: 'Y', netMassKg: 120.5, itemPrice: 3500000, ...over,
  };
}

export const CSV_HEADER = 'Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud';
export function csvRow(id: string, over: Partial<Record<'date' | 'hs6' | 'mass' | 'price' | 'origin', string>> = {}) {
  return `${id},${over.date ?? '2020-01-02'},30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,${over.hs6 ?? '440890'},BE,${over.origin ?? 'BE'},0.0,FEU1,G,${over.mass ?? '108.0'},${over.price ?? '372254.4'},0,0`;
}
