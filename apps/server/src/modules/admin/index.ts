// Administration: users, offices, settings.
import type { Module } from '../../platform/context.ts';
import { adminRoutes } from './admin.routes.ts';

export const adminModule: Module = {
  name: 'admin',
  routes: adminRoutes,
};
