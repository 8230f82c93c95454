// Retention settings from the environment (issue 13): the legal minimum per record type, how long a deletion
// request waits for a second administrator, how often the automatic sweep runs. Read once at start-up; an invalid
// value stops the server with the variable named (ConfigError).
import { parseRetentionPeriod, periodAtLeast, RETENTION_FLOOR } from '@rvi/evidence';
import { RETENTION_RECORD_TYPES, type RetentionRecordType } from '@rvi/contracts';

export interface RetentionConfig {
  /** Legal minimum per record type (RVI_RETENTION_MINIMUMS): no configured period may be shorter, never below RETENTION_FLOOR. */
  minimums: Readonly<Record<RetentionRecordType, string>>;
  /** Hours a deletion request waits for a second administrator's approval (RVI_RETENTION_APPROVAL_HOURS). */
  approvalHours: number;
  /** Minutes between automatic retention sweeps (RVI_RETENTION_SWEEP_MINUTES); 0: no automatic deletion (default). */
  sweepMinutes: number;
}

/** Built-in legal minimums: signed findings and decisions 5 years, everything else the floor (1 year). */
export const DEFAULT_RETENTION_MINIMUMS: Readonly<Record<RetentionRecordType, string>> = Object.freeze({
  findings: 'P5Y',
  decisions: 'P5Y',
  suggested_findings: RETENTION_FLOOR,
  recordings: RETENTION_FLOOR,
  snapshots: RETENTION_FLOOR,
});

export class RetentionConfigError extends Error {
  constructor(public readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
}

/** `RVI_RETENTION_MINIMUMS="findings=P10Y,recordings=P3Y"`: types not named keep their built-in minimum. */
export function parseRetentionMinimums(raw: string | undefined): Record<RetentionRecordType, string> {
  const out: Record<RetentionRecordType, string> = { ...DEFAULT_RETENTION_MINIMUMS };
  const name = 'RVI_RETENTION_MINIMUMS';
  for (const part of (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)\s*=\s*(\S+)$/.exec(part);
    if (!m) throw new RetentionConfigError(name, `expected type=period pairs such as "findings=P10Y,recordings=P3Y", got "${part}"`);
    const [, type, period] = m;
    if (!(RETENTION_RECORD_TYPES as readonly string[]).includes(type)) throw new RetentionConfigError(name, `unknown record type "${type}" (one of ${RETENTION_RECORD_TYPES.join(', ')})`);
    try {
      parseRetentionPeriod(period);
    } catch (e) {
      throw new RetentionConfigError(name, `${type}: ${(e as Error).message}`);
    }
    if (!periodAtLeast(period, RETENTION_FLOOR)) throw new RetentionConfigError(name, `${type}: ${period} is below the floor of ${RETENTION_FLOOR}`);
    out[type as RetentionRecordType] = period;
  }
  return out;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return def;
  if (!/^\d+$/.test(raw)) throw new RetentionConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new RetentionConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function retentionConfigOf(env: NodeJS.ProcessEnv): RetentionConfig {
  return {
    minimums: Object.freeze(parseRetentionMinimums(env.RVI_RETENTION_MINIMUMS)),
    approvalHours: int(env, 'RVI_RETENTION_APPROVAL_HOURS', 72, 1, 24 * 30),
    sweepMinutes: int(env, 'RVI_RETENTION_SWEEP_MINUTES', 0, 0, 7 * 24 * 60),
  };
}
