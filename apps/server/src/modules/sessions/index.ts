// Live sessions: signalling, the media node, recording, guidance, snapshots.
import type { Module } from '../../platform/context.ts';
import { sessionsRoutes } from './sessions.routes.ts';

export const sessionsModule: Module = {
  name: 'sessions',
  routes: sessionsRoutes,
};
export { installLive } from './sessions.routes.ts';
