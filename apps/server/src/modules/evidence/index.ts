// Evidence packages, media, keys and retention.
import type { Module } from '../../platform/context.ts';
import { evidenceRoutes } from './evidence.routes.ts';

export const evidenceModule: Module = {
  name: 'evidence',
  routes: evidenceRoutes,
};
