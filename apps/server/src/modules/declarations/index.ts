// Declarations and advance arrival notices: filing, CSV/JSON import, corrections.
import type { Module } from '../../platform/context.ts';
import { declarationRoutes } from './declarations.routes.ts';

export const declarationsModule: Module = {
  name: 'declarations',
  routes: declarationRoutes,
};
