// Automatic dispatch of inspectors under rules, replayably, and manual assignment.
import type { Module } from '../../platform/context.ts';
import { dispatchRoutes } from './dispatch.routes.ts';

export const dispatchModule: Module = {
  name: 'dispatch',
  routes: dispatchRoutes,
};
