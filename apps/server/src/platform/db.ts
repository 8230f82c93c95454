import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from '../db/schema.ts';

export type Schema = typeof schema;
/** A Drizzle database or transaction, over PGlite or node-postgres: services accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = 'pglite' | 'postgres';

export const MIGRATIONS_DIR = new URL('../../drizzle', import.meta.url).pathname;

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** Runs raw SQL with positional parameters ($1, $2...) and returns rows (used by pg-boss and a few hot paths). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters; returns the rows of the last one. */
  script(text: string): Promise<Record<string, unknown>[]>;
  /**
   * LISTEN on a channel (NOTIFY is delivered after the notifying transaction commits). PGlite: on the embedded
   * instance; Postgres: on one dedicated connection, re-established after an error. Returns the unlisten function.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** PGlite only: keep data in memory (tests). */
  inMemory?: boolean;
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pg = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    // int8 (count(*), bigint) as JS numbers: our counts and sequence numbers stay far below 2^53.
    pg.default.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.default.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle client whose connection dies (server restart, database dropped) must not crash the process: the pool
    // replaces it on the next checkout.
    pool.on('error', (err) => console.error(`postgres pool: idle client error: ${err.message}`));
    const db = drizzle(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      query: async (text, params) => (await pool.query(text, params as unknown[])).rows,
      script: async (text) => {
        const r = (await pool.query(text)) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
        return Array.isArray(r) ? (r[r.length - 1]?.rows ?? []) : r.rows;
      },
      listen: (channel, onNotify) => listenOnServer(opts.databaseUrl!, channel, onNotify),
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  let client: InstanceType<typeof PGlite>;
  if (opts.inMemory) client = new PGlite();
  else {
    const dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  }
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    query: async (text, params) => (await client.query(text, params as unknown[])).rows as never,
    script: async (text) => {
      const results = await client.exec(text);
      return (results[results.length - 1]?.rows ?? []) as Record<string, unknown>[];
    },
    listen: async (channel, onNotify) => client.listen(channel, onNotify),
    close: () => client.close(),
  };
}

/** A dedicated LISTEN connection that reconnects (with a pause) when it drops; callers also poll, so a gap loses nothing. */
async function listenOnServer(url: string, channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
  const pg = await import('pg');
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  let closed = false;
  let client: InstanceType<typeof pg.default.Client> | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const c = new pg.default.Client({ connectionString: url });
    c.on('notification', (n) => { if (n.channel === channel) onNotify(n.payload ?? ''); });
    c.on('error', (err) => {
      console.error(`postgres listen (${channel}): ${err.message}; reconnecting`);
      void c.end().catch(() => undefined);
      if (client === c) client = null;
      schedule();
    });
    await c.connect();
    await c.query(`listen ${channel}`);
    if (closed) { await c.end(); return; }
    client = c;
    onNotify(''); // whatever was notified while disconnected
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => { retry = null; connect().catch((e) => { console.error(`postgres listen (${channel}): ${(e as Error).message}`); schedule(); }); }, 1000);
    retry.unref();
  };
  await connect();
  return async () => {
    closed = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => undefined);
    client = null;
  };
}

export function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8'));
  return journal.entries.length;
}

export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'postgres') {
    const { migrate: m } = await import('drizzle-orm/node-postgres/migrator');
    await m(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
  } else {
    const { migrate: m } = await import('drizzle-orm/pglite/migrator');
    await m(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
  }
}

export async function appliedMigrations(database: Database): Promise<number> {
  try {
    const rows = await database.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

export function listMigrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
}

export { sql };
