// Sign-in, sessions, second factors and API tokens.
import type { Module } from '../../platform/context.ts';
import type { LoginThrottle, SessionStore } from './auth.service.ts';
import type { TokenRateLimiter } from './tokens.service.ts';
import { authRoutes } from './auth.routes.ts';
import { factorRoutes } from './factors.routes.ts';
import { tokenRoutes } from './tokens.routes.ts';
import { webauthnRoutes } from './webauthn.routes.ts';

// the services this module adds to the shared context (built by the composition root, app.ts)
declare module '../../platform/context.ts' {
  interface AppContext {
    sessions: SessionStore;
    throttle: LoginThrottle;
    /** Per-token rate limits of API tokens (in memory, per process). */
    tokenLimiter: TokenRateLimiter;
  }
}

export const authModule: Module = {
  name: 'auth',
  routes(app, ctx) {
    authRoutes(app, ctx);
    tokenRoutes(app, ctx);
    factorRoutes(app, ctx);
    webauthnRoutes(app, ctx);
  },
};
