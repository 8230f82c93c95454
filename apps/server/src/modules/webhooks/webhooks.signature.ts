// Signing a webhook delivery the way Stripe does (issue 19.4): HMAC-SHA256 over `${timestamp}.${raw body}` with the
// subscription's secret, sent as `Customs-RVI-Signature: t=<unix seconds>,v1=<hex>`. Receivers verify with
// verifyWebhookSignature (or the README's 15-line copy) and refuse timestamps outside the replay window.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_REPLAY_WINDOW_SECONDS } from '@rvi/contracts';

/** A new signing secret: `whsec_` + 32 random bytes (base64url). Shown once, kept sealed (SecretBox). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for a body signed now (or at `timestamp`, unix seconds). */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'bad_signature' | 'outside_window' };

/**
 * What a receiver does: parse `t` and every `v1` (several during a secret rotation), compare in constant time, and
 * refuse a timestamp further than `toleranceS` from its clock (a captured delivery cannot be replayed later).
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string,
  opts: { toleranceS?: number; nowS?: number } = {}): VerifyResult {
  if (!header) return { ok: false, reason: 'malformed' };
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const sigs = parts.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '')).map(([, v]) => Buffer.from(v, 'hex'));
  if (!Number.isInteger(t) || !sigs.length) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  if (!sigs.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) return { ok: false, reason: 'bad_signature' };
  const now = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceS ?? WEBHOOK_REPLAY_WINDOW_SECONDS)) return { ok: false, reason: 'outside_window' };
  return { ok: true, timestamp: t };
}
