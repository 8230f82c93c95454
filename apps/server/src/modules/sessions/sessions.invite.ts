// One-tap joining (issue 12): the single-use device link goes to the booked on-site operator by e-mail (SMTP adapter)
// and/or SMS (webhook adapter), when the session opens and when the conductor (or a supervisor of the office) sends
// it again from the console. The link is an ordinary device link (sessions.service issueLinkInTx): single use,
// expiring, redeemed by the camera page. A resend issues a new link and, once a channel accepted it, the older unused
// links stop working; when no channel accepted it the new link is withdrawn and the older one keeps working. Every
// attempt is a timeline event (`device_link.sent` / `device_link.send_failed`) and one audit entry per channel (who,
// which channel, the masked address, the outcome). Failures come back to the sender per channel, never as a 500.
import { and, desc, eq, gt, inArray, isNull } from 'drizzle-orm';
import { INVITE_CHANNELS, type DeviceLink, type InviteChannel, type InviteDelivery, type InviteResult, type SendLinkBody } from '@rvi/contracts';
import { deviceJoinTokens, sessionEvents } from '../../db/schema.ts';
import type { Actor } from '../../platform/actor.ts';
import { conflict, tooMany } from '../../platform/errors.ts';
import { isCustoms } from '../../platform/policy.ts';
import { MailError } from '../../adapters/mail.ts';
import { SmsError } from '../../adapters/sms.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { maskAddress, operatorContact, unavailable, type OperatorContact } from './sessions.contact.ts';
import { authorizeSession } from './sessions.policy.ts';
import { userNames } from './sessions.presenter.ts';
import { addSessionEvent, DEFAULT_LINK_TTL_MIN, issueLinkInTx, loadSession, orderNoOf, revokeUnusedLinks, type SessionsEnv } from './sessions.service.ts';
import { invalidateSession, type SessionRow } from './sessions.state.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';

export type InviteTrigger = 'session_opened' | 'resend';

const SENT_KINDS = ['device_link.sent', 'device_link.send_failed'];
const CHANNEL_LABEL: Record<InviteChannel, string> = { email: 'E-mail', sms: 'SMS' };


/** sends in progress in this process (one at a time per session) */
const inFlight = new Set<string>();

/**
 * The conductor or a supervisor of the office sends the camera link to the booked operator again: a new link, by
 * the channels asked for (default: every channel the operator can be reached on). 409 `no_channel` when none can be
 * tried (naming why for each), 429 `rate_limited` when sent too recently or too often.
 */
export async function sendDeviceLink(env: SessionsEnv, actor: Actor, sessionId: string, body: SendLinkBody, baseUrl: string): Promise<InviteResult> {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, 'invite', s, sessionId);
  const contact = await operatorContact(env.db, env.invite, s.operatorUserId);
  const wanted = body.channels ?? [...INVITE_CHANNELS];
  const usable = wanted.filter((ch) => !unavailable(contact, ch));
  if (!usable.length) {
    const why = wanted.map((ch) => ({ channel: ch, ...unavailable(contact, ch)! }));
    throw conflict('no_channel', `The camera link cannot be sent: ${why.map((w) => `${CHANNEL_LABEL[w.channel]}: ${w.message}`).join('; ')}`, { channels: why });
  }
  if (inFlight.has(s.id)) throw tooMany('The camera link is being sent for this session right now; wait until it is done', 5);
  inFlight.add(s.id);
  try {
    await checkRate(env, s.id);
    const link = await inTransaction(env.db, actor, async (uow) => {
      const tx = uow.tx;
      const l = await issueLinkInTx(tx, actor, s, body.ttlMinutes ?? DEFAULT_LINK_TTL_MIN, baseUrl, { revokePrevious: false, extra: { via: usable.join(',') } });
      invalidateSession(uow, s);
      return l;
    });
    return await deliverLink(env, actor, s, contact, link, wanted, 'resend');
  } finally {
    inFlight.delete(s.id);
  }
}

/**
 * When a session opens, the link issued with it goes to the operator on every channel they can be reached on.
 * Null when none (nothing configured, no address on file): nothing is recorded then.
 */
export async function sendOpenedLink(env: SessionsEnv, actor: Actor, sessionId: string, link: DeviceLink & { tokenId: string }): Promise<InviteResult | null> {
  const s = await loadSession(env.db, sessionId);
  if (!s?.operatorUserId) return null;
  const contact = await operatorContact(env.db, env.invite, s.operatorUserId);
  const usable = INVITE_CHANNELS.filter((ch) => !unavailable(contact, ch));
  if (!usable.length) return null;
  return deliverLink(env, actor, s, contact, link, usable, 'session_opened');
}

async function checkRate(env: SessionsEnv, sessionId: string): Promise<void> {
  const limits = env.invite ?? { resendSeconds: 30, perHour: 10 };
  const hourAgo = new Date(Date.now() - 3600_000);
  const recent = await env.db.select({ at: sessionEvents.at }).from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, sessionId), inArray(sessionEvents.kind, SENT_KINDS), gt(sessionEvents.at, hourAgo)))
    .orderBy(desc(sessionEvents.at));
  if (!recent.length) return;
  const agoS = Math.floor((Date.now() - recent[0].at.getTime()) / 1000);
  if (agoS < limits.resendSeconds) {
    const wait = Math.max(1, limits.resendSeconds - agoS);
    throw tooMany(`The camera link was sent ${agoS} s ago; wait ${wait} s before sending it again`, wait);
  }
  if (recent.length >= limits.perHour) {
    const oldest = recent[limits.perHour - 1].at.getTime();
    const wait = Math.max(1, Math.ceil((oldest + 3600_000 - Date.now()) / 1000));
    throw tooMany(`The camera link was sent ${recent.length} times in the last hour (at most ${limits.perHour}); the next is possible in ${Math.ceil(wait / 60)} min`, wait);
  }
}

interface Delivery extends InviteDelivery {
  /** the mail server's message id or the gateway's id (audit only) */
  ref: string | null;
}

async function deliverLink(
  env: SessionsEnv, actor: Actor, s: SessionRow, contact: OperatorContact, link: DeviceLink & { tokenId: string }, channels: readonly InviteChannel[], trigger: InviteTrigger,
): Promise<InviteResult> {
  const orderNo = await orderNoOf(env.db, s.orderId);
  const inspector = (await userNames(env.db, [s.inspectorId])).get(s.inspectorId) ?? '';
  const minutes = Math.max(1, Math.round((new Date(link.expiresAt).getTime() - Date.now()) / 60_000));
  const msg = linkMessage({ locale: contact.locale, name: contact.name ?? '', inspector, orderNo, url: link.url, minutes });
  // addresses never appear unmasked in what is returned, audited or shown (errors may quote them)
  const scrub = (text: string) => [contact.email, contact.phone].reduce<string>((t, a) => (a ? t.split(a).join(a.includes('@') ? maskAddress('email', a) : maskAddress('sms', a)) : t), text).slice(0, 400);

  const deliveries: Delivery[] = await Promise.all(channels.map(async (channel): Promise<Delivery> => {
    const addr = channel === 'email' ? contact.email : contact.phone;
    const to = addr ? maskAddress(channel, addr) : null;
    const why = unavailable(contact, channel);
    if (why) return { channel, ok: false, to, code: why.code, message: why.message, retryable: false, ref: null };
    try {
      if (channel === 'email') {
        const r = await env.invite!.mail!.send({ to: addr!, subject: msg.subject, text: msg.text, html: msg.html, headers: { 'X-RVI-Session': s.id } });
        return { channel, ok: true, to, code: 'sent', message: scrub(`accepted by the mail server (${r.response})`), retryable: false, ref: r.messageId || null };
      }
      const r = await env.invite!.sms!.send({ to: addr!, text: msg.sms, reference: link.tokenId });
      return { channel, ok: true, to, code: 'sent', message: `accepted by the SMS gateway (HTTP ${r.status})`, retryable: false, ref: r.id };
    } catch (e) {
      if (e instanceof MailError || e instanceof SmsError) return { channel, ok: false, to, code: e.code, message: scrub(e.message), retryable: e.retryable, ref: null };
      return { channel, ok: false, to, code: 'failed', message: scrub(String((e as Error)?.message ?? e)), retryable: true, ref: null };
    }
  }));

  const delivered = deliveries.some((d) => d.ok);
  const sentAt = new Date();
  const source = actor.kind === 'system' ? 'system' : isCustoms(actor) && actor.userId !== s.inspectorId ? 'observer' : 'inspector';
  await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    let revoked: string[] = [];
    let withdrawn = false;
    if (trigger === 'resend') {
      if (delivered) revoked = await revokeUnusedLinks(tx, s.id, link.tokenId);
      else {
        // nobody received it: withdraw it, the link the operator may already have keeps working
        await tx.update(deviceJoinTokens).set({ revokedAt: new Date() })
          .where(and(eq(deviceJoinTokens.id, link.tokenId), isNull(deviceJoinTokens.usedAt), isNull(deviceJoinTokens.revokedAt)));
        withdrawn = true;
      }
    }
    const shown = deliveries.map(({ ref: _r, ...d }) => d);
    await addSessionEvent(tx, s.id, delivered ? 'device_link.sent' : 'device_link.send_failed', source, actor.userId, {
      tokenId: link.tokenId, trigger, expiresAt: link.expiresAt, deliveries: shown, revokedLinks: revoked, withdrawn,
    });
    for (const d of deliveries) {
      await recordAudit(tx, actor, d.ok ? 'session.device_link_sent' : 'session.device_link_send_failed', { type: 'live_session', id: s.id }, {
        tokenId: link.tokenId, trigger, channel: d.channel, to: d.to, code: d.code, message: d.message, retryable: d.retryable, ref: d.ref,
        operatorUserId: s.operatorUserId, ...(d.ok ? { revokedLinks: revoked } : { withdrawn }),
      });
    }
    invalidateSession(uow, s);
  });
  return { delivered, expiresAt: link.expiresAt, sentAt: sentAt.toISOString(), deliveries: deliveries.map(({ ref: _r, ...d }) => d) };
}

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The e-mail (text and HTML) and the SMS, in the operator's language. */
export function linkMessage(m: { locale: 'en' | 'zh-CN'; name: string; inspector: string; orderNo: string; url: string; minutes: number }) {
  if (m.locale === 'zh-CN') {
    const lines = [
      `${m.name || '您好'}：`,
      '',
      `海关查验员${m.inspector ? ` ${m.inspector} ` : ''}已准备好对订单 ${m.orderNo} 进行远程查验。`,
      '请在用于拍摄的手机或 AR 眼镜上打开以下链接，允许使用相机后即开始直播：',
      '',
      m.url,
      '',
      `该链接仅可使用一次，${m.minutes} 分钟内有效。如已失效，请联系查验员重新发送。请勿转发：打开链接的设备将接入查验。`,
    ];
    return {
      subject: `远程查验 ${m.orderNo}：相机链接`,
      text: lines.join('\n'),
      html: htmlOf(lines, m.url, '打开相机'),
      sms: `海关远程查验 ${m.orderNo}：点击打开相机（仅限一次，${m.minutes}分钟内有效）${m.url}`,
    };
  }
  const lines = [
    `Hello ${m.name || ''}`.trim() + ',',
    '',
    `The customs inspector${m.inspector ? ` ${m.inspector}` : ''} is ready for the remote inspection of order ${m.orderNo}.`,
    'Open this link on the phone or AR glasses you will film with; the camera starts once you allow it:',
    '',
    m.url,
    '',
    `The link works once and for ${m.minutes} minutes. If it has expired, ask the inspector to send a new one. Do not forward it: whoever opens it joins the inspection.`,
  ];
  return {
    subject: `Remote inspection ${m.orderNo}: your camera link`,
    text: lines.join('\n'),
    html: htmlOf(lines, m.url, 'Open camera'),
    sms: `Customs remote inspection ${m.orderNo}: open the camera (single use, ${m.minutes} min): ${m.url}`,
  };
}

function htmlOf(lines: string[], url: string, button: string): string {
  const body = lines.map((l) => (l === url
    ? `<p><a href="${esc(url)}" style="display:inline-block;padding:14px 28px;background:#1c7ed6;color:#fff;border-radius:6px;font-size:18px;text-decoration:none">${esc(button)}</a></p>`
    : l ? `<p>${esc(l)}</p>` : '')).join('\n');
  return `<!doctype html><html><body style="font-family:sans-serif;font-size:16px">${body}</body></html>`;
}
