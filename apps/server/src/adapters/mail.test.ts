// The SMTP mailer against a real SMTP server (smtp-server on a random port); what arrives is parsed with mailparser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isEmailAddress, MailError, SmtpMailer } from './mail.ts';
import { startTestSmtp, type TestSmtp } from '../../test/mail-server.ts';

let smtp: TestSmtp;
before(async () => { smtp = await startTestSmtp(); });
after(async () => smtp?.close());

test('sends a message the recipient can read: subject, text, html, link, attachment, headers', async () => {
  const mail = new SmtpMailer({ url: smtp.url, from: 'customs-rvi <rvi@customs.example>' });
  try {
    const r = await mail.send({
      to: 'op@alpha.example', subject: 'Camera link 相机链接', text: 'Open https://rvi.example/camera.html#t=abc to join.',
      html: '<p><a href="https://rvi.example/camera.html#t=abc">Join now</a></p>', headers: { 'X-RVI-Session': 's-1' },
      attachments: [{ filename: 'booking.ics', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', contentType: 'text/calendar' }],
    });
    assert.deepEqual(r.accepted, ['op@alpha.example']);
    assert.match(r.response, /^250/);
    const got = await smtp.waitFor((m) => m.to === 'op@alpha.example');
    assert.equal(got.subject, 'Camera link 相机链接');
    assert.equal(got.from, 'rvi@customs.example');
    assert.deepEqual(got.links, ['https://rvi.example/camera.html#t=abc']);
    assert.equal(got.headers.get('x-rvi-session'), 's-1');
    assert.equal(got.parsed.attachments[0].filename, 'booking.ics');
    assert.match(got.parsed.attachments[0].content.toString(), /BEGIN:VCALENDAR/);
  } finally {
    mail.close();
  }
});

test('failures say whether a retry can help', async () => {
  smtp.rejectRecipients.add('nobody@alpha.example');
  const mail = new SmtpMailer({ url: smtp.url, from: 'rvi@customs.example' });
  const wrongPassword = new SmtpMailer({ url: smtp.url.replace(':secret@', ':wrong@'), from: 'rvi@customs.example' });
  // a port nobody listens on: take one, close it
  const free = await new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
  const down = new SmtpMailer({ url: `smtp://127.0.0.1:${free}`, from: 'rvi@customs.example', timeoutMs: 2000 });
  try {
    const failure = async (p: Promise<unknown>) => p.then(() => assert.fail('expected a MailError'), (e) => { assert.ok(e instanceof MailError, String(e)); return e as MailError; });
    const bad = await failure(mail.send({ to: 'not an address', subject: 's', text: 't' }));
    assert.deepEqual([bad.code, bad.retryable], ['invalid_address', false]);
    const refused = await failure(mail.send({ to: 'nobody@alpha.example', subject: 's', text: 't' }));
    assert.deepEqual([refused.code, refused.retryable, refused.smtpCode], ['rejected', false, 550]);
    smtp.tempFail = true;
    const later = await failure(mail.send({ to: 'op@alpha.example', subject: 'greylisted', text: 't' }));
    smtp.tempFail = false;
    assert.deepEqual([later.code, later.retryable, later.smtpCode], ['rejected', true, 451]);
    const auth = await failure(wrongPassword.send({ to: 'op@alpha.example', subject: 's', text: 't' }));
    assert.deepEqual([auth.code, auth.retryable], ['auth', false]);
    const unreachable = await failure(down.send({ to: 'op@alpha.example', subject: 's', text: 't' }));
    assert.deepEqual([unreachable.code, unreachable.retryable], ['connection', true]);
    assert.ok(!smtp.received.some((m) => m.subject === 'greylisted'), 'nothing stored for a refused message');
  } finally {
    mail.close();
    wrongPassword.close();
    down.close();
  }
});

test('e-mail address check', () => {
  for (const ok of ['op@alpha.example', 'a.b+c@sub.alpha-trading.cn']) assert.ok(isEmailAddress(ok), ok);
  for (const bad of ['', 'op', 'op@', '@alpha.example', 'a b@alpha.example', 'op@alpha', '<op@alpha.example>', 'op@alpha.example, x@y.z']) assert.ok(!isEmailAddress(bad), bad);
});
