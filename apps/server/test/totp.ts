// RFC 6238 TOTP computed independently of the server's library (RFC 4226 HOTP over HMAC-SHA1, 30 s steps, 6 digits),
// so tests check the server against the standard, not against itself.
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

function base32Decode(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit code of `secret` (base32) at `timeMs`. */
export function totpCode(secret: string, timeMs = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

/** Sets up TOTP for the session in `cookie` through the real API; returns the secret and the recovery codes. */
export async function enrolTotp(app: FastifyInstance, cookie: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const e = await app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers: { cookie } });
  if (e.statusCode !== 200) throw new Error(`enrol failed: ${e.statusCode} ${e.body}`);
  const secret = e.json().secret as string;
  const c = await app.inject({ method: 'POST', url: '/api/auth/totp/confirm', headers: { cookie }, payload: { code: totpCode(secret) } });
  if (c.statusCode !== 200) throw new Error(`confirm failed: ${c.statusCode} ${c.body}`);
  return { secret, recoveryCodes: c.json().recoveryCodes };
}
