// How the camera link can reach the booked on-site operator (issue 12): their e-mail address and mobile number
// (users.email, users.phone), the configured adapters, and the masked form addresses take in the audit log, on the
// timeline and in the console (s***@alpha.example, +86*********01): enough to tell which address, not to harvest it.
import { eq } from 'drizzle-orm';
import type { InviteChannel, InviteChannels } from '@rvi/contracts';
import { users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Mailer } from '../../adapters/mail.ts';
import type { SmsSender } from '../../adapters/sms.ts';

export interface InviteEnv {
  mail: Mailer | null;
  sms: SmsSender | null;
  /** seconds between two sends for one session, and sends per session per hour */
  resendSeconds: number;
  perHour: number;
}

export interface OperatorContact {
  userId: string | null;
  name: string | null;
  locale: 'en' | 'zh-CN';
  email: string | null;
  phone: string | null;
  mailConfigured: boolean;
  smsConfigured: boolean;
}

export async function operatorContact(db: Db, env: InviteEnv | undefined, userId: string | null): Promise<OperatorContact> {
  const [u] = userId
    ? await db.select({ name: users.displayName, locale: users.locale, email: users.email, phone: users.phone }).from(users).where(eq(users.id, userId)).limit(1)
    : [];
  return {
    userId, name: u?.name ?? null, locale: u?.locale === 'zh-CN' ? 'zh-CN' : 'en',
    email: u?.email?.trim() || null, phone: u?.phone?.trim() || null, mailConfigured: !!env?.mail, smsConfigured: !!env?.sms,
  };
}

/** Why a channel cannot be tried at all (before anything is sent), or null when it can. */
export function unavailable(c: OperatorContact, ch: InviteChannel): { code: 'not_configured' | 'no_address'; message: string } | null {
  if (ch === 'email') {
    if (!c.mailConfigured) return { code: 'not_configured', message: 'E-mail is not configured on this server (RVI_SMTP_URL)' };
    if (!c.email) return { code: 'no_address', message: 'The on-site operator has no e-mail address on file' };
  } else {
    if (!c.smsConfigured) return { code: 'not_configured', message: 'SMS is not configured on this server (RVI_SMS_WEBHOOK_URL)' };
    if (!c.phone) return { code: 'no_address', message: 'The on-site operator has no mobile number on file' };
  }
  return null;
}

export function presentChannels(c: OperatorContact): InviteChannels {
  const one = (ch: InviteChannel) => {
    const why = unavailable(c, ch);
    const addr = ch === 'email' ? c.email : c.phone;
    return { available: !why, to: addr ? maskAddress(ch, addr) : null, reason: why?.code ?? null };
  };
  return { email: one('email'), sms: one('sms') };
}

/** s***@alpha.example: the first character of the local part and the domain. */
export function maskEmail(v: string): string {
  const at = v.lastIndexOf('@');
  if (at < 1) return '***';
  return `${v[0]}***${v.slice(at)}`;
}

/** +86*********01: the first two digits (country code, mostly) and the last two. */
export function maskPhone(v: string): string {
  const d = v.replace(/[^\d]/g, '');
  if (d.length < 6) return '***';
  return `+${d.slice(0, 2)}${'*'.repeat(d.length - 4)}${d.slice(-2)}`;
}

export function maskAddress(ch: InviteChannel, v: string): string {
  return ch === 'email' ? maskEmail(v) : maskPhone(v);
}
