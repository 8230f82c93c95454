// SmsSender port and a generic HTTP gateway adapter: POST a JSON body to a webhook (RVI_SMS_WEBHOOK_URL), optionally
// with a bearer token (RVI_SMS_WEBHOOK_TOKEN). Most SMS providers, or a small relay in front of one, accept this shape:
//
//   POST <url>  Authorization: Bearer <token>  Content-Type: application/json
//   {"to": "+8613800000000", "text": "...", "from": "RVI", "reference": "<idempotency key>"}
//   → 2xx, optionally {"id": "..."} or {"messageId": "..."}
//
// 2xx is sent; 408, 429 and 5xx (and network errors, timeouts) are worth retrying; other 4xx are refusals.
export interface SmsMessage {
  /** E.164, e.g. +8613800000000 */
  to: string;
  text: string;
  /** the same reference for retries of one message (the gateway may de-duplicate on it) */
  reference?: string;
}

export interface SmsResult {
  id: string | null;
  status: number;
}

export type SmsErrorCode = 'invalid_number' | 'rejected' | 'connection' | 'timeout' | 'failed';

export class SmsError extends Error {
  constructor(readonly code: SmsErrorCode, message: string, readonly retryable: boolean, readonly status?: number) {
    super(message);
    this.name = 'SmsError';
  }
}

export interface SmsSender {
  send(m: SmsMessage): Promise<SmsResult>;
}

/** E.164: a plus, a non-zero country digit, 7-15 digits in all. */
export function isPhoneNumber(v: unknown): v is string {
  return typeof v === 'string' && /^\+[1-9]\d{6,14}$/.test(v);
}

export interface WebhookSmsOptions {
  url: string;
  token?: string | null;
  from?: string | null;
  timeoutMs?: number;
}

export class WebhookSmsSender implements SmsSender {
  constructor(private readonly opts: WebhookSmsOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('RVI_SMS_WEBHOOK_URL must be an http(s) URL');
  }

  async send(m: SmsMessage): Promise<SmsResult> {
    if (!isPhoneNumber(m.to)) throw new SmsError('invalid_number', `not an E.164 phone number: ${String(m.to).slice(0, 40)}`, false);
    if (!m.text || m.text.length > 1600) throw new SmsError('failed', 'SMS text must be 1-1600 characters', false);
    let res: Response;
    try {
      res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}) },
        body: JSON.stringify({ to: m.to, text: m.text, ...(this.opts.from ? { from: this.opts.from } : {}), ...(m.reference ? { reference: m.reference } : {}) }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new SmsError('timeout', 'the SMS gateway did not answer in time', true);
      throw new SmsError('connection', `cannot reach the SMS gateway: ${(e as Error).message}`.slice(0, 300), true);
    }
    const body = await res.text().catch(() => '');
    if (res.ok) {
      let id: string | null = null;
      try {
        const j = JSON.parse(body) as { id?: unknown; messageId?: unknown };
        id = j.id != null ? String(j.id) : j.messageId != null ? String(j.messageId) : null;
      } catch { /* a gateway may answer with no body */ }
      return { id, status: res.status };
    }
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new SmsError(retryable ? 'failed' : 'rejected', `the SMS gateway answered ${res.status}: ${body.slice(0, 200)}`, retryable, res.status);
  }
}

export function smsFromConfig(c: { smsWebhookUrl: string | null; smsWebhookToken: string | null; smsFrom: string | null }): SmsSender | null {
  if (!c.smsWebhookUrl) return null;
  return new WebhookSmsSender({ url: c.smsWebhookUrl, token: c.smsWebhookToken, from: c.smsFrom });
}
