// WebAuthn as a second factor (issue 19.2): security keys and passkeys, beside TOTP and under the same rules — a
// registered key makes the next login 'pending' until a key (or a TOTP code, or a recovery code) is given, it
// satisfies the enrolment that supervisors and administrators must do, and it answers the step-up before the most
// sensitive actions. Checked with @simplewebauthn/server.
//
// The challenge is bound to the login session: it is the session id, purpose, expiry and a nonce sealed with the
// server's secret box (AES-GCM), so a challenge of another session, purpose or more than two minutes old is refused
// on its face. It is also single-use: its hash is the session's one outstanding challenge (session_factors, shared by
// every API node), consumed by the first answer that names it; a replayed answer, or one to a challenge a newer
// request replaced, is refused (a key that keeps no signature counter, as most passkeys, is not protected by the
// counter).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, gte, isNull } from 'drizzle-orm';
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type AuthenticatorTransportFuture, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { SecurityKey, SecurityKeyList, SecurityKeyRegistered, WebauthnOptions, WebauthnVerified } from '@rvi/contracts';
import { recoveryCodes, sessionFactors, webauthnCredentials } from '../../db/schema.ts';
import type { Actor } from '../../platform/actor.ts';
import type { Db } from '../../platform/db.ts';
import { badRequest, conflict, forbidden } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { transaction } from '../../platform/unit-of-work.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { FactorDeps } from './factors.service.ts';

const CHALLENGE_MS = 120_000;
const RP_NAME = 'customs-rvi';

/** Where the browser is: the relying party id (host name) and the origin the signed client data must name. */
export interface RelyingParty { rpID: string; origin: string }

/** RVI_PUBLIC_URL when set (behind a proxy), else the origin the request came to. */
export function relyingParty(publicUrl: string | null, req: { protocol: string; host: string }): RelyingParty {
  const origin = publicUrl ? new URL(publicUrl).origin : `${req.protocol}://${req.host}`;
  return { rpID: new URL(origin).hostname, origin };
}

type Purpose = 'register' | 'authenticate';
const challengeHash = (challenge: string) => createHash('sha256').update(challenge).digest('hex');

/** A new challenge for this session, which replaces any outstanding one. */
async function issueChallenge(db: Db, secrets: SecretBox, sessionId: string, p: Purpose, now: number): Promise<string> {
  const sealed = secrets.seal(JSON.stringify({ s: sessionId, p, e: now + CHALLENGE_MS, n: randomBytes(8).toString('hex') }));
  // what the browser sends back in its client data: the challenge as simplewebauthn encodes it (base64url of the text)
  const challenge = Buffer.from(sealed, 'utf8').toString('base64url');
  const set = { challenge: challengeHash(challenge), challengeExpiresAt: new Date(now + CHALLENGE_MS) };
  await db.insert(sessionFactors).values({ sessionId, state: 'ok', method: 'password', ...set }).onConflictDoUpdate({ target: sessionFactors.sessionId, set });
  return sealed;
}

/**
 * The verifier handed to simplewebauthn: the sealed content must name this session and purpose and be in time, and
 * the challenge must be the session's outstanding one, which it consumes (atomically: of two answers at once, one
 * wins). `why` says which check failed.
 */
function challengeCheck(db: Db, secrets: SecretBox, sessionId: string, p: Purpose, now: number) {
  const check = async (challenge: string): Promise<boolean> => {
    try {
      const c = JSON.parse(secrets.unseal(Buffer.from(challenge, 'base64url').toString('utf8'))) as { s: string; p: string; e: number };
      if (c.s !== sessionId || c.p !== p || c.e < now) { check.why = 'challenge of another session or purpose, or expired'; return false; }
    } catch {
      check.why = 'not a challenge of this server';
      return false;
    }
    const used = await db.update(sessionFactors).set({ challenge: null, challengeExpiresAt: null })
      .where(and(eq(sessionFactors.sessionId, sessionId), eq(sessionFactors.challenge, challengeHash(challenge)), gte(sessionFactors.challengeExpiresAt, new Date(now))))
      .returning({ sessionId: sessionFactors.sessionId });
    if (!used.length) { check.why = 'challenge already used, or replaced by a newer one'; return false; }
    return true;
  };
  check.why = '';
  return check;
}

function sessionOf(actor: Actor): { userId: string; sessionId: string } {
  if (!actor.userId || !actor.factor || actor.token) throw forbidden('Only a signed-in user has a second factor');
  return { userId: actor.userId, sessionId: actor.factor.sessionId };
}

const present = (r: typeof webauthnCredentials.$inferSelect): SecurityKey => ({
  id: r.id, name: r.name, createdAt: r.createdAt.toISOString(), lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
});
const refused = (why: string) => badRequest('webauthn_refused', `response: the security key's answer was not accepted (${why})`, [{ field: 'body.response', message: why }]);

export async function listSecurityKeys(db: Db, actor: Actor): Promise<SecurityKeyList> {
  const { userId } = sessionOf(actor);
  const rows = await db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).orderBy(webauthnCredentials.createdAt);
  return { items: rows.map(present) };
}

/** Options for navigator.credentials.create(): this user, the keys already registered excluded. */
export async function registrationOptions(deps: FactorDeps, actor: Actor, rp: RelyingParty, now = Date.now()): Promise<WebauthnOptions> {
  const { userId, sessionId } = sessionOf(actor);
  const existing = await deps.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId));
  const options = await generateRegistrationOptions({
    rpName: RP_NAME, rpID: rp.rpID, userName: actor.username, userID: new TextEncoder().encode(userId),
    challenge: await issueChallenge(deps.db, deps.secrets, sessionId, 'register', now), attestationType: 'none', timeout: CHALLENGE_MS,
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
  });
  return { options: options as unknown as Record<string, unknown> };
}

/**
 * Stores a new key after checking the authenticator's answer (challenge of this session, origin, RP id). The session
 * counts as verified (as a confirmed TOTP set-up does); recovery codes are issued when the account has none left.
 */
export async function registerSecurityKey(deps: FactorDeps, actor: Actor, rp: RelyingParty, input: { name: string; response: unknown; ip: string }, now = Date.now()): Promise<SecurityKeyRegistered> {
  const { userId, sessionId } = sessionOf(actor);
  let v: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  const expectedChallenge = challengeCheck(deps.db, deps.secrets, sessionId, 'register', now);
  try {
    v = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON, expectedChallenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: false,
    });
  } catch (e) {
    throw refused(expectedChallenge.why || (e as Error).message);
  }
  if (!v.verified || !v.registrationInfo) throw refused('not verified');
  const c = v.registrationInfo.credential;
  const [dup] = await deps.db.select({ id: webauthnCredentials.id }).from(webauthnCredentials).where(eq(webauthnCredentials.id, c.id)).limit(1);
  if (dup) throw conflict('security_key_registered', 'This security key is already registered');
  let codes: string[] = [];
  const row = await transaction(deps.db, async (tx) => {
    const [r] = await tx.insert(webauthnCredentials).values({
      id: c.id, userId, publicKey: Buffer.from(c.publicKey).toString('base64url'), counter: c.counter, transports: c.transports ?? [], name: input.name,
    }).returning();
    const left = await tx.select({ id: recoveryCodes.id }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
    if (!left.length) {
      codes = Array.from({ length: 10 }, () => { const raw = randomBytes(8).toString('hex'); return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}-${raw.slice(12)}`; });
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
      await tx.insert(recoveryCodes).values(codes.map((code) => ({ id: randomUUID(), userId, codeHash: createHash('sha256').update(code.replace(/[^a-z0-9]/g, '')).digest('hex') })));
    }
    await markVerified(tx, sessionId, now);
    await recordAudit(tx, actor, 'auth.webauthn_registered', { type: 'user', id: userId }, { ip: input.ip, keyId: c.id, name: input.name, recoveryCodes: codes.length });
    return r;
  });
  deps.sessions.forgetUser(userId);
  return { key: present(row), recoveryCodes: codes };
}

/** Options for navigator.credentials.get(): the user's registered keys. 409 no_security_key when there are none. */
export async function authenticationOptions(deps: FactorDeps, actor: Actor, rp: RelyingParty, now = Date.now()): Promise<WebauthnOptions> {
  const { userId, sessionId } = sessionOf(actor);
  const keys = await deps.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId));
  if (!keys.length) throw conflict('no_security_key', 'No security key is registered for this account');
  const options = await generateAuthenticationOptions({
    rpID: rp.rpID, challenge: await issueChallenge(deps.db, deps.secrets, sessionId, 'authenticate', now), timeout: CHALLENGE_MS, userVerification: 'preferred',
    allowCredentials: keys.map((k) => ({ id: k.id, transports: k.transports as AuthenticatorTransportFuture[] })),
  });
  return { options: options as unknown as Record<string, unknown> };
}

/**
 * Proves the second factor with a key: at login (pending) or for a step-up. The signature counter must move forward
 * when the key keeps one (a cloned key shows up as a counter that goes back); throttled like codes.
 */
export async function verifySecurityKey(deps: FactorDeps, actor: Actor, rp: RelyingParty, input: { response: unknown; ip: string }, now = Date.now()): Promise<WebauthnVerified> {
  const { userId, sessionId } = sessionOf(actor);
  const response = input.response as AuthenticationResponseJSON;
  const key = `2fa:${actor.username}`;
  const delay = await deps.throttle.check(key, input.ip);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const [cred] = await deps.db.select().from(webauthnCredentials).where(and(eq(webauthnCredentials.id, response.id), eq(webauthnCredentials.userId, userId))).limit(1);
  let v: Awaited<ReturnType<typeof verifyAuthenticationResponse>> | null = null;
  let why = 'unknown security key';
  if (cred) {
    const expectedChallenge = challengeCheck(deps.db, deps.secrets, sessionId, 'authenticate', now);
    try {
      v = await verifyAuthenticationResponse({
        response, expectedChallenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID,
        requireUserVerification: false,
        credential: { id: cred.id, publicKey: Buffer.from(cred.publicKey, 'base64url'), counter: cred.counter, transports: cred.transports as AuthenticatorTransportFuture[] },
      });
      if (!v.verified) why = 'not verified';
    } catch (e) {
      why = expectedChallenge.why || (e as Error).message;
      v = null;
    }
  }
  if (!cred || !v?.verified) {
    await deps.throttle.fail(key, input.ip);
    await transaction(deps.db, (tx) => recordAudit(tx, actor, 'auth.second_factor_failed', { type: 'user', id: userId }, { ip: input.ip, method: 'webauthn', reason: why.slice(0, 200) }));
    throw refused(why);
  }
  await deps.throttle.succeed(key, input.ip);
  await transaction(deps.db, async (tx) => {
    await tx.update(webauthnCredentials).set({ counter: v!.authenticationInfo.newCounter, lastUsedAt: new Date(now) }).where(eq(webauthnCredentials.id, cred.id));
    await markVerified(tx, sessionId, now);
    await recordAudit(tx, actor, 'auth.second_factor_verified', { type: 'user', id: userId }, { ip: input.ip, method: 'webauthn', keyId: cred.id, stepUp: actor.factor?.state === 'ok' });
  });
  deps.sessions.forgetUser(userId);
  return { method: 'webauthn', keyId: cred.id };
}

/** Removes one of the caller's keys (a fresh second factor is required: the route asks for step-up). */
export async function removeSecurityKey(deps: FactorDeps, actor: Actor, id: string): Promise<SecurityKeyList> {
  const { userId } = sessionOf(actor);
  await transaction(deps.db, async (tx) => {
    const gone = await tx.delete(webauthnCredentials).where(and(eq(webauthnCredentials.id, id), eq(webauthnCredentials.userId, userId))).returning({ id: webauthnCredentials.id });
    if (!gone.length) throw badRequest('unknown_security_key', 'id: no such security key of yours', [{ field: 'params.id', message: 'is not one of your security keys' }]);
    await recordAudit(tx, actor, 'auth.webauthn_removed', { type: 'user', id: userId }, { keyId: id });
  });
  deps.sessions.forgetUser(userId);
  return listSecurityKeys(deps.db, actor);
}

async function markVerified(tx: Db, sessionId: string, now: number) {
  await tx.insert(sessionFactors).values({ sessionId, state: 'ok', method: 'password', verifiedAt: new Date(now) })
    .onConflictDoUpdate({ target: sessionFactors.sessionId, set: { state: 'ok', verifiedAt: new Date(now) } });
}
