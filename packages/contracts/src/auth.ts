import { Type, type Static } from '@sinclair/typebox';

export const ROLES = ['enterprise_user', 'onsite_operator', 'inspector', 'supervisor', 'administrator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const CUSTOMS_ROLES: readonly Role[] = ['inspector', 'supervisor', 'administrator', 'auditor'];
export const ENTERPRISE_ROLES: readonly Role[] = ['enterprise_user', 'onsite_operator'];
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const ORG_KINDS = ['customs_office', 'enterprise'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const Org = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union(ORG_KINDS.map((k) => Type.Literal(k))),
  code: Type.String(),
  supervisingOfficeId: Type.Union([Type.String(), Type.Null()]),
});
export type Org = Static<typeof Org>;

export const Me = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  org: Org,
  locale: Type.String(),
  /** What this user may do, computed by the server's policy layer: the UI reads it and never re-derives role logic. */
  can: Type.Record(Type.String(), Type.Boolean()),
  /** An administrator set the password: choose a new one (POST /api/auth/password) before anything else. */
  mustChangePassword: Type.Boolean(),
  /**
   * Second factor of this login: 'pending' → give a code (POST /api/auth/factor); 'enrol' → the role requires one and
   * none is set up (POST /api/auth/totp/enrol, then /confirm); 'ok'. Anything else is refused until it is 'ok'.
   */
  secondFactor: Type.Union([Type.Literal('ok'), Type.Literal('pending'), Type.Literal('enrol')]),
  /** An authenticator app (TOTP) is set up for this account. */
  totpEnrolled: Type.Boolean(),
  /** Security keys / passkeys (WebAuthn) registered for this account: at login either factor is accepted. */
  securityKeys: Type.Integer({ minimum: 0 }),
});
export type Me = Static<typeof Me>;

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
    newPassword: Type.String({ minLength: 10, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const TotpEnrolment = Type.Object({
  /** Base32 secret, for typing into an app that cannot scan the QR code. */
  secret: Type.String(),
  /** The otpauth:// URI (RFC 6238 key URI format). */
  uri: Type.String(),
  /** The URI as a QR code (SVG markup). */
  qrSvg: Type.String(),
});
export type TotpEnrolment = Static<typeof TotpEnrolment>;

export const TotpCodeBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false });
export type TotpCodeBody = Static<typeof TotpCodeBody>;

export const FactorBody = Type.Object({
  code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  recoveryCode: Type.Optional(Type.String({ minLength: 8, maxLength: 40 })),
}, { additionalProperties: false });
export type FactorBody = Static<typeof FactorBody>;

export const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodes = Static<typeof RecoveryCodes>;
export const FactorVerified = Type.Object({ method: Type.Union([Type.Literal('totp'), Type.Literal('recovery_code')]), recoveryCodesLeft: Type.Integer() });
export type FactorVerified = Static<typeof FactorVerified>;

/** The sign-in methods this server offers besides local passwords (the login page shows a button for OpenID Connect). */
export const SsoOptions = Type.Object({
  /** OpenID Connect single sign-on for customs staff; null when not configured. */
  oidc: Type.Union([Type.Object({ name: Type.String(), startUrl: Type.String() }), Type.Null()]),
  /** LDAP: customs staff sign in with their directory user name and password in the ordinary form. */
  ldap: Type.Boolean(),
});
export type SsoOptions = Static<typeof SsoOptions>;

export const OidcStartQuery = Type.Object({
  /** A path on this site to open after signing in (default `/`). */
  returnTo: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type OidcStartQuery = Static<typeof OidcStartQuery>;

/** What the identity provider sends back (RFC 6749 §4.1.2; providers add e.g. `iss`, `session_state`). */
export const OidcCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  state: Type.Optional(Type.String({ maxLength: 1024 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
  iss: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: Type.String({ maxLength: 4096 }) });
export type OidcCallbackQuery = Static<typeof OidcCallbackQuery>;
