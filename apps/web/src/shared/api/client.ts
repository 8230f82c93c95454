import type { ErrorBody } from '@rvi/contracts';

/** One field problem reported by the server's validation (`details` of a `validation` error). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An error answer from the API, `{ error: { code, message, details } }`. `code` is stable (the UI switches on it);
 * `message` is the server's English text naming the field and the problem.
 */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field problems keyed by field name without the `body.`/`querystring.` prefix, e.g. `{ hs6: '...' }`. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (!Array.isArray(this.details)) return out;
    for (const d of this.details as FieldProblem[]) {
      if (!d || typeof d.field !== 'string') continue;
      const field = d.field.replace(/^(body|querystring|params)\.?/, '').split(/[.[/]/)[0] || '_';
      out[field] = out[field] ? `${out[field]}; ${d.message}` : d.message;
    }
    return out;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  /** JSON body (serialised) or a raw string body with `contentType`. */
  json?: unknown;
  raw?: string | Blob;
  contentType?: string;
  headers?: Record<string, string>;
  /** Statuses (besides 2xx) whose JSON body is a normal answer, e.g. 422 for a refused CSV import. */
  okStatuses?: number[];
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

let stepUpHandler: (() => Promise<boolean>) | null = null;
/**
 * Who asks the user for their second factor when the server wants it again before a sensitive action (403
 * step_up_required): resolves true once given, and the request is then sent once more.
 */
export function setStepUpHandler(fn: (() => Promise<boolean>) | null): void {
  stepUpHandler = fn;
}

/**
 * Typed fetch for the customs-rvi API: sends the session cookie, parses JSON, throws ApiError on error answers. A
 * step-up refusal asks for the second factor (setStepUpHandler) and repeats the request once.
 */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  try {
    return await request<T>(path, opts);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'step_up_required' && stepUpHandler && (await stepUpHandler())) return request<T>(path, opts);
    throw err;
  }
}

async function request<T>(path: string, opts: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw !== undefined) {
    headers['content-type'] = opts.contentType ?? 'text/plain';
    body = opts.raw;
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers, body, credentials: 'include', signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server could not be reached');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (res.ok || opts.okStatuses?.includes(res.status)) {
    if (parsed === undefined && text) throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer');
    return parsed as T;
  }
  const e = (parsed as ErrorBody | undefined)?.error;
  if (e && typeof e.code === 'string') throw new ApiError(res.status, e.code, e.message ?? e.code, e.details);
  throw new ApiError(res.status, `http_${res.status}`, `${res.status} ${res.statusText}`.trim());
}
