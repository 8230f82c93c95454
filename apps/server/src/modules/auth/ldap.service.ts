// LDAP sign-in for customs staff (issue 19.1), the alternative to OpenID Connect many administrations still run:
// the ordinary username/password form, checked by a simple bind at the directory (ldapts). Groups map to roles,
// an attribute names the customs office; the account is then provisioned like any single sign-on account.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { and, eq } from 'drizzle-orm';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { userIdentities, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { LdapConfig } from '../../platform/config.ts';
import { AppError } from '../../platform/errors.ts';
import type { LoginThrottle, SessionStore } from './auth.service.ts';
import { auditSignInRefused, signInExternal, type ExternalIdentity } from './sso.service.ts';

/** RFC 4515: a value inside a search filter (`*`, `(`, `)`, `\` and NUL would change the filter). */
export function escapeFilterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** RFC 4514: a value inside a DN (`uid=<value>,ou=…`). */
export function escapeDnValue(v: string): string {
  return v.replace(/[\\,+"<>;=\0]/g, (c) => (c === '\0' ? '\\00' : `\\${c}`)).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

const first = (v: Entry[string] | undefined): string | null => {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? null : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};
const all = (v: Entry[string] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));

/** The value of a DN's first RDN when it is `cn=…` (a group's name). */
const cnOf = (dn: string): string | null => /^\s*cn=((?:\\.|[^,])+)/i.exec(dn)?.[1].replace(/\\(.)/g, '$1') ?? null;

const unavailable = (err: unknown) =>
  new AppError('directory_unavailable', 503, `The staff directory cannot be reached (${err instanceof Error ? err.message : String(err)}); try again later`);

/**
 * Checks a username and password at the directory. Null: no such entry or a wrong password (the caller answers both
 * alike). Throws 503 directory_unavailable when the directory cannot be reached or refuses the search account.
 */
export async function authenticateDirectory(cfg: LdapConfig, username: string, password: string): Promise<ExternalIdentity | null> {
  // an empty password is an "unauthenticated bind" (RFC 4513 §5.1.2), which many servers accept: never a sign-in
  if (!password || !username) return null;
  // TLS (ldaps:// or StartTLS) always verifies the directory's certificate and name, against RVI_LDAP_CA_FILE if set
  const tlsOptions = (): ConnectionOptions => ({ ...(cfg.caFile ? { ca: readFileSync(cfg.caFile) } : {}), minVersion: 'TLSv1.2' });
  // (ldapts speaks TLS from the start whenever tlsOptions are given: only for ldaps://)
  const client = new Client({ url: cfg.url, timeout: cfg.timeoutMs, connectTimeout: cfg.timeoutMs, ...(cfg.url.startsWith('ldaps://') ? { tlsOptions: tlsOptions() } : {}) });
  const attributes = ['entryUUID', cfg.officeAttribute, cfg.displayNameAttribute, cfg.mailAttribute, 'memberOf'];
  try {
    if (cfg.startTls) {
      // before any bind: a directory that cannot upgrade (or whose certificate does not verify) gets no password.
      // The upgraded socket checks the certificate against the URL's host (an address literal: its IP SAN)
      const host = new URL(cfg.url).hostname.replace(/^\[(.*)\]$/, '$1');
      try { await client.startTLS({ ...tlsOptions(), host, ...(isIP(host) ? {} : { servername: host }) }); } catch (err) { throw unavailable(err); }
    }
    let dn: string;
    if (cfg.bindDnTemplate) {
      dn = cfg.bindDnTemplate.replace('{username}', escapeDnValue(username));
    } else {
      try {
        if (cfg.searchDn) await client.bind(cfg.searchDn, cfg.searchPassword ?? '');
        const { searchEntries } = await client.search(cfg.searchBase!, {
          scope: 'sub', filter: cfg.searchFilter.replaceAll('{username}', escapeFilterValue(username)), attributes: ['dn'], sizeLimit: 2,
        });
        // two entries for one name: refuse rather than guess which person this is
        if (searchEntries.length !== 1) return null;
        dn = searchEntries[0].dn;
      } catch (err) {
        throw unavailable(err);
      }
    }
    try {
      await client.bind(dn, password);
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return null;
      // a DN the template made that does not parse, or an entry that does not exist (some servers say so)
      if (err instanceof Error && /invalid ?dn|no ?such ?object/i.test(`${err.name} ${err.message}`)) return null;
      throw unavailable(err);
    }
    try {
      const { searchEntries: [entry] } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
      if (!entry) return null;
      const groups: string[] = [];
      if (cfg.groupBase) {
        // groups are read with the search account when there is one (the person's own entry may not see them)
        if (cfg.searchDn) await client.bind(cfg.searchDn, cfg.searchPassword ?? '');
        const { searchEntries } = await client.search(cfg.groupBase, { scope: 'sub', filter: cfg.groupFilter.replaceAll('{dn}', escapeFilterValue(entry.dn)), attributes: ['cn'] });
        for (const g of searchEntries) groups.push(g.dn, ...all(g.cn));
      } else {
        for (const g of all(entry.memberOf)) groups.push(g, ...(cnOf(g) ? [cnOf(g)!] : []));
      }
      const uuid = first(entry.entryUUID);
      const officeValue = first(entry[cfg.officeAttribute]);
      return {
        provider: 'ldap',
        subject: uuid ? `uuid:${uuid.toLowerCase()}` : `dn:${entry.dn.toLowerCase()}`,
        username,
        displayName: first(entry[cfg.displayNameAttribute]) ?? username,
        email: first(entry[cfg.mailAttribute]),
        roleValues: groups,
        officeValue,
        claims: { dn: entry.dn, groups, [cfg.officeAttribute]: officeValue },
      };
    } catch (err) {
      throw unavailable(err);
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Whether the login form's username goes to the directory: a local account not linked to the directory keeps its
 * local password (enterprises, the break-glass administrator: they sign in even when the directory is down); an
 * account linked to a directory entry, or a name unknown here, is tried against the directory.
 */
export async function usesDirectory(db: Db, username: string): Promise<boolean> {
  const [row] = await db.select({ id: users.id, linked: userIdentities.id }).from(users)
    .leftJoin(userIdentities, and(eq(userIdentities.userId, users.id), eq(userIdentities.provider, 'ldap')))
    .where(eq(users.username, username.trim().toLowerCase())).limit(1);
  return !row || row.linked !== null;
}

/**
 * The login form's path for directory users: throttled like a local password (the same back-off per account and
 * client), the same 401 for an unknown name and a wrong password, then provisioned and signed in like any single
 * sign-on account (signInExternal: role and office mapping, session, second factor, audit).
 */
export async function loginWithDirectory(
  db: Db, sessions: SessionStore, throttle: LoginThrottle, cfg: LdapConfig,
  input: { username: string; password: string; ip: string; requestId: string },
  opts: { requireSecondFactor: boolean },
): Promise<{ token: string; expiresAt: Date; userId: string }> {
  const username = input.username.trim().toLowerCase();
  const delayMs = await throttle.check(username, input.ip);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  let identity: ExternalIdentity | null;
  try {
    identity = await authenticateDirectory(cfg, username, input.password);
  } catch (err) {
    await auditSignInRefused(db, { method: 'ldap', username, reason: err instanceof AppError ? err.code : 'directory_error', ip: input.ip, requestId: input.requestId });
    throw err;
  }
  if (!identity) {
    await throttle.fail(username, input.ip);
    await auditSignInRefused(db, { method: 'ldap', username, reason: 'invalid_credentials', ip: input.ip, requestId: input.requestId });
    throw new AppError('invalid_credentials', 401, 'Wrong username or password');
  }
  await throttle.succeed(username, input.ip);
  return signInExternal(db, sessions, identity, {
    roleMap: cfg.roleMap, ip: input.ip, requestId: input.requestId, requireSecondFactor: opts.requireSecondFactor, factorSatisfied: false,
  });
}
