import { Type, type Static } from '@sinclair/typebox';
import { RoleSchema } from './auth.ts';

/**
 * API tokens (issue 19): system-to-system credentials bound to one organisation. A scope is an action name of the
 * server's one rule table (e.g. `declaration.create`, `order.read`), capped by the token's role: the token never does
 * more than a user of that role in that organisation could.
 */
export const TokenScope = Type.String({ minLength: 3, maxLength: 64, pattern: '^[a-z_]+\\.[a-z_]+$' });

export const CreateApiTokenBody = Type.Object({
  /** The organisation the token acts for (id or code, e.g. ENT-ALPHA). */
  orgId: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  /** The role whose actions cap the scopes; default enterprise_user for an enterprise, required for a customs office. */
  role: Type.Optional(RoleSchema),
  scopes: Type.Array(TokenScope, { minItems: 1, maxItems: 64 }),
  /** Days until the token expires (default 90, at most 730). */
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 730 })),
  /** Calls per minute (token bucket); default 600. */
  rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
}, { additionalProperties: false });
export type CreateApiTokenBody = Static<typeof CreateApiTokenBody>;

export const RotateApiTokenBody = Type.Object({
  /** How long the old secret keeps working after the rotation (default 0: it stops at once; at most one day). */
  graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  /** New expiry counted from now (default: the old token's lifetime, counted from now). */
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 730 })),
}, { additionalProperties: false });
export type RotateApiTokenBody = Static<typeof RotateApiTokenBody>;

export const ApiTokenListQuery = Type.Object({
  orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  includeRevoked: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type ApiTokenListQuery = Static<typeof ApiTokenListQuery>;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const ApiToken = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  orgCode: Type.String(),
  orgName: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  scopes: Type.Array(Type.String()),
  /** The first characters of the secret (`rvi_` + the id), to recognise it in a vault; never the secret. */
  prefix: Type.String(),
  rateLimitPerMinute: Type.Integer(),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  expiresAt: Type.String({ format: 'date-time' }),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedIp: Nullable(Type.String()),
  rotatedFromId: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type ApiToken = Static<typeof ApiToken>;

export const ApiTokenList = Type.Object({ items: Type.Array(ApiToken) });
export type ApiTokenList = Static<typeof ApiTokenList>;

/** Answer of create and rotate: the secret, shown this once (only its SHA-256 is kept). */
export const ApiTokenSecret = Type.Object({
  token: ApiToken,
  secret: Type.String({ description: 'Send as `Authorization: Bearer <secret>`; shown once, never stored in clear' }),
});
export type ApiTokenSecret = Static<typeof ApiTokenSecret>;

export const ApiTokenCall = Type.Object({
  id: Type.Integer(),
  method: Type.String(),
  route: Type.String(),
  status: Type.Integer(),
  ip: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  at: Type.String({ format: 'date-time' }),
});
export const ApiTokenCallList = Type.Object({ items: Type.Array(ApiTokenCall) });
export type ApiTokenCallList = Static<typeof ApiTokenCallList>;

/** The scopes a token may carry, by role (the rule table's actions of that role). */
export const ApiTokenScopes = Type.Object({ roles: Type.Record(Type.String(), Type.Array(Type.String())) });
export type ApiTokenScopes = Static<typeof ApiTokenScopes>;
