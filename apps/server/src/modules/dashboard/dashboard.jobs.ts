import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { refreshFigures, refreshPending } from './dashboard.refresh.ts';

/** How often the figure tables catch up with the workflow when nobody is reading them. */
export const REFRESH_EVERY_MS = 5_000;

/**
 * Keeps the figure tables current in the background: every few seconds, if orders changed, recompute them and tell the
 * consoles of the offices concerned to refetch their figures (`['dashboard']`). Reads also refresh first, so a figure
 * is never older than the last committed change.
 */
export function installFigureRefresh(app: FastifyInstance, ctx: AppContext, everyMs = REFRESH_EVERY_MS): void {
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      if (!(await refreshPending(ctx.db))) return;
      const r = await refreshFigures(ctx.db);
      if (r.offices.length) ctx.hub.invalidate(r.offices.map((o) => `office:${o}`), [['dashboard']]);
    } catch (err) {
      if (!stopped) app.log.error({ err }, 'figure refresh failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  app.addHook('onClose', async () => {
    stopped = true;
    clearInterval(timer);
  });
}
