// Single sign-on for customs staff (issue 19.1): a person signed in by the administration's identity provider (OpenID
// Connect) or directory (LDAP) is matched by a stable subject, created or updated from its claims (role and customs
// office re-applied at every sign-in), and gets the same session as a password login, second-factor rules included.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Role } from '@rvi/contracts';
import { organisations, userIdentities, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import type { RoleMap } from '../../platform/config.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { hashPassword, type SessionStore } from './auth.service.ts';
import { loginFactorState } from './factor-state.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export type SsoProvider = 'oidc' | 'ldap';

/** What an identity provider or directory said about the person signing in. */
export interface ExternalIdentity {
  provider: SsoProvider;
  /** Stable across renames: OpenID Connect `issuer + ' ' + sub`; LDAP `uuid:<entryUUID>` (or `dn:<dn>` without one). */
  subject: string;
  username: string;
  displayName: string;
  email: string | null;
  /** Role claim values (OIDC) or group DNs and cns (LDAP), matched against the configured role map. */
  roleValues: string[];
  /** The customs office's code (organisations.code) from the configured claim or attribute. */
  officeValue: string | null;
  /** The claims / attributes kept on the identity link (what decided role and office), never tokens. */
  claims: Record<string, unknown>;
}

/**
 * The first entry of the map (in configured order) whose value is one of the person's values, compared without case
 * (LDAP DNs and group names are case-insensitive). Null: no role for this person.
 */
export function mapRole(values: readonly string[], map: RoleMap): Role | null {
  const have = new Set(values.map((v) => v.trim().toLowerCase()));
  for (const [value, role] of map) if (have.has(value.toLowerCase())) return role;
  return null;
}

const refused = (code: string, message: string, details?: unknown) => new AppError(code, 403, message, details);

function systemFor(username: string, requestId: string, userId: string | null = null): Actor {
  return { kind: 'system', userId, username, role: 'system', orgId: null, orgKind: null, officeId: null, requestId };
}

/** A refused or failed sign-in, audited in its own transaction (the sign-in's own transaction is rolled back). */
export async function auditSignInRefused(
  db: Db, input: { method: SsoProvider; username: string; reason: string; ip: string; requestId: string; subject?: string | null },
): Promise<void> {
  await transaction(db, async (tx) => {
    await recordAudit(tx, systemFor(input.username || '(unknown)', input.requestId), 'auth.login_failed', { type: 'user', id: null },
      { method: input.method, reason: input.reason, ip: input.ip, subject: input.subject ?? null });
  });
}

export interface ExternalSignInOptions {
  roleMap: RoleMap;
  ip: string;
  requestId: string;
  requireSecondFactor: boolean;
  /** The provider proved a second factor this customs-rvi accepts (RVI_OIDC_MFA_AMR); never for LDAP. */
  factorSatisfied: boolean;
}

/**
 * Signs in a person the provider vouched for: maps role and office (refusing unmapped ones with a reason the login
 * page shows), finds the account by its identity link or creates it, re-applies role, office, name and e-mail, and
 * opens a session exactly as a password login does (same cookie, same second-factor state). Everything in one
 * transaction with its audit entries; a refusal is audited as `auth.login_failed` with its reason.
 */
export async function signInExternal(
  db: Db, sessions: SessionStore, ident: ExternalIdentity, opts: ExternalSignInOptions,
): Promise<{ token: string; expiresAt: Date; userId: string }> {
  try {
    return await signInOrThrow(db, sessions, ident, opts);
  } catch (err) {
    if (err instanceof AppError) {
      await auditSignInRefused(db, { method: ident.provider, username: ident.username, reason: err.code, ip: opts.ip, requestId: opts.requestId, subject: ident.subject });
    }
    throw err;
  }
}

async function signInOrThrow(
  db: Db, sessions: SessionStore, ident: ExternalIdentity, opts: ExternalSignInOptions,
): Promise<{ token: string; expiresAt: Date; userId: string }> {
  const role = mapRole(ident.roleValues, opts.roleMap);
  if (!role) {
    throw refused('sso_role_unmapped', `Your ${ident.provider === 'oidc' ? 'identity provider account' : 'directory entry'} has no role in customs-rvi: ask your administrator to put you in one of the mapped groups`,
      { values: ident.roleValues.slice(0, 20) });
  }
  if (!ident.officeValue) throw refused('sso_office_missing', 'Your account names no customs office: ask your administrator to set it at the identity provider');
  const [office] = await db.select().from(organisations)
    .where(and(eq(organisations.kind, 'customs_office'), eq(organisations.code, ident.officeValue.trim()))).limit(1);
  if (!office) throw refused('sso_office_unknown', `The customs office "${ident.officeValue}" your account names is not known here`, { office: ident.officeValue });
  const username = ident.username.trim().toLowerCase();
  if (!/^[a-z0-9._@-]{1,100}$/.test(username)) throw refused('sso_username_invalid', 'Your account\'s user name cannot be used here (letters, digits, ".", "_", "-", "@"; at most 100)');
  // an unusable local password: an account created by single sign-on cannot be entered with a password
  const unusableHash = await hashPassword(randomBytes(32).toString('base64url'));

  return transaction(db, async (tx) => {
    const [link] = await tx.select().from(userIdentities)
      .where(and(eq(userIdentities.provider, ident.provider), eq(userIdentities.subject, ident.subject))).limit(1);
    let userId: string;
    let created = false;
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (link) {
      const [u] = await tx.select().from(users).where(eq(users.id, link.userId)).limit(1);
      if (!u?.active) throw refused('account_disabled', 'This account is disabled in customs-rvi');
      userId = u.id;
      const next = { role, orgId: office.id, displayName: ident.displayName || u.displayName, email: ident.email ?? u.email };
      for (const k of ['role', 'orgId', 'displayName', 'email'] as const) if (u[k] !== next[k]) changes[k] = { from: u[k], to: next[k] };
      if (Object.keys(changes).length) {
        // a role granted by the identity provider: roleGrantedBy stays null (no administrator of this platform gave it)
        await tx.update(users).set({ ...next, ...(changes.role ? { roleGrantedAt: new Date(), roleGrantedBy: null } : {}) }).where(eq(users.id, u.id));
        sessions.forgetUser(u.id);
      }
      await tx.update(userIdentities).set({ lastClaims: ident.claims, lastLoginAt: new Date() }).where(eq(userIdentities.id, link.id));
    } else {
      const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.username, username)).limit(1);
      // never link an existing account by its name: whoever controls a directory entry called "admin" is not our admin
      if (taken) throw new AppError('sso_username_taken', 409, `The user name "${username}" already belongs to another customs-rvi account: ask your administrator to link or rename it`);
      userId = randomUUID();
      created = true;
      await tx.insert(users).values({
        id: userId, orgId: office.id, username, displayName: ident.displayName || username, role, passwordHash: unusableHash,
        email: ident.email, roleGrantedAt: new Date(),
      });
      await tx.insert(userIdentities).values({ id: randomUUID(), userId, provider: ident.provider, subject: ident.subject, lastClaims: ident.claims, lastLoginAt: new Date() });
    }
    const [u] = await tx.select({ username: users.username }).from(users).where(eq(users.id, userId)).limit(1);
    const actor: Actor = {
      kind: 'user', userId, username: u.username, role, orgId: office.id, orgKind: 'customs_office', officeId: office.id, requestId: opts.requestId,
    };
    if (created) await recordAudit(tx, actor, 'auth.sso_user_created', { type: 'user', id: userId }, { provider: ident.provider, subject: ident.subject, role, officeId: office.id });
    else if (Object.keys(changes).length) await recordAudit(tx, actor, 'auth.sso_user_updated', { type: 'user', id: userId }, { provider: ident.provider, changes });

    // the same second-factor rules as a password login (factors.service.ts), unless the provider proved one we accept
    const factor = opts.factorSatisfied ? 'ok' : await loginFactorState(tx, userId, role, opts.requireSecondFactor);
    const s = await sessions.create(tx, userId, opts.ip, opts.factorSatisfied ? { state: 'ok', method: `${ident.provider}_mfa`, verifiedAt: new Date() } : { state: factor, method: ident.provider });
    await recordAudit(tx, actor, 'auth.logged_in', { type: 'user', id: userId }, {
      ip: opts.ip, method: ident.provider, subject: ident.subject, secondFactor: factor, secondFactorByProvider: opts.factorSatisfied,
    });
    return { ...s, userId };
  });
}
