import { resolve } from 'node:path';

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
  /** How long a resolved session is cached in memory (ms); logout on this node takes effect at once, elsewhere within this time. */
  sessionCacheMs: number;
  secureCookies: boolean;
  webDist: string | null;
  iceServers: unknown[];
  /** SMTP server for e-mail (camera links, notices): smtp://user:pass@host:587 or smtps://…; null = e-mail off */
  smtpUrl: string | null;
  /** From address of e-mails */
  mailFrom: string;
  smtpTimeoutMs: number;
  /** accept a self-signed certificate from the SMTP server (internal relays) */
  smtpAllowSelfSigned: boolean;
  /** SMS gateway webhook (generic JSON POST); null = SMS off */
  smsWebhookUrl: string | null;
  smsWebhookToken: string | null;
  /** sender id passed to the gateway */
  smsFrom: string | null;
  /** public base URL for links sent by e-mail/SMS (e.g. https://rvi.example.gov); default: the request's own host */
  publicUrl: string | null;
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
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`);
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
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host,
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    databaseUrl,
    demo: bool(env, 'RVI_DEMO', true),
    demoPassword,
    logLevel,
    sessionTtlMinutes: int(env, 'RVI_SESSION_TTL_MINUTES', 480, 1, 60 * 24 * 30),
    sessionCacheMs: int(env, 'RVI_SESSION_CACHE_MS', 5000, 0, 60_000),
    secureCookies: bool(env, 'RVI_SECURE_COOKIES', false),
    webDist: env.RVI_WEB_DIST?.trim() || null,
    iceServers,
    smtpUrl,
    mailFrom,
    smtpTimeoutMs: int(env, 'RVI_SMTP_TIMEOUT_MS', 15_000, 1000, 120_000),
    smtpAllowSelfSigned: bool(env, 'RVI_SMTP_ALLOW_SELF_SIGNED', false),
    smsWebhookUrl: httpUrl('RVI_SMS_WEBHOOK_URL'),
    smsWebhookToken: env.RVI_SMS_WEBHOOK_TOKEN?.trim() || null,
    smsFrom: env.RVI_SMS_FROM?.trim() || null,
    publicUrl: httpUrl('RVI_PUBLIC_URL'),
    ...overrides,
  };
}
