import type { Config } from '../platform/config.ts';
import { buildApp, closeContext, createContext } from '../app.ts';
import { ensureInitialModel } from '../modules/risk/risk.jobs.ts';
import { seedOnFirstStart } from '../modules/orgs/demo.ts';
import { startDemoHistory } from '../modules/demo-history/demo-history.service.ts';

export async function serve(config: Config): Promise<void> {
  const ctx = await createContext(config, { queue: true });
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
  await ensureInitialModel(ctx);
  // Vision models are loaded and warmed at start: the first reading of a live session is as fast as the later ones.
  void ctx.vision?.runner.warm().catch((e) => console.error('vision models failed to load:', e));
  void ctx.vision?.sweep().catch((e) => console.error('vision sweep failed:', e));
  const app = await buildApp(ctx);
  // A checkpoint at start (what the log held when this process took over) and one at shutdown (best effort).
  await ctx.checkpoints.create({ ifGrown: true }).catch((e) => console.error(`audit checkpoint at start refused: ${(e as Error).message}`));
  const close = async () => {
    await ctx.checkpoints.create({ ifGrown: true }).catch(() => undefined);
    await app.close();
    await closeContext(ctx);
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  const address = await app.listen({ port: config.port, host: config.host });
  console.log(`customs-rvi listening on ${address} (database: ${ctx.database.kind}; data: ${config.dataDir})`);
  // First start with demo data: weeks of history through the real workflow, in the background (figures fill in as it runs).
  void startDemoHistory(ctx);
}
