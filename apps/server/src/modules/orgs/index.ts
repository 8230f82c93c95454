// Organisations (customs offices, enterprises) and the demo seed.
import type { Module } from '../../platform/context.ts';
import { orgRoutes } from './orgs.routes.ts';

export const orgsModule: Module = {
  name: 'orgs',
  routes: orgRoutes,
};
