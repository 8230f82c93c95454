// Decisions (four eyes where needed) and their outcomes.
import type { Module } from '../../platform/context.ts';
import { decisionRoutes } from './decisions.routes.ts';

export const decisionsModule: Module = {
  name: 'decisions',
  routes: decisionRoutes,
};
