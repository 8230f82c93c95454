// Small helpers for collecting validation issues with field paths. No schema library: the domain package has no
// dependencies and its inputs are few and flat.
import type { Issue } from './errors.ts';
import { dayNumber } from './calendar.ts';

export const MAX_ISSUES = 100;

export class IssueList {
  readonly issues: Issue[] = [];
  add(path: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, message });
  }
  get full(): boolean {
    return this.issues.length >= MAX_ISSUES;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Non-empty string without control characters, at most `max` long. */
export function checkId(issues: IssueList, path: string, v: unknown, max = 200): v is string {
  if (typeof v !== 'string' || v.length === 0) {
    issues.add(path, 'must be a non-empty string');
    return false;
  }
  if (v.length > max) {
    issues.add(path, `must be at most ${max} characters`);
    return false;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) {
    issues.add(path, 'must not contain control characters');
    return false;
  }
  return true;
}

export function checkDate(issues: IssueList, path: string, v: unknown): v is string {
  if (typeof v !== 'string' || dayNumber(v) === null) {
    issues.add(path, `must be a calendar date YYYY-MM-DD, got ${describe(v)}`);
    return false;
  }
  return true;
}

export function checkInt(issues: IssueList, path: string, v: unknown, min: number, max: number): v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    issues.add(path, `must be an integer from ${min} to ${max}, got ${describe(v)}`);
    return false;
  }
  return true;
}

export function checkArray(issues: IssueList, path: string, v: unknown, max: number): v is unknown[] {
  if (!Array.isArray(v)) {
    issues.add(path, `must be an array, got ${describe(v)}`);
    return false;
  }
  if (v.length > max) {
    issues.add(path, `must have at most ${max} entries, got ${v.length}`);
    return false;
  }
  return true;
}

/** Short description of a bad value for an error message (never echoes long or nested input). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 40 ? `a ${v.length}-character string` : JSON.stringify(v);
  return String(v);
}
