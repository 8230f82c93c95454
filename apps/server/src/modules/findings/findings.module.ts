// Every route of issue 7: findings and suggestions, decisions and outcomes, keys, case story, evidence, retention.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app.ts';
import { findingsRoutes } from './findings.routes.ts';
import { decisionRoutes } from '../decisions/decisions.routes.ts';
import { evidenceRoutes } from '../evidence/evidence.routes.ts';

export function findingsModuleRoutes(app: FastifyInstance, ctx: AppContext) {
  findingsRoutes(app, ctx);
  decisionRoutes(app, ctx);
  evidenceRoutes(app, ctx);
}
