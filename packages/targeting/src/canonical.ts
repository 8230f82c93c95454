import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped, non-finite
 * numbers refused. The model checksum is computed over it, so key order in a file never matters.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(value: unknown, out: string[]): void {
  if (value === null) { out.push('null'); return; }
  switch (typeof value) {
    case 'string': out.push(JSON.stringify(value)); return;
    case 'boolean': out.push(value ? 'true' : 'false'); return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i) out.push(',');
          const v = value[i];
          if (v === undefined) out.push('null'); else write(v, out);
        }
        out.push(']');
        return;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      out.push('{');
      keys.forEach((k, i) => {
        if (i) out.push(',');
        out.push(JSON.stringify(k), ':');
        write(obj[k], out);
      });
      out.push('}');
      return;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported type ${typeof value}`);
  }
}

export function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}
