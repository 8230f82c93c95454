import type { FastifyInstance } from 'fastify';
import { DemoHistoryStatus, ErrorBody } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { readStatus } from './demo-history.service.ts';

/** Progress of the demo history generated at first start (the figures fill in while it runs). */
export function demoHistoryRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/demo-history', {
    // supervisor, administrator, auditor (every role with admin.manage also has dashboard.read)
    config: { access: { action: 'dashboard.read' } },
    schema: { tags: ['dashboard'], summary: 'State of the simulated demo history (generated once at first start with demo data)', response: { 200: DemoHistoryStatus, 401: ErrorBody, 403: ErrorBody } },
  }, async () => readStatus(ctx.db));
}
