import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { retentionConfigOf, type RetentionConfig } from './retention-config.ts';
import { parseNetworks } from './egress.ts';
import type { S3StoreConfig } from '../adapters/s3-object-store.ts';
import { CUSTOMS_ROLES, type Role as UserRole } from '@rvi/contracts';

/** Validated configuration from environment variables. A bad value is reported by name and the process exits with code 2. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  demo: boolean;
  demoPassword: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  sessionTtlMinutes: number;
  /** RVI_REQUIRE_2FA (default on): supervisors and administrators must set up a second factor before anything else. */
  requireSecondFactor: boolean;
  /** RVI_STEP_UP_MINUTES (default 5): how recent the second factor must be for the most sensitive actions. */
  stepUpMinutes: number;
  /** RVI_SECRETS_KEY: base64 of 32 bytes sealing TOTP secrets at rest; unset → DATA_DIR/keys/secrets.key. */
  secretsKey: string | null;
  /** How long a resolved session is cached in memory (ms); logout on this node takes effect at once, elsewhere within this time. */
  sessionCacheMs: number;
  /** Idle timeout of a login session: no request for this long ends it (besides the absolute lifetime). */
  sessionIdleMinutes: number;
  /** Secure cookies with the `__Host-` prefix: RVI_SECURE_COOKIES, by default on when RVI_PUBLIC_URL is https. */
  secureCookies: boolean;
  /**
   * The origin users reach the server at (RVI_PUBLIC_URL, e.g. https://rvi.customs.example): links and QR codes are
   * built from it (never from the request's Host header) and state-changing requests must come from it (Origin).
   * Null when not configured: then the address the server listens on (development and tests; see publicOrigin()).
   */
  publicUrl: string | null;
  /** Further origins allowed to make state-changing requests (RVI_EXTRA_ORIGINS, comma-separated; e.g. a dev server). */
  extraOrigins: string[];
  /** Fastify trustProxy: addresses/CIDRs of the reverse proxies whose X-Forwarded-For is believed, or a hop count; false: none. */
  trustProxy: false | string[] | number;
  webDist: string | null;
  iceServers: unknown[];
  /**
   * TURN for networks that block UDP (RVI_TURN_URLS, RVI_TURN_SECRET, RVI_TURN_TTL_SECONDS): every peer that joins a
   * live session gets its own time-limited credentials for these servers (coturn's REST API shared secret). Null: none.
   */
  turn: { urls: string[]; secret: string; ttlSeconds: number } | null;
  /**
   * What a media node reports for placement (RVI_MEDIA_REGION, RVI_MEDIA_PUBLIC_ADDRESS, RVI_MEDIA_CAPACITY): new
   * sessions go to a live node below capacity, in the office's region first.
   */
  media: { region: string | null; publicAddress: string | null; capacity: number };
  /**
   * Live reading on the media node (issue 17.3): container and seal numbers read from each session's video, within a
   * CPU budget (cores) the node's streams share (RVI_LIVE_READING, default on; RVI_LIVE_READING_CPU, default 0.5).
   */
  liveReading: { enabled: boolean; cpu: number };
  /** Minutes between signed audit checkpoints (RVI_AUDIT_CHECKPOINT_MINUTES; 0: only on demand, at start and at export). */
  auditCheckpointMinutes: number;
  /** External witness: every new checkpoint is POSTed here as JSON (RVI_AUDIT_WITNESS_URL). */
  auditWitnessUrl: string | null;
  /**
   * Separation of duties (RVI_DUTY_WINDOW_DAYS): an account whose password an administrator set, or that the same
   * administrator made an approver, may not approve anything for this many days.
   */
  dutyWindowDays: number;
  /** SMTP server for e-mail (camera links, notices): smtp://user:pass@host:587 or smtps://…; null = e-mail off */
  smtpUrl: string | null;
  /** From address of e-mails */
  mailFrom: string;
  smtpTimeoutMs: number;
  /** accept a self-signed certificate from the SMTP server (internal relays) */
  smtpAllowSelfSigned: boolean;
  /**
   * Non-public networks webhooks may be sent to (RVI_WEBHOOK_ALLOW_NETWORKS: addresses or CIDR ranges, comma-separated;
   * default none: only public addresses, see platform/egress.ts)
   */
  webhookAllowNetworks: string[];
  /** SMS gateway webhook (generic JSON POST); null = SMS off */
  smsWebhookUrl: string | null;
  smsWebhookToken: string | null;
  /** sender id passed to the gateway */
  smsFrom: string | null;
  /** Camera links by e-mail/SMS (issue 12): seconds between two sends for one session (RVI_LINK_RESEND_SECONDS) */
  linkResendSeconds: number;
  /** ... and at most this many sends per session per hour (RVI_LINK_SENDS_PER_HOUR) */
  linkSendsPerHour: number;
  /** Legal minimum retention per record type, deletion approval window, automatic sweep (RVI_RETENTION_*). */
  retention: RetentionConfig;
  /**
   * Usernames of auditors who see the audit log of every customs office (RVI_NATIONAL_AUDITORS, comma-separated).
   * Everyone else with audit access sees only entries about their own office (issue 13).
   */
  nationalAuditors: string[];
  /**
   * Where evidence files (recording segments, snapshots) live: DATA_DIR/media (default), or an S3-compatible bucket
   * when RVI_S3_BUCKET is set (RVI_S3_ENDPOINT, RVI_S3_REGION, RVI_S3_ACCESS_KEY, RVI_S3_SECRET_KEY, RVI_S3_PREFIX,
   * RVI_S3_PATH_STYLE).
   */
  objectStore: { kind: 'local' } | ({ kind: 's3' } & S3StoreConfig);
  /** What this process does (`rvi serve --roles api,worker,media`, or RVI_ROLES): all three by default. */
  roles: Role[];
  /** OpenID Connect single sign-on for customs staff (RVI_OIDC_*: issuer, client, claim mapping); null: off. */
  oidc: OidcConfig | null;
  /** LDAP bind for customs staff through the username/password form (RVI_LDAP_*); null: off. */
  ldap: LdapConfig | null;
}

export const ROLES = ['api', 'worker', 'media'] as const;
export type Role = (typeof ROLES)[number];

/** `api,worker` → ['api', 'worker']; unknown or no roles are refused (named by `source`). */
export function rolesOf(raw: string, source = 'RVI_ROLES'): Role[] {
  const list = [...new Set(raw.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))];
  const bad = list.filter((x) => !(ROLES as readonly string[]).includes(x));
  if (bad.length || !list.length) throw new ConfigError(source, `must be a comma-separated list of ${ROLES.join(', ')}, got "${raw}"`);
  return ROLES.filter((r) => list.includes(r));
}

/**
 * Any combination of roles runs (a media-only node is reached through the API nodes' signalling relay, over the
 * database's LISTEN/NOTIFY). Processes with different roles share one database, which PGlite (one process's files)
 * cannot: partial roles need DATABASE_URL.
 */
export function checkRoles(c: Pick<Config, 'roles' | 'databaseUrl'>, source = 'RVI_ROLES'): void {
  if (c.roles.length < ROLES.length && !c.databaseUrl) throw new ConfigError(source, 'a process with only some roles shares its database with the others: set DATABASE_URL (PGlite serves one process)');
}

function objectStoreOf(env: NodeJS.ProcessEnv): Config['objectStore'] {
  const bucket = env.RVI_S3_BUCKET?.trim();
  if (!bucket) {
    for (const n of ['RVI_S3_ENDPOINT', 'RVI_S3_ACCESS_KEY', 'RVI_S3_SECRET_KEY']) {
      if (env[n]?.trim()) throw new ConfigError('RVI_S3_BUCKET', `must be set when ${n} is (the S3 store is chosen by its bucket)`);
    }
    return { kind: 'local' };
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError('RVI_S3_BUCKET', `is not an S3 bucket name (3-63 lower-case letters, digits, "." or "-"): "${bucket}"`);
  const rawEndpoint = env.RVI_S3_ENDPOINT?.trim() || null;
  let endpoint: string | null = null;
  if (rawEndpoint) {
    let u: URL | null = null;
    try { u = new URL(rawEndpoint); } catch { /* reported below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError('RVI_S3_ENDPOINT', `must be an http:// or https:// URL, got "${rawEndpoint}"`);
    endpoint = rawEndpoint.replace(/\/+$/, '');
  }
  const accessKeyId = env.RVI_S3_ACCESS_KEY?.trim() || env.AWS_ACCESS_KEY_ID?.trim() || '';
  const secretAccessKey = env.RVI_S3_SECRET_KEY?.trim() || env.AWS_SECRET_ACCESS_KEY?.trim() || '';
  if (!accessKeyId) throw new ConfigError('RVI_S3_ACCESS_KEY', 'must be set with RVI_S3_BUCKET (or AWS_ACCESS_KEY_ID)');
  if (!secretAccessKey) throw new ConfigError('RVI_S3_SECRET_KEY', 'must be set with RVI_S3_BUCKET (or AWS_SECRET_ACCESS_KEY)');
  let prefix = env.RVI_S3_PREFIX?.trim() ?? '';
  if (prefix && !/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\/?$/.test(prefix)) throw new ConfigError('RVI_S3_PREFIX', `must be /-separated segments of letters, digits, ".", "_" or "-", got "${prefix}"`);
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return {
    kind: 's3', bucket, endpoint, region: env.RVI_S3_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1', accessKeyId, secretAccessKey, prefix,
    forcePathStyle: bool(env, 'RVI_S3_PATH_STYLE', endpoint !== null),
  };
}

export class ConfigError extends Error {
  constructor(public readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function decimal(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(name, `must be a number like 0.5, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function networksOf(env: NodeJS.ProcessEnv, name: string): string[] {
  const list = (env[name] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  try { parseNetworks(list); } catch (e) { throw new ConfigError(name, (e as Error).message); }
  return list;
}

function bool(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be 1/0, true/false, yes/no or on/off, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const host = env.HOST?.trim() || '0.0.0.0';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`);
  const demoPassword = env.RVI_DEMO_PASSWORD ?? null;
  if (demoPassword !== null && demoPassword.length < 8) {
    throw new ConfigError('RVI_DEMO_PASSWORD', 'must be at least 8 characters');
  }
  let iceServers: unknown[] = [];
  if (env.RVI_ICE_SERVERS?.trim()) {
    try {
      const parsed = JSON.parse(env.RVI_ICE_SERVERS);
      if (!Array.isArray(parsed)) throw new Error('not an array');
      iceServers = parsed;
    } catch {
      throw new ConfigError('RVI_ICE_SERVERS', 'must be a JSON array of RTCIceServer objects, e.g. [{"urls":"turn:host:3478","username":"u","credential":"p"}]');
    }
  }
  let turn: Config['turn'] = null;
  const turnUrls = (env.RVI_TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (turnUrls.length) {
    for (const u of turnUrls) {
      if (!/^turns?:[A-Za-z0-9.[\]:-]+(\?transport=(udp|tcp))?$/.test(u)) throw new ConfigError('RVI_TURN_URLS', `"${u}" is not a TURN URL (turn:host:port?transport=udp|tcp or turns:host:443?transport=tcp)`);
    }
    const secret = env.RVI_TURN_SECRET ?? '';
    if (secret.length < 16) throw new ConfigError('RVI_TURN_SECRET', 'is required with RVI_TURN_URLS: the static-auth-secret of the TURN server, at least 16 characters');
    turn = { urls: turnUrls, secret, ttlSeconds: int(env, 'RVI_TURN_TTL_SECONDS', 4 * 3600, 60, 7 * 24 * 3600) };
  } else if (env.RVI_TURN_SECRET) throw new ConfigError('RVI_TURN_URLS', 'is required with RVI_TURN_SECRET');
  const smtpUrl = env.RVI_SMTP_URL?.trim() || null;
  if (smtpUrl) {
    let u: URL | null = null;
    try { u = new URL(smtpUrl); } catch { /* reported below */ }
    if (!u || (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') || !u.hostname) throw new ConfigError('RVI_SMTP_URL', 'must be smtp://[user:password@]host[:port] or smtps://…');
  }
  const mailFrom = env.RVI_MAIL_FROM?.trim() || 'customs-rvi <no-reply@localhost>';
  if (!/^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(mailFrom)) throw new ConfigError('RVI_MAIL_FROM', `must be an address or "Name <address>", got "${mailFrom}"`);
  const httpUrl = (name: string): string | null => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    let u: URL | null = null;
    try { u = new URL(raw); } catch { /* reported below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError(name, `must be an http:// or https:// URL, got "${raw}"`);
    return raw.replace(/\/+$/, '');
  };
  const port = int(env, 'PORT', 8080, 0, 65535);
  const publicUrl = originOf(env, 'RVI_PUBLIC_URL', '') || null;
  const extraOrigins = (env.RVI_EXTRA_ORIGINS ?? '').split(',').map((x) => x.trim()).filter(Boolean)
    .map((x) => originOf({ RVI_EXTRA_ORIGINS: x }, 'RVI_EXTRA_ORIGINS', ''));
  const ttl = int(env, 'RVI_SESSION_TTL_MINUTES', 480, 1, 60 * 24 * 30);
  return {
    port,
    host,
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    databaseUrl,
    demo: bool(env, 'RVI_DEMO', true),
    demoPassword,
    logLevel,
    sessionTtlMinutes: ttl,
    requireSecondFactor: bool(env, 'RVI_REQUIRE_2FA', true),
    stepUpMinutes: int(env, 'RVI_STEP_UP_MINUTES', 5, 1, 24 * 60),
    secretsKey: env.RVI_SECRETS_KEY?.trim() || null,
    sessionCacheMs: int(env, 'RVI_SESSION_CACHE_MS', 5000, 0, 60_000),
    sessionIdleMinutes: Math.min(ttl, int(env, 'RVI_SESSION_IDLE_MINUTES', 30, 1, 60 * 24 * 30)),
    secureCookies: bool(env, 'RVI_SECURE_COOKIES', publicUrl?.startsWith('https:') ?? false),
    publicUrl,
    extraOrigins,
    trustProxy: trustProxyOf(env),
    auditCheckpointMinutes: int(env, 'RVI_AUDIT_CHECKPOINT_MINUTES', 10, 0, 24 * 60),
    auditWitnessUrl: httpUrl('RVI_AUDIT_WITNESS_URL'),
    dutyWindowDays: int(env, 'RVI_DUTY_WINDOW_DAYS', 7, 1, 365),
    webDist: env.RVI_WEB_DIST?.trim() || null,
    iceServers,
    turn,
    media: {
      region: env.RVI_MEDIA_REGION?.trim() || null,
      publicAddress: env.RVI_MEDIA_PUBLIC_ADDRESS?.trim() || null,
      capacity: int(env, 'RVI_MEDIA_CAPACITY', 40, 1, 10_000),
    },
    liveReading: { enabled: bool(env, 'RVI_LIVE_READING', true), cpu: decimal(env, 'RVI_LIVE_READING_CPU', 0.5, 0.05, 64) },
    smtpUrl,
    mailFrom,
    smtpTimeoutMs: int(env, 'RVI_SMTP_TIMEOUT_MS', 15_000, 1000, 120_000),
    smtpAllowSelfSigned: bool(env, 'RVI_SMTP_ALLOW_SELF_SIGNED', false),
    webhookAllowNetworks: networksOf(env, 'RVI_WEBHOOK_ALLOW_NETWORKS'),
    smsWebhookUrl: httpUrl('RVI_SMS_WEBHOOK_URL'),
    smsWebhookToken: env.RVI_SMS_WEBHOOK_TOKEN?.trim() || null,
    smsFrom: env.RVI_SMS_FROM?.trim() || null,
    linkResendSeconds: int(env, 'RVI_LINK_RESEND_SECONDS', 30, 0, 3600),
    linkSendsPerHour: int(env, 'RVI_LINK_SENDS_PER_HOUR', 10, 1, 1000),
    retention: retentionConfigOf(env),
    nationalAuditors: (env.RVI_NATIONAL_AUDITORS ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    objectStore: objectStoreOf(env),
    roles: env.RVI_ROLES?.trim() ? rolesOf(env.RVI_ROLES) : [...ROLES],
    oidc: oidcOf(env, publicUrl),
    ldap: ldapOf(env),
    ...overrides,
  };
}

/** loadConfig, then the cross-variable rules (roles against the database). */
export function loadCheckedConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const c = loadConfig(env, overrides);
  checkRoles(c);
  return c;
}

/** An http(s) origin (scheme, host, port; no path, query or credentials), without the trailing slash. */
function originOf(env: NodeJS.ProcessEnv, name: string, def: string): string {
  const raw = env[name]?.trim();
  if (!raw) return def;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL such as https://rvi.example.org, got "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(name, `must use http or https, got "${u.protocol}"`);
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) {
    throw new ConfigError(name, `must be an origin only (scheme://host[:port]), without path, query or credentials: "${raw}"`);
  }
  return u.origin;
}

const IP_OR_CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?|[0-9a-fA-F:]+(?:\/\d{1,3})?|loopback|linklocal|uniquelocal)$/;

/** RVI_TRUST_PROXY: unset/0/false → trust no proxy; a hop count (1-10); or a comma list of addresses/CIDRs. */
function trustProxyOf(env: NodeJS.ProcessEnv): Config['trustProxy'] {
  const raw = env.RVI_TRUST_PROXY?.trim();
  if (!raw || raw === '0' || raw.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n < 1 || n > 10) throw new ConfigError('RVI_TRUST_PROXY', `a hop count must be between 1 and 10, got ${n}`);
    return n;
  }
  const list = raw.split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of list) {
    if (!IP_OR_CIDR.test(x)) throw new ConfigError('RVI_TRUST_PROXY', `"${x}" is not an address, a CIDR range, loopback, linklocal or uniquelocal`);
  }
  return list;
}

/** A claim or directory value → a role of customs-rvi, in the order configured (the first value that maps wins). */
export type RoleMap = ReadonlyArray<readonly [value: string, role: UserRole]>;

/** OpenID Connect relying party (authorisation code flow with PKCE, state and nonce). */
export interface OidcConfig {
  /** RVI_OIDC_ISSUER: the provider's issuer URL (discovery at `/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  /** RVI_OIDC_CLIENT_SECRET (client_secret_basic); null: a public client (PKCE only). */
  clientSecret: string | null;
  /** RVI_OIDC_REDIRECT_URL: registered at the provider; default RVI_PUBLIC_URL + /api/auth/oidc/callback. */
  redirectUrl: string;
  /** RVI_OIDC_POST_LOGOUT_URL: where the provider sends the browser after a sign-out (registered there); default <origin>/login. */
  postLogoutRedirectUrl: string;
  scopes: string;
  /** RVI_OIDC_PROVIDER_NAME: shown on the login page ("Sign in with …"). */
  providerName: string;
  usernameClaim: string;
  /** RVI_OIDC_ROLE_CLAIM: a claim (dotted path, e.g. realm_access.roles) holding a string or an array of strings. */
  roleClaim: string;
  roleMap: RoleMap;
  /** RVI_OIDC_OFFICE_CLAIM: the claim holding the customs office's code (organisations.code). */
  officeClaim: string;
  /**
   * RVI_OIDC_MFA_AMR: `amr` values of the ID token that count as the second factor (e.g. `mfa,otp,hwk`). Empty
   * (the default): the IdP's authentication never replaces customs-rvi's own second factor.
   */
  mfaAmr: string[];
  /** The issuer is plain http on a loopback address (development and tests only; refused for any other host). */
  allowInsecureHttp: boolean;
}

/** LDAP simple bind (direct DN template, or search then bind) with group → role and an office attribute. */
export interface LdapConfig {
  url: string;
  /** RVI_LDAP_STARTTLS: upgrade an ldap:// connection with StartTLS (RFC 4513 §3) before anything is sent. */
  startTls: boolean;
  /** RVI_LDAP_CA_FILE: PEM file of the CA(s) that sign the directory's certificate (default: the system's). */
  caFile: string | null;
  /** RVI_LDAP_BIND_DN: e.g. `uid={username},ou=people,dc=customs,dc=example`; null: search for the entry first. */
  bindDnTemplate: string | null;
  searchBase: string | null;
  /** RVI_LDAP_SEARCH_FILTER (default `(uid={username})`); `{username}` is escaped (RFC 4515). */
  searchFilter: string;
  /** RVI_LDAP_SEARCH_DN / RVI_LDAP_SEARCH_PASSWORD: the account that searches (unset: anonymous search). */
  searchDn: string | null;
  searchPassword: string | null;
  /** RVI_LDAP_GROUP_BASE: groups are searched here (`(member={dn})`); unset: the entry's `memberOf` attribute. */
  groupBase: string | null;
  groupFilter: string;
  /** RVI_LDAP_ROLE_MAP: group DN or cn → role. */
  roleMap: RoleMap;
  /** RVI_LDAP_OFFICE_ATTRIBUTE (default `departmentNumber`): the customs office's code. */
  officeAttribute: string;
  displayNameAttribute: string;
  mailAttribute: string;
  timeoutMs: number;
}

/**
 * `value=role;value=role`: entries separated by `;`, each split at its last `=` (DNs contain `=` and `,`). Only
 * customs roles: single sign-on is for customs staff (enterprise users keep local passwords).
 */
export function roleMapOf(raw: string, name: string): RoleMap {
  const out: [string, UserRole][] = [];
  for (const entry of raw.split(';').map((x) => x.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    const value = at > 0 ? entry.slice(0, at).trim() : '';
    const role = (at > 0 ? entry.slice(at + 1).trim() : '') as UserRole;
    if (!value || !role) throw new ConfigError(name, `each entry must be value=role (entries separated by ";"), got "${entry}"`);
    if (!CUSTOMS_ROLES.includes(role)) throw new ConfigError(name, `"${role}" in "${entry}" is not a customs role (${CUSTOMS_ROLES.join(', ')}): single sign-on is for customs staff`);
    out.push([value, role]);
  }
  if (!out.length) throw new ConfigError(name, 'must map at least one value to a role, e.g. "rvi-inspectors=inspector;rvi-supervisors=supervisor"');
  return out;
}

const claimName = (env: NodeJS.ProcessEnv, name: string, def: string): string => {
  const v = env[name]?.trim() || def;
  if (!/^[A-Za-z0-9_:\-/]+(\.[A-Za-z0-9_:\-/]+)*$/.test(v)) throw new ConfigError(name, `must be a claim name (dots for nested claims), got "${v}"`);
  return v;
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function oidcOf(env: NodeJS.ProcessEnv, publicUrl: string | null): OidcConfig | null {
  const raw = env.RVI_OIDC_ISSUER?.trim();
  if (!raw) {
    for (const n of ['RVI_OIDC_CLIENT_ID', 'RVI_OIDC_CLIENT_SECRET', 'RVI_OIDC_ROLE_MAP']) {
      if (env[n]?.trim()) throw new ConfigError('RVI_OIDC_ISSUER', `must be set when ${n} is (OpenID Connect is turned on by its issuer)`);
    }
    return null;
  }
  let issuer: URL;
  try { issuer = new URL(raw); } catch { throw new ConfigError('RVI_OIDC_ISSUER', `must be the provider's issuer URL (https://…), got "${raw}"`); }
  const insecure = issuer.protocol === 'http:';
  if (issuer.protocol !== 'https:' && !(insecure && LOOPBACK.has(issuer.hostname))) {
    throw new ConfigError('RVI_OIDC_ISSUER', `must be an https:// URL (plain http only on a loopback address, for development), got "${raw}"`);
  }
  if (issuer.search || issuer.hash || issuer.username) throw new ConfigError('RVI_OIDC_ISSUER', `must have no query, fragment or credentials: "${raw}"`);
  const clientId = env.RVI_OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError('RVI_OIDC_CLIENT_ID', 'is required with RVI_OIDC_ISSUER: the client id registered at the provider');
  const redirectRaw = env.RVI_OIDC_REDIRECT_URL?.trim() || (publicUrl ? `${publicUrl}/api/auth/oidc/callback` : '');
  if (!redirectRaw) throw new ConfigError('RVI_OIDC_REDIRECT_URL', 'is required with RVI_OIDC_ISSUER when RVI_PUBLIC_URL is not set (e.g. https://rvi.customs.example/api/auth/oidc/callback)');
  let redirect: URL | null = null;
  try { redirect = new URL(redirectRaw); } catch { /* reported below */ }
  if (!redirect || (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') || redirect.pathname !== '/api/auth/oidc/callback' || redirect.search || redirect.hash) {
    throw new ConfigError('RVI_OIDC_REDIRECT_URL', `must be this server's http(s)://host[:port]/api/auth/oidc/callback, got "${redirectRaw}"`);
  }
  const roleMapRaw = env.RVI_OIDC_ROLE_MAP?.trim();
  if (!roleMapRaw) throw new ConfigError('RVI_OIDC_ROLE_MAP', 'is required with RVI_OIDC_ISSUER: claim values to roles, e.g. "rvi-inspectors=inspector;rvi-supervisors=supervisor"');
  const scopes = env.RVI_OIDC_SCOPES?.trim() || 'openid profile email';
  if (!scopes.split(/\s+/).includes('openid')) throw new ConfigError('RVI_OIDC_SCOPES', `must include "openid", got "${scopes}"`);
  return {
    issuer: raw,
    clientId,
    clientSecret: env.RVI_OIDC_CLIENT_SECRET?.trim() || null,
    redirectUrl: redirect.href,
    postLogoutRedirectUrl: postLogoutOf(env, redirect.origin),
    scopes,
    providerName: env.RVI_OIDC_PROVIDER_NAME?.trim() || 'single sign-on',
    usernameClaim: claimName(env, 'RVI_OIDC_USERNAME_CLAIM', 'preferred_username'),
    roleClaim: claimName(env, 'RVI_OIDC_ROLE_CLAIM', 'roles'),
    roleMap: roleMapOf(roleMapRaw, 'RVI_OIDC_ROLE_MAP'),
    officeClaim: claimName(env, 'RVI_OIDC_OFFICE_CLAIM', 'customs_office'),
    mfaAmr: (env.RVI_OIDC_MFA_AMR ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    allowInsecureHttp: insecure,
  };
}

function postLogoutOf(env: NodeJS.ProcessEnv, origin: string): string {
  const raw = env.RVI_OIDC_POST_LOGOUT_URL?.trim();
  if (!raw) return `${origin}/login`;
  let u: URL | undefined;
  try { u = new URL(raw); } catch { /* reported below */ }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new ConfigError('RVI_OIDC_POST_LOGOUT_URL', `must be an http(s) URL of this site, got "${raw}"`);
  return u.href;
}

function ldapOf(env: NodeJS.ProcessEnv): LdapConfig | null {
  const url = env.RVI_LDAP_URL?.trim();
  if (!url) {
    for (const n of ['RVI_LDAP_BIND_DN', 'RVI_LDAP_SEARCH_BASE', 'RVI_LDAP_ROLE_MAP']) {
      if (env[n]?.trim()) throw new ConfigError('RVI_LDAP_URL', `must be set when ${n} is (LDAP is turned on by its URL)`);
    }
    return null;
  }
  if (!/^ldaps?:\/\/[A-Za-z0-9.[\]:-]+(:\d+)?\/?$/.test(url)) throw new ConfigError('RVI_LDAP_URL', `must be ldap://host[:port] or ldaps://host[:port], got "${url}"`);
  const startTls = bool(env, 'RVI_LDAP_STARTTLS', false);
  const tlsUrl = url.startsWith('ldaps://');
  if (startTls && tlsUrl) throw new ConfigError('RVI_LDAP_STARTTLS', 'is for ldap:// URLs (an ldaps:// connection is TLS from the start)');
  // passwords travel in the bind: in clear only to a directory on this machine
  if (!tlsUrl && !startTls && !LOOPBACK.has(new URL(url).hostname)) {
    throw new ConfigError('RVI_LDAP_URL', `${url} would carry passwords in clear: use ldaps:// or set RVI_LDAP_STARTTLS=1`);
  }
  const caFile = env.RVI_LDAP_CA_FILE?.trim() || null;
  if (caFile && !existsSync(caFile)) throw new ConfigError('RVI_LDAP_CA_FILE', `${caFile} does not exist`);
  const bindDnTemplate = env.RVI_LDAP_BIND_DN?.trim() || null;
  const searchBase = env.RVI_LDAP_SEARCH_BASE?.trim() || null;
  if (!bindDnTemplate && !searchBase) throw new ConfigError('RVI_LDAP_BIND_DN', 'or RVI_LDAP_SEARCH_BASE is required with RVI_LDAP_URL: how to find the entry of a username');
  if (bindDnTemplate && !bindDnTemplate.includes('{username}')) throw new ConfigError('RVI_LDAP_BIND_DN', `must contain {username}, e.g. uid={username},ou=people,dc=customs,dc=example; got "${bindDnTemplate}"`);
  const searchFilter = env.RVI_LDAP_SEARCH_FILTER?.trim() || '(uid={username})';
  if (!/^\(.*\{username\}.*\)$/.test(searchFilter)) throw new ConfigError('RVI_LDAP_SEARCH_FILTER', `must be an LDAP filter in parentheses containing {username}, got "${searchFilter}"`);
  const groupFilter = env.RVI_LDAP_GROUP_FILTER?.trim() || '(member={dn})';
  if (!/^\(.*\{dn\}.*\)$/.test(groupFilter)) throw new ConfigError('RVI_LDAP_GROUP_FILTER', `must be an LDAP filter in parentheses containing {dn}, got "${groupFilter}"`);
  const searchDn = env.RVI_LDAP_SEARCH_DN?.trim() || null;
  const searchPassword = env.RVI_LDAP_SEARCH_PASSWORD ?? null;
  if (searchDn && !searchPassword) throw new ConfigError('RVI_LDAP_SEARCH_PASSWORD', 'is required with RVI_LDAP_SEARCH_DN');
  const roleMapRaw = env.RVI_LDAP_ROLE_MAP?.trim();
  if (!roleMapRaw) throw new ConfigError('RVI_LDAP_ROLE_MAP', 'is required with RVI_LDAP_URL: group DN or cn to role, e.g. "cn=rvi-inspectors,ou=groups,dc=customs,dc=example=inspector;rvi-supervisors=supervisor"');
  const attr = (name: string, def: string) => {
    const v = env[name]?.trim() || def;
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(v)) throw new ConfigError(name, `must be an attribute name, got "${v}"`);
    return v;
  };
  return {
    url, startTls, caFile, bindDnTemplate, searchBase, searchFilter, searchDn, searchPassword,
    groupBase: env.RVI_LDAP_GROUP_BASE?.trim() || null,
    groupFilter,
    roleMap: roleMapOf(roleMapRaw, 'RVI_LDAP_ROLE_MAP'),
    officeAttribute: attr('RVI_LDAP_OFFICE_ATTRIBUTE', 'departmentNumber'),
    displayNameAttribute: attr('RVI_LDAP_DISPLAY_NAME_ATTRIBUTE', 'cn'),
    mailAttribute: attr('RVI_LDAP_MAIL_ATTRIBUTE', 'mail'),
    timeoutMs: int(env, 'RVI_LDAP_TIMEOUT_MS', 5000, 500, 60_000),
  };
}
