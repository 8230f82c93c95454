// Several API nodes on one Postgres database, in this test process: each its own context (outbox dispatcher, WebSocket
// hub and fan-out listener, login throttle) and its own HTTP server on a loopback port, as separate processes would be.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { loadConfig } from '../src/platform/config.ts';
import { buildApp, closeContext, createContext, type AppContext } from '../src/app.ts';
import { seedOnFirstStart } from '../src/modules/orgs/demo.ts';
import { TEST_PASSWORD } from './harness.ts';

/** The Postgres server the multi-node tests use: DATABASE_URL when set, else the local server. */
export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a fresh database on the Postgres server; drop() removes it. */
export async function freshPostgres(prefix = 'rvi_nodes'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(POSTGRES_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface ApiNode {
  ctx: AppContext;
  app: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

export async function startNode(databaseUrl: string, opts: { seed?: boolean } = {}): Promise<ApiNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rvi-node-'));
  // second factor off, as in the harness: these nodes test the fan-out, not the login (factors.routes.test.ts does)
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RVI_REQUIRE_2FA: '0', RVI_LIVE_READING: '0' } as NodeJS.ProcessEnv, { databaseUrl });
  const ctx = await createContext(config, { jobs: false, realtime: true });
  if (opts.seed) await seedOnFirstStart(ctx.db, { demo: true, password: TEST_PASSWORD });
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ctx, app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async close() {
      await app.close();
      await closeContext(ctx);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in over HTTP; returns the cookie header. */
export async function loginAt(base: string, username: string, password = TEST_PASSWORD): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (r.status !== 200) throw new Error(`login ${username} at ${base}: ${r.status} ${await r.text()}`);
  return (r.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
}

export interface LiveSocket {
  messages: unknown[];
  /** Resolves with the first message (already received or coming) that matches. */
  next(match: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

/** The web client's live channel (/api/ws) on one node, after its hello. */
export async function openLive(base: string, cookie: string): Promise<LiveSocket> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/ws`, { headers: { cookie } });
  const messages: unknown[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    messages.push(m);
    for (const w of [...waiters]) if (w.match(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const live: LiveSocket = {
    messages,
    next(match, timeoutMs = 5000) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
    close: () => ws.close(),
  };
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  await live.next((m) => m.type === 'hello');
  return live;
}
