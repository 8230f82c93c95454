// Mailer port: sends one e-mail and says clearly whether a failure is worth retrying. The implementation is SMTP via
// nodemailer, configured by environment variables (RVI_SMTP_URL, RVI_MAIL_FROM; see README "Configuration"). Used for
// the camera link (issue 12) and, by the workflow, for release notices and booking confirmations (issue 18).
//
//   const mail = mailerFromConfig(ctx.config);            // null when RVI_SMTP_URL is unset
//   const r = await mail.send({ to, subject, text, html, attachments: [{ filename: 'booking.ics', content, contentType: 'text/calendar' }] });
//   // r.messageId, r.accepted, r.response; on failure a MailError with .code and .retryable
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType?: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** overrides RVI_MAIL_FROM */
  from?: string;
  replyTo?: string;
  attachments?: MailAttachment[];
  /** extra headers, e.g. { 'X-RVI-Session': id } */
  headers?: Record<string, string>;
}

export interface MailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** the server's last reply line, e.g. "250 OK: queued" */
  response: string;
}

export type MailErrorCode = 'invalid_address' | 'rejected' | 'auth' | 'connection' | 'timeout' | 'tls' | 'failed';

/** Why a message was not sent. `retryable` is false for refusals that will not change (bad address, 5xx, auth). */
export class MailError extends Error {
  constructor(readonly code: MailErrorCode, message: string, readonly retryable: boolean, readonly smtpCode?: number) {
    super(message);
    this.name = 'MailError';
  }
}

export interface Mailer {
  /** who messages come from (for the audit trail) */
  readonly from: string;
  send(m: MailMessage): Promise<MailResult>;
  close(): void;
}

export interface SmtpOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465 */
  url: string;
  from: string;
  /** connection / greeting / socket timeout (ms), default 15000 */
  timeoutMs?: number;
  /** accept self-signed certificates (test servers, internal relays); default false */
  allowSelfSigned?: boolean;
}

/** A plausible single address (RFC 5321 sizes, one @, no spaces or angle brackets): more is the server's business. */
export function isEmailAddress(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 254 && /^[^\s@<>(),;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/.test(v);
}

export class SmtpMailer implements Mailer {
  readonly from: string;
  private transport: Transporter;

  constructor(opts: SmtpOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error('RVI_SMTP_URL must start with smtp:// or smtps://');
    const secure = u.protocol === 'smtps:';
    const timeout = opts.timeoutMs ?? 15_000;
    this.from = opts.from;
    this.transport = nodemailer.createTransport({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : secure ? 465 : 587,
      secure,
      auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: opts.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
    });
  }

  async send(m: MailMessage): Promise<MailResult> {
    if (!isEmailAddress(m.to)) throw new MailError('invalid_address', `not an e-mail address: ${String(m.to).slice(0, 80)}`, false);
    try {
      const info = await this.transport.sendMail({
        from: m.from ?? this.from, to: m.to, replyTo: m.replyTo, subject: m.subject, text: m.text, html: m.html, headers: m.headers,
        attachments: m.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      });
      const accepted = (info.accepted ?? []).map(String);
      const rejected = (info.rejected ?? []).map(String);
      if (!accepted.length) throw new MailError('rejected', `the server accepted no recipient (${info.response ?? ''})`.trim(), false);
      return { messageId: String(info.messageId ?? ''), accepted, rejected, response: String(info.response ?? '') };
    } catch (e) {
      throw toMailError(e);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** nodemailer errors carry `code` (EAUTH, ECONNECTION, ETIMEDOUT, EENVELOPE, EMESSAGE, ETLS...) and `responseCode`. */
function toMailError(e: unknown): MailError {
  if (e instanceof MailError) return e;
  const err = e as { code?: string; responseCode?: number; message?: string };
  const msg = String(err.message ?? e).slice(0, 300);
  const rc = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  switch (err.code) {
    case 'EAUTH':
      return new MailError('auth', `SMTP authentication failed: ${msg}`, false, rc);
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      return new MailError('connection', `cannot reach the SMTP server: ${msg}`, true, rc);
    case 'ETIMEDOUT':
      return new MailError('timeout', `the SMTP server did not answer in time: ${msg}`, true, rc);
    case 'ETLS':
      return new MailError('tls', `TLS with the SMTP server failed: ${msg}`, false, rc);
  }
  // 4xx replies are temporary (greylisting, mailbox busy), 5xx are refusals
  if (rc !== undefined) return new MailError('rejected', `the SMTP server refused the message: ${msg}`, rc < 500, rc);
  return new MailError('failed', msg, true, rc);
}

/** The configured mailer, or null when RVI_SMTP_URL is unset (features that e-mail then say "e-mail not configured"). */
export function mailerFromConfig(c: { smtpUrl: string | null; mailFrom: string; smtpTimeoutMs?: number; smtpAllowSelfSigned?: boolean }): Mailer | null {
  if (!c.smtpUrl) return null;
  return new SmtpMailer({ url: c.smtpUrl, from: c.mailFrom, timeoutMs: c.smtpTimeoutMs, allowSelfSigned: c.smtpAllowSelfSigned });
}
