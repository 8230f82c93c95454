/**
 * Checks a value against the JSON Schema of a shared contract (TypeBox schemas from @rvi/contracts are plain JSON
 * Schema), so forms apply exactly the server's rules. Problems come back as codes with parameters, which the UI
 * translates (`validation.<code>`), rather than English sentences.
 *
 * Supports the subset our contracts use: object/required, string (minLength, maxLength, pattern, format date and
 * date-time), number/integer (minimum, maximum), array (maxItems, items), const, anyOf (unions such as `X | null`).
 */
export interface Problem {
  code: 'required' | 'type' | 'minLength' | 'maxLength' | 'pattern' | 'format' | 'minimum' | 'maximum' | 'integer' | 'maxItems' | 'oneOf' | 'unknown' | 'dateOrder' | 'notANumber';
  params?: Record<string, string | number>;
}

/** Field name → first problem found for it. Array items report as `field` too, with `params.item` set. */
export type Problems = Record<string, Problem>;

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  anyOf?: Schema[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: Schema;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function isValidDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
export function isValidDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m || !isValidDate(m[1])) return false;
  return +m[2] < 24 && +m[3] < 60 && (m[5] === undefined || +m[5] < 60);
}

function checkOne(schema: Schema, value: unknown): Problem | null {
  if (schema.anyOf) {
    let first: Problem | null = null;
    for (const alt of schema.anyOf) {
      const p = checkOne(alt, value);
      if (!p) return null;
      // `X | null`: report X's problem (the null alternative failing says nothing useful)
      if (!first && alt.type !== 'null') first = p;
    }
    const consts = schema.anyOf.filter((a) => a.const !== undefined).map((a) => String(a.const));
    if (consts.length === schema.anyOf.length) return { code: 'oneOf', params: { values: consts.join(', ') } };
    return value === null || value === undefined ? { code: 'required' } : first ?? { code: 'type' };
  }
  if (schema.const !== undefined) return value === schema.const ? null : { code: 'oneOf', params: { values: String(schema.const) } };
  switch (schema.type) {
    case 'null':
      return value === null ? null : { code: 'type' };
    case 'string': {
      if (typeof value !== 'string') return { code: value === undefined || value === null ? 'required' : 'type' };
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        return schema.minLength === 1 ? { code: 'required' } : { code: 'minLength', params: { min: schema.minLength } };
      }
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return { code: 'maxLength', params: { max: schema.maxLength } };
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return { code: 'pattern' };
      if (schema.format === 'date' && !isValidDate(value)) return { code: 'format', params: { format: 'date' } };
      if (schema.format === 'date-time' && !isValidDateTime(value)) return { code: 'format', params: { format: 'date-time' } };
      return null;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { code: value === undefined || value === null ? 'required' : 'type' };
      if (schema.type === 'integer' && !Number.isInteger(value)) return { code: 'integer' };
      if (schema.minimum !== undefined && value < schema.minimum) return { code: 'minimum', params: { min: schema.minimum } };
      if (schema.maximum !== undefined && value > schema.maximum) return { code: 'maximum', params: { max: schema.maximum } };
      return null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : { code: 'type' };
    case 'array': {
      if (!Array.isArray(value)) return { code: 'type' };
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return { code: 'maxItems', params: { max: schema.maxItems } };
      if (schema.items) {
        for (let i = 0; i < value.length; i++) {
          const p = checkOne(schema.items, value[i]);
          if (p) return { ...p, params: { ...p.params, item: String(value[i]) } };
        }
      }
      return null;
    }
    default:
      return null;
  }
}

/** Every field problem of `value` against an object schema; an empty object means valid. */
export function checkObject(schema: unknown, value: Record<string, unknown>): Problems {
  const s = schema as Schema;
  const out: Problems = {};
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  for (const [name, sub] of Object.entries(props)) {
    const v = value[name];
    if (v === undefined) {
      if (required.has(name)) out[name] = { code: 'required' };
      continue;
    }
    const p = checkOne(sub, v);
    if (p) out[name] = p;
  }
  if (s.additionalProperties === false) {
    for (const name of Object.keys(value)) if (!(name in props)) out[name] = { code: 'unknown' };
  }
  return out;
}
