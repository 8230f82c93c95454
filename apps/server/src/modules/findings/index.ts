// Findings and AI suggestions.
import type { Module } from '../../platform/context.ts';
import { findingsRoutes } from './findings.routes.ts';

export const findingsModule: Module = {
  name: 'findings',
  routes: findingsRoutes,
};
