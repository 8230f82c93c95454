import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app.ts';
import { dashboardRoutes } from './dashboard.routes.ts';
import { adminRoutes } from '../admin/admin.routes.ts';
import { demoHistoryRoutes } from '../demo-history/demo-history.routes.ts';

/** Every route of issue 8: figures and the live wall (dashboard), administration, demo-history status. */
export function dashboardModuleRoutes(app: FastifyInstance, ctx: AppContext) {
  dashboardRoutes(app, ctx);
  adminRoutes(app, ctx);
  demoHistoryRoutes(app, ctx);
}
