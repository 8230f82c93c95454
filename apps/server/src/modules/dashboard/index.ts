// The command platform: figures and the live wall.
import type { Module } from '../../platform/context.ts';
import { dashboardRoutes } from './dashboard.routes.ts';

export const dashboardModule: Module = {
  name: 'dashboard',
  routes: dashboardRoutes,
};
