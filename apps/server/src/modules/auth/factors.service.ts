// Second factor (issue 19.2): TOTP (RFC 6238) with single-use recovery codes. Required for the roles that release goods
// and delete records (supervisor, administrator) when RVI_REQUIRE_2FA is on (the default), available to everyone, and
// asked again (step-up) before the most sensitive actions when the last proof is older than RVI_STEP_UP_MINUTES.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import * as OTPAuth from 'otpauth';
import { recoveryCodes, sessionFactors, totpFactors } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, conflict, forbidden } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { qrSvg } from '../sessions/sessions.tokens.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { LoginThrottle, SessionStore } from './auth.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export { loginFactorState, SECOND_FACTOR_ROLES, type FactorState } from './factor-state.ts';
const RECOVERY_CODES = 10;
const PERIOD = 30;

export interface FactorDeps {
  db: Db;
  sessions: SessionStore;
  throttle: LoginThrottle;
  secrets: SecretBox;
  config: { requireSecondFactor: boolean };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const normaliseRecovery = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function totpOf(secretBase32: string, username: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: 'customs-rvi', label: username, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) });
}

function sessionOf(actor: Actor): { userId: string; sessionId: string } {
  if (!actor.userId || !actor.factor || actor.token) throw forbidden('Only a signed-in user has a second factor');
  return { userId: actor.userId, sessionId: actor.factor.sessionId };
}

/**
 * Starts (or restarts) TOTP enrolment: a new secret, sealed at rest, not used until confirmed with a code. Refused
 * when a confirmed factor exists (409 totp_enrolled).
 */
export async function startTotpEnrolment(deps: FactorDeps, actor: Actor): Promise<{ secret: string; uri: string; qrSvg: string }> {
  const { userId } = sessionOf(actor);
  const [existing] = await deps.db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
  if (existing?.confirmedAt) throw conflict('totp_enrolled', 'An authenticator app is already set up for this account');
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  const secretEnc = deps.secrets.seal(secret);
  await deps.db.insert(totpFactors).values({ userId, secretEnc }).onConflictDoUpdate({ target: totpFactors.userId, set: { secretEnc, lastStep: null, createdAt: new Date() } });
  const uri = totpOf(secret, actor.username).toString();
  return { secret, uri, qrSvg: qrSvg(uri) };
}

/** Checks a code against the user's secret; returns the time step it matched (±1 step of clock drift), else null. */
function matchStep(secret: string, username: string, code: string, now: number): number | null {
  const delta = totpOf(secret, username).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

const invalidCode = () => badRequest('invalid_code', 'code: wrong or already used code', [{ field: 'body.code', message: 'is wrong or was already used' }]);

async function throttled<T>(deps: FactorDeps, actor: Actor, ip: string, run: () => Promise<T | null>): Promise<T> {
  const key = `2fa:${actor.username}`;
  const delay = await deps.throttle.check(key, ip);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const out = await run();
  if (out === null) {
    await deps.throttle.fail(key, ip);
    throw invalidCode();
  }
  await deps.throttle.succeed(key, ip);
  return out;
}

/** Confirms enrolment with a first code: the factor is on, this session counts as verified, recovery codes are issued (shown once). */
export async function confirmTotp(deps: FactorDeps, actor: Actor, input: { code: string; ip: string }, now = Date.now()): Promise<{ recoveryCodes: string[] }> {
  const { userId, sessionId } = sessionOf(actor);
  const [row] = await deps.db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
  if (!row) throw conflict('totp_not_started', 'Start the set-up first (POST /api/auth/totp/enrol)');
  if (row.confirmedAt) throw conflict('totp_enrolled', 'An authenticator app is already set up for this account');
  const step = await throttled(deps, actor, input.ip, async () => matchStep(deps.secrets.unseal(row.secretEnc), actor.username, input.code, now));
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const raw = randomBytes(8).toString('hex');
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}-${raw.slice(12)}`;
  });
  await transaction(deps.db, async (tx) => {
    await tx.update(totpFactors).set({ confirmedAt: new Date(now), lastStep: step }).where(eq(totpFactors.userId, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((c) => ({ id: randomUUID(), userId, codeHash: sha256(normaliseRecovery(c)) })));
    await markVerified(tx, sessionId, now);
    await recordAudit(tx, actor, 'auth.totp_enrolled', { type: 'user', id: userId }, { ip: input.ip, recoveryCodes: codes.length });
  });
  deps.sessions.forgetUser(userId);
  return { recoveryCodes: codes };
}

async function markVerified(tx: Db, sessionId: string, now: number) {
  await tx.insert(sessionFactors).values({ sessionId, state: 'ok', method: 'password', verifiedAt: new Date(now) })
    .onConflictDoUpdate({ target: sessionFactors.sessionId, set: { state: 'ok', verifiedAt: new Date(now) } });
}

/**
 * Proves the second factor for this session: at login (state pending) or again before a sensitive action (step-up).
 * A TOTP code is accepted once (a code of an already used time step is refused), a recovery code once ever.
 */
export async function verifyFactor(
  deps: FactorDeps, actor: Actor, input: { code?: string; recoveryCode?: string; ip: string }, now = Date.now(),
): Promise<{ method: 'totp' | 'recovery_code'; recoveryCodesLeft: number }> {
  const { userId, sessionId } = sessionOf(actor);
  if (!input.code === !input.recoveryCode) throw badRequest('validation', 'body: give exactly one of code or recoveryCode', [{ field: 'body.code', message: 'give exactly one of code or recoveryCode' }]);
  const [row] = await deps.db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).limit(1);
  if (!row?.confirmedAt) throw conflict('totp_not_enrolled', 'No authenticator app is set up for this account');
  const method = input.code ? 'totp' as const : 'recovery_code' as const;
  await throttled(deps, actor, input.ip, async () => transaction(deps.db, async (tx) => {
    if (input.code) {
      const step = matchStep(deps.secrets.unseal(row.secretEnc), actor.username, input.code, now);
      if (step === null) return null;
      // the step only moves forward, in one statement, so two requests with the same code cannot both pass
      const moved = await tx.update(totpFactors).set({ lastStep: step })
        .where(and(eq(totpFactors.userId, userId), sqlStepBefore(step))).returning({ userId: totpFactors.userId });
      if (moved.length === 0) return null;
    } else {
      const used = await tx.update(recoveryCodes).set({ usedAt: new Date(now) })
        .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, sha256(normaliseRecovery(input.recoveryCode!))), isNull(recoveryCodes.usedAt)))
        .returning({ id: recoveryCodes.id });
      if (used.length === 0) return null;
    }
    await markVerified(tx, sessionId, now);
    await recordAudit(tx, actor, 'auth.second_factor_verified', { type: 'user', id: userId }, { ip: input.ip, method, stepUp: actor.factor?.state === 'ok' });
    return true;
  }));
  deps.sessions.forgetUser(userId);
  const left = await deps.db.select({ id: recoveryCodes.id }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return { method, recoveryCodesLeft: left.length };
}

const sqlStepBefore = (step: number) => sql`(${totpFactors.lastStep} is null or ${totpFactors.lastStep} < ${step})`;
