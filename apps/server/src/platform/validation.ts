import { FormatRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;
export function isValidDateTime(s: string): boolean {
  return DATE_TIME_RE.test(s) && isValidDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s));
}
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', isValidDate);
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isValidDateTime);

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();
export function compiled<T extends TSchema>(schema: T): TypeCheck<T> {
  let c = cache.get(schema);
  if (!c) { c = TypeCompiler.Compile(schema); cache.set(schema, c); }
  return c as TypeCheck<T>;
}

/** Returns the problems of a value against a schema as `field: message` pairs (empty when valid). */
export function problems<T extends TSchema>(schema: T, value: unknown): { field: string; message: string }[] {
  const c = compiled(schema);
  if (c.Check(value)) return [];
  const out: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const e of c.Errors(value)) {
    const field = e.path.replace(/^\//, '').replace(/\//g, '.') || '(body)';
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message: e.message });
    if (out.length >= 10) break;
  }
  return out;
}

export function isValid<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return compiled(schema).Check(value);
}
