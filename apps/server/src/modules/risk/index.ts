// Risk targeting: models, scores, selection draws.
import type { Module } from '../../platform/context.ts';
import type { ModelCache } from './risk.service.ts';
import { installRiskJobs } from './risk.jobs.ts';
import { riskRoutes } from './risk.routes.ts';

// the services this module adds to the shared context (built by the composition root, app.ts)
declare module '../../platform/context.ts' {
  interface AppContext {
    /** The active risk model, loaded once per version. */
    models: ModelCache;
  }
}

export const riskModule: Module = {
  name: 'risk',
  routes: riskRoutes,
  jobs: installRiskJobs,
};
