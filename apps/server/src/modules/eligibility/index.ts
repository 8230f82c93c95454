// Remote eligibility: rules recommend, the inspector decides.
import type { Module } from '../../platform/context.ts';
import { eligibilityRoutes } from './eligibility.routes.ts';

export const eligibilityModule: Module = {
  name: 'eligibility',
  routes: eligibilityRoutes,
};
