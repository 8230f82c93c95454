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
    ...overrides,
  };
}
