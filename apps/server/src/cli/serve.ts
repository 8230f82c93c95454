import Fastify from 'fastify';
import type { Config } from '../platform/config.ts';
import { buildApp, closeContext, createContext, healthRoute } from '../app.ts';
import { ensureInitialModel } from '../modules/risk/risk.jobs.ts';
import { seedOnFirstStart } from '../modules/orgs/demo.ts';
import { startDemoHistory } from '../modules/demo-history/demo-history.service.ts';
import { installLive } from '../modules/sessions/index.ts';

/**
 * How long a stopping node keeps answering after /api/health turned 503: the load balancer's health check (every
 * second in deploy/haproxy.cfg, down after 2 failures) takes it out of rotation first, so no new request is cut off.
 * Only on Postgres (a cluster); a single PGlite process stops at once.
 */
const DRAIN_MS = Number(process.env.RVI_DRAIN_MS ?? 2500);

/**
 * `rvi serve [--roles api,worker,media]`. api: the web app, the API and WebSockets (several such nodes behind a load
 * balancer share Postgres; rooms fan out through LISTEN/NOTIFY). media: a media node (relay and recorder; sessions
 * are placed on live media nodes and taken over when one dies). worker: the pg-boss jobs
 * and the outbox dispatcher (several workers claim rows with SKIP LOCKED; each event is delivered at least once and
 * handlers are idempotent). Default: all three in one process (`npm start`, PGlite).
 */
export async function serve(config: Config): Promise<void> {
  const api = config.roles.includes('api');
  const worker = config.roles.includes('worker');
  // the outbox dispatcher runs where the job handlers are registered: an event claimed by a node without its
  // handler would be marked done unhandled
  const ctx = await createContext(config, { queue: worker, jobs: worker, dispatch: worker, realtime: true });
  if (worker || api) {
    const seed = await seedOnFirstStart(ctx.db, { demo: config.demo, password: config.demoPassword });
    if (seed.seeded) {
      const who = config.demo ? 'all demo users (see README)' : 'the administrator "admin"';
      if (seed.generated) {
        // Printed once, at first start only: it is not stored anywhere in clear.
        console.log(`\n  First start: password for ${who}: ${seed.password}\n  (set RVI_DEMO_PASSWORD to choose it; this is shown only once)\n`);
      } else {
        console.log(`\n  First start: ${who} use the password from RVI_DEMO_PASSWORD\n`);
      }
    }
  }
  if (worker) {
    await ensureInitialModel(ctx);
    // Vision models are loaded and warmed at start: the first reading of a live session is as fast as the later ones.
    void ctx.vision?.runner.warm().catch((e) => console.error('vision models failed to load:', e));
    void ctx.vision?.sweep().catch((e) => console.error('vision sweep failed:', e));
  }
  // a worker-only or media-only node answers only /api/health (process supervisors and monitoring probe it); a media
  // node's peers reach it through the API nodes' signalling relay, their media straight over WebRTC
  const app = api ? await buildApp(ctx) : Fastify({ logger: { level: config.logLevel } });
  if (!api) healthRoute(app, ctx);
  if (!api && config.roles.includes('media')) installLive(app, ctx);
  // A checkpoint at start (what the log held when this process took over) and one at shutdown (best effort).
  await ctx.checkpoints.create({ ifGrown: true }).catch((e) => console.error(`audit checkpoint at start refused: ${(e as Error).message}`));
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    ctx.draining = true;
    if (api && ctx.database.kind === 'postgres' && DRAIN_MS > 0) await new Promise((r) => setTimeout(r, DRAIN_MS));
    await ctx.checkpoints.create({ ifGrown: true }).catch(() => undefined);
    await app.close();
    await closeContext(ctx);
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  const address = await app.listen({ port: config.port, host: config.host });
  console.log(`customs-rvi listening on ${address} (roles: ${config.roles.join(',')}; database: ${ctx.database.kind}; data: ${config.dataDir})`);
  // First start with demo data: weeks of history through the real workflow, in the background (figures fill in as it runs).
  if (worker) void startDemoHistory(ctx);
}
