import { Type, type Static } from '@sinclair/typebox';
/**
 * Readiness of one node (the load balancer's health check): 200 with status "ok" when the database answers and every
 * migration this build expects is applied; 503 with status "unavailable" (and which check failed) otherwise, or while
 * the node is shutting down.
 */
export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  version: Type.String(),
  database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
  migrationsApplied: Type.Integer(),
  migrationsExpected: Type.Integer(),
  checks: Type.Object({
    database: Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]),
    migrations: Type.Union([Type.Literal('ok'), Type.Literal('pending')]),
    shutdown: Type.Boolean({ description: 'true while this node drains before it stops' }),
  }),
  /** What this process does: api, worker, media (`rvi serve --roles`). */
  roles: Type.Array(Type.String()),
  /** This process (host:pid), to tell nodes apart behind a load balancer. */
  node: Type.String(),
});
export type Health = Static<typeof Health>;
