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
  // One createQueue per name, never two at once (concurrent creation of the same queue deadlocks in pg-boss 10).
  const queues = new Map<string, Promise<void>>();
  const ensure = (name: string): Promise<void> => {
    let p = queues.get(name);
    if (!p) {
      p = boss.createQueue(name).catch((e: Error) => { queues.delete(name); if (!/exists/.test(e.message)) throw e; });
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
