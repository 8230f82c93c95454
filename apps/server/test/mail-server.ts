// A real SMTP server for tests (the `smtp-server` package on a random port) that parses every message it receives
// with `mailparser`, so tests check what the recipient reads (subject, text, links), not what we meant to send.
//
//   const smtp = await startTestSmtp();            // smtp.url = smtp://test:secret@127.0.0.1:PORT
//   ... RVI_SMTP_URL=smtp.url ...
//   const mail = await smtp.waitFor((m) => m.to === 'op@alpha.example');
//   mail.text, mail.html, mail.links
//   smtp.rejectRecipients.add('bounce@alpha.example');   // 550 for that address
//   await smtp.close();
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** http(s) links found in the text and html parts */
  links: string[];
  headers: Map<string, unknown>;
  parsed: ParsedMail;
  raw: Buffer;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** recipients answered with 550 */
  rejectRecipients: Set<string>;
  /** answer every message with 451 (temporary failure) while true */
  tempFail: boolean;
  waitFor(pred: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startTestSmtp(opts: { user?: string; password?: string } = {}): Promise<TestSmtp> {
  const user = opts.user ?? 'test';
  const password = opts.password ?? 'secret';
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const state = { tempFail: false };
  const rejectRecipients = new Set<string>();
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      if (rejectRecipients.has(address.address.toLowerCase())) cb(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      else cb();
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (state.tempFail) return cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        const raw = Buffer.concat(chunks);
        try {
          const parsed = await simpleParser(raw);
          const text = parsed.text ?? '';
          const html = typeof parsed.html === 'string' ? parsed.html : '';
          const links = [...new Set([...`${text}\n${html}`.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0].replace(/&amp;/g, '&')))];
          const addr = (v: ParsedMail['to'] | ParsedMail['from']) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((a) => a.value.map((x) => x.address ?? '')).join(', ');
          received.push({ from: addr(parsed.from), to: addr(parsed.to), subject: parsed.subject ?? '', text, html, links, headers: parsed.headers, parsed, raw });
          waiters.forEach((w) => w());
          cb();
        } catch (e) {
          cb(e as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    received,
    rejectRecipients,
    get tempFail() { return state.tempFail; },
    set tempFail(v: boolean) { state.tempFail = v; },
    waitFor(pred, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = received.find(pred);
          if (!m) return false;
          clearTimeout(t);
          waiters.delete(check as () => void);
          resolve(m);
          return true;
        };
        const t = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`no matching e-mail within ${timeoutMs} ms (received ${received.length}: ${received.map((m) => `${m.to} "${m.subject}"`).join('; ')})`));
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
