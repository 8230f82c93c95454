import { Type, type Static } from '@sinclair/typebox';

/**
 * WebAuthn second factor (issue 19.2): security keys and passkeys, beside TOTP and under the same rules (required for
 * supervisors and administrators, asked at login and again before the most sensitive actions). The options and
 * responses are the W3C JSON forms that @simplewebauthn/browser produces and consumes; the server checks them with
 * @simplewebauthn/server.
 */
const Json = Type.Record(Type.String(), Type.Unknown());

/** PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON, for startRegistration/startAuthentication. */
export const WebauthnOptions = Type.Object({ options: Json });
export type WebauthnOptions = Static<typeof WebauthnOptions>;

export const WebauthnRegisterBody = Type.Object({
  /** A name to recognise the key by ("YubiKey 5", "laptop"). */
  name: Type.String({ minLength: 1, maxLength: 60 }),
  /** RegistrationResponseJSON from startRegistration(). */
  response: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }), rawId: Type.String({ maxLength: 1024 }), type: Type.Literal('public-key'), response: Json }, { additionalProperties: true }),
}, { additionalProperties: false });
export type WebauthnRegisterBody = Static<typeof WebauthnRegisterBody>;

export const WebauthnAuthenticateBody = Type.Object({
  /** AuthenticationResponseJSON from startAuthentication(). */
  response: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }), rawId: Type.String({ maxLength: 1024 }), type: Type.Literal('public-key'), response: Json }, { additionalProperties: true }),
}, { additionalProperties: false });
export type WebauthnAuthenticateBody = Static<typeof WebauthnAuthenticateBody>;

export const SecurityKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type SecurityKey = Static<typeof SecurityKey>;
export const SecurityKeyList = Type.Object({ items: Type.Array(SecurityKey) });
export type SecurityKeyList = Static<typeof SecurityKeyList>;

/** After a registration: the key, and recovery codes when the account had none left (shown once). */
export const SecurityKeyRegistered = Type.Object({ key: SecurityKey, recoveryCodes: Type.Array(Type.String()) });
export type SecurityKeyRegistered = Static<typeof SecurityKeyRegistered>;
export const WebauthnVerified = Type.Object({ method: Type.Literal('webauthn'), keyId: Type.String() });
export type WebauthnVerified = Static<typeof WebauthnVerified>;
