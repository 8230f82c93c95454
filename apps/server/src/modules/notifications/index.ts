// In-app notifications.
import type { Module } from '../../platform/context.ts';
import { notificationRoutes } from './notifications.routes.ts';

export const notificationsModule: Module = {
  name: 'notifications',
  routes: notificationRoutes,
};
