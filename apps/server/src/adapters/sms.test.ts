// The SMS webhook adapter against a local HTTP receiver (a stand-in for the gateway: real HTTP, real JSON).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPhoneNumber, SmsError, WebhookSmsSender } from './sms.ts';

let server: Server;
let url: string;
const got: { headers: IncomingMessage['headers']; body: any }[] = [];
let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '{"id":"gw-1"}' };

before(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: JSON.parse(raw) });
      setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body), answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
});
after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

test('posts {to, text, from, reference} with the bearer token; returns the gateway id', async () => {
  const sms = new WebhookSmsSender({ url, token: 'tok-123', from: 'RVI' });
  const r = await sms.send({ to: '+8613800000001', text: 'Camera link: https://rvi.example/camera.html#t=abc', reference: 'inv-1' });
  assert.deepEqual(r, { id: 'gw-1', status: 200 });
  const last = got.at(-1)!;
  assert.equal(last.headers.authorization, 'Bearer tok-123');
  assert.deepEqual(last.body, { to: '+8613800000001', text: 'Camera link: https://rvi.example/camera.html#t=abc', from: 'RVI', reference: 'inv-1' });
});

test('refusals, retryable failures, timeouts and bad numbers', async () => {
  const sms = new WebhookSmsSender({ url, timeoutMs: 300 });
  const failure = async (p: Promise<unknown>) => p.then(() => assert.fail('expected an SmsError'), (e) => { assert.ok(e instanceof SmsError, String(e)); return e as SmsError; });
  const n = got.length;
  const bad = await failure(sms.send({ to: '13800000001', text: 'x' }));
  assert.deepEqual([bad.code, bad.retryable], ['invalid_number', false]);
  assert.equal(got.length, n, 'a bad number never reaches the gateway');
  answer = { status: 400, body: '{"error":"unknown number"}' };
  const refused = await failure(sms.send({ to: '+8613800000001', text: 'x' }));
  assert.deepEqual([refused.code, refused.retryable, refused.status], ['rejected', false, 400]);
  answer = { status: 503, body: 'busy' };
  const busy = await failure(sms.send({ to: '+8613800000001', text: 'x' }));
  assert.deepEqual([busy.code, busy.retryable, busy.status], ['failed', true, 503]);
  answer = { status: 200, body: '{}', delayMs: 1000 };
  const slow = await failure(sms.send({ to: '+8613800000001', text: 'x' }));
  assert.deepEqual([slow.code, slow.retryable], ['timeout', true]);
  answer = { status: 202, body: '' };
  assert.deepEqual(await sms.send({ to: '+8613800000001', text: 'x' }), { id: null, status: 202 });
  answer = { status: 200, body: '{"id":"gw-1"}' };
});

test('E.164 numbers', () => {
  for (const ok of ['+8613800000001', '+4915112345678', '+12025550123']) assert.ok(isPhoneNumber(ok), ok);
  for (const bad of ['8613800000001', '+0123456789', '+86 138 0000 0001', '+123', '+1234567890123456']) assert.ok(!isPhoneNumber(bad), bad);
});
