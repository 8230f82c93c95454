import type { FastifyInstance } from 'fastify';
import { DemoHistoryStatus, ErrorBody } from '@rvi/contracts';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../platform/http.ts';
import { forbidden } from '../../platform/errors.ts';
import { roleAllows } from '../../platform/policy.ts';
import { readStatus } from './demo-history.service.ts';

/** Progress of the demo history generated at first start (the figures fill in while it runs). */
export function demoHistoryRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/demo-history', {
    schema: { tags: ['dashboard'], summary: 'State of the simulated demo history (generated once at first start with demo data)', response: { 200: DemoHistoryStatus, 401: ErrorBody, 403: ErrorBody } },
  }, async (req) => {
    const actor = actorOf(req);
    if (!roleAllows(actor, 'dashboard.read') && !roleAllows(actor, 'admin.manage')) throw forbidden(`Your role (${actor.role}) may not read the demo history status`);
    return readStatus(ctx.db);
  });
}
