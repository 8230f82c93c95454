// The hash-chained audit log, its signed checkpoints and their verification.
import type { Module } from '../../platform/context.ts';
import type { AuditCheckpoints } from './audit.checkpoints.ts';
import { auditRoutes } from './audit.routes.ts';

// the services this module adds to the shared context (built by the composition root, app.ts)
declare module '../../platform/context.ts' {
  interface AppContext {
    /** Signed checkpoints of the audit log, kept outside the database (DATA_DIR/audit, witness). */
    checkpoints: AuditCheckpoints;
  }
}

export const auditModule: Module = {
  name: 'audit',
  routes: auditRoutes,
};
