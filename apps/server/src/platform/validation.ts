import { FormatRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // year 0000 does not exist (1 BC is followed by AD 1): Postgres refuses it, so must validation
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const last = new Date(Date.UTC(2000, 0, 1));
  last.setUTCFullYear(y, mo, 0); // not Date.UTC(y, …): it maps years 0-99 to 1900-1999
  const days = last.getUTCDate();
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

// A NUL byte (Postgres text and jsonb cannot hold it) or a lone UTF-16 surrogate (not a character: it would be
// replaced or refused by the database) in any string of a request: a 400 naming the field, for every route at once.
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badText(s: string): string | null {
  if (NUL.test(s)) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate (not a character)';
  return null;
}

/** The first string (or object key) of a parsed request part that a database cannot store, with its path. */
export function findBadText(value: unknown, path: string, depth = 0): { field: string; message: string } | null {
  if (typeof value === 'string') {
    const m = badText(value);
    if (!m) return null;
    // a text body (CSV): which line
    const at = value.search(NUL.test(value) ? NUL : LONE_SURROGATE);
    const line = path === 'body' ? ` (line ${value.slice(0, at).split('\n').length})` : '';
    return { field: path, message: `${m}${line}` };
  }
  if (!value || typeof value !== 'object' || depth > 64 || Buffer.isBuffer(value)) return null;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const km = Array.isArray(value) ? null : badText(k);
    // eslint-disable-next-line no-control-regex
    if (km) return { field: `${path}.${k.replace(/[\u0000\uD800-\uDFFF]/g, '?')}`, message: `is a field name that ${km}` };
    const found = findBadText(v, `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}
