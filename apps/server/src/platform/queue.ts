import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Database } from './db.ts';

/**
 * Background jobs on pg-boss (Postgres-backed, so no extra service): on a PostgreSQL server through its own pool,
 * on PGlite through pg-boss's `db` adapter over the same in-process database.
 */
export interface JobQueue {
  send<T extends object>(name: string, data: T, options?: PgBoss.SendOptions): Promise<string | null>;
  work<T>(name: string, handler: (data: T, id: string) => Promise<unknown>, options?: { batchSize?: number; pollingIntervalSeconds?: number }): Promise<void>;
  stop(): Promise<void>;
  boss: PgBoss;
}

/**
 * The job id an outbox handler sends a job under: derived from the event id and the job name (a UUID, as pg-boss
 * wants), so delivering the same event twice inserts the job once (pg-boss ignores a repeated id).
 */
export function jobIdFor(eventId: string, job: string): string {
  const h = createHash('sha256').update(`${eventId}/${job}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function startQueue(database: Database, databaseUrl: string | null): Promise<JobQueue> {
  const options: PgBoss.ConstructorOptions = databaseUrl
    ? { connectionString: databaseUrl, max: 3, supervise: true, schedule: true }
    : {
        db: {
          executeSql: async (text: string, values: unknown[]) => {
            const rows = values?.length ? await database.query(text, values) : await database.script(text);
            return { rows };
          },
        },
        supervise: true,
        schedule: true,
      };
  const boss = new PgBoss(options);
  boss.on('error', (err) => console.error('job queue error:', err.message));
  await boss.start();
  // Queues are created one at a time, never two at once: pg-boss 10 creates a partition table per queue and concurrent
  // creations (even of different queues) deadlock on its queue table. A deadlock is retried.
  const queues = new Map<string, Promise<void>>();
  let chain: Promise<unknown> = Promise.resolve();
  const create = async (name: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await boss.createQueue(name);
        return;
      } catch (e) {
        const err = e as Error & { code?: string };
        if (/exists/.test(err.message)) return;
        if (err.code === '40P01' && attempt < 5) { await new Promise((r) => setTimeout(r, 50 * attempt)); continue; }
        throw e;
      }
    }
  };
  const ensure = (name: string): Promise<void> => {
    let p = queues.get(name);
    if (!p) {
      p = chain.then(() => create(name));
      chain = p.catch(() => undefined);
      p.catch(() => queues.delete(name));
      queues.set(name, p);
    }
    return p;
  };
  return {
    boss,
    async send(name, data, opts) {
      await ensure(name);
      return opts ? boss.send(name, data, opts) : boss.send(name, data);
    },
    async work(name, handler, opts) {
      await ensure(name);
      await boss.work<Record<string, unknown>>(name, { batchSize: opts?.batchSize ?? 1, pollingIntervalSeconds: opts?.pollingIntervalSeconds ?? 0.5 }, async (jobs) => {
        for (const job of jobs) await handler(job.data as never, job.id);
      });
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 5000 });
    },
  };
}
