// What the server writes to its logs: never a credential, a password hash or an SQL parameter.
// - request URLs lose the values of credential-like query parameters (an old client may still send ?token=...);
// - errors lose the SQL text and parameters drivers attach (`query`, `params`, `parameters`), and the free-text
//   details Postgres adds (`detail`, `where`, `hint` can quote the row's values).
import type { FastifyServerOptions } from 'fastify';

const SECRET_PARAMS = /^(token|key|device[_-]?key|password|secret|session|code|access[_-]?token|api[_-]?key)$/i;

/** The URL with the values of credential-like query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&').map((kv) => {
    const eq = kv.indexOf('=');
    const name = eq < 0 ? kv : kv.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      /* keep the raw name */
    }
    return SECRET_PARAMS.test(decoded) && eq >= 0 ? `${name}=[redacted]` : kv;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

const DROPPED_ERROR_FIELDS = new Set(['query', 'params', 'parameters', 'detail', 'where', 'hint', 'internalQuery', 'values']);

/** An error as logged: message, type, code and stack (with its cause, likewise), never the query or its values. */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!err || typeof err !== 'object') return { message: String(err) };
  const e = err as Record<string, unknown> & Error;
  // a Postgres data exception (SQLSTATE class 22: invalid input syntax, out of range…) quotes the offending value in its
  // message, and that value is a bound parameter: keep the kind of error, drop the value
  const scrub = typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code) ? (x: string) => scrubQuotedValues(scrubMessage(x)) : scrubMessage;
  const out: Record<string, unknown> = { type: e.constructor?.name ?? 'Error', message: scrub(String(e.message ?? '')) };
  if (typeof e.stack === 'string') out.stack = scrub(e.stack);
  for (const k of ['code', 'statusCode', 'severity', 'table', 'column', 'constraint', 'routine'] as const) {
    if (e[k] !== undefined && !DROPPED_ERROR_FIELDS.has(k)) out[k] = e[k];
  }
  if (e.cause && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/**
 * Drizzle puts the SQL and its parameters into the message (`Failed query: ...\nparams: ...`): keep the first line
 * only when it is such a message, so a password hash or a personal value bound as a parameter never reaches the log.
 */
export function scrubMessage(text: string): string {
  return text.replace(/Failed query:[\s\S]*?(\n\s+at |$)/, 'Failed query: [SQL and parameters not logged]$1');
}

/** Double-quoted values in a database error message (`invalid input syntax for type integer: "…"`) replaced. */
export function scrubQuotedValues(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.|"")*"/g, '"[value not logged]"');
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return {
    level,
    serializers: {
      req: (req: { method: string; url: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: req.method, url: redactUrl(req.url), hostname: req.hostname, remoteAddress: req.ip, remotePort: req.socket?.remotePort,
      }),
      err: (err: Error) => serializeError(err) as { type: string; message: string; stack: string },
    },
  };
}
