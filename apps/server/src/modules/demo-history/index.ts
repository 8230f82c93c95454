// Weeks of demo history through the real workflow (first start with demo data).
import type { Module } from '../../platform/context.ts';
import { demoHistoryRoutes } from './demo-history.routes.ts';

export const demoHistoryModule: Module = {
  name: 'demo-history',
  routes: demoHistoryRoutes,
};
