// Issue 13.11: a failed query on the real database is logged without its SQL text or its parameters (a password hash
// bound as a parameter once reached the log), credential-like query parameters are redacted from logged URLs, and the
// client gets a generic message with the request id, never the query.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { installErrorHandler } from './http.ts';
import { loggerOptions, redactUrl, serializeError } from './logging.ts';

const SECRET = '$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$planted-hash-value';

let t: TestApp;
after(async () => t?.close());

/** A database error the way the driver raises it: the query and its bound parameter attached. */
async function failingQuery(): Promise<unknown> {
  t ??= await startTestApp({}, { demo: false });
  try {
    await t.ctx.db.execute(sql`select id from users where password_hash = ${SECRET} and created_at > ${'not a date ' + SECRET}::timestamptz`);
  } catch (err) {
    return err;
  }
  throw new Error('the query was expected to fail');
}

test('a failed query is serialised without SQL text, parameters or the values Postgres quotes', async () => {
  const err = await failingQuery();
  const raw = JSON.stringify({ message: (err as Error).message, cause: String((err as { cause?: unknown }).cause) });
  assert.ok(raw.includes('planted-hash-value'), 'precondition: the raw driver error carries the parameter');
  const logged = JSON.stringify(serializeError(err));
  assert.ok(!logged.includes('planted-hash-value'), `the parameter reached the log: ${logged}`);
  assert.ok(!/password_hash|select id from users/i.test(logged), `the SQL text reached the log: ${logged}`);
  assert.match(logged, /22007|22008|invalid input syntax|out of range/i, 'what went wrong is still logged (SQLSTATE and kind)');
});

test('through the error handler: the client gets a generic 500 with the request id; the log line has neither SQL nor secrets', async () => {
  const err = await failingQuery();
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const opts = loggerOptions('info');
  const app = Fastify({ logger: { ...(opts as object), stream } });
  installErrorHandler(app);
  app.get('/api/fails', async () => { throw err; });
  const res = await app.inject({ url: '/api/fails?token=tok-secret-123&page=2&device_key=dk-secret-456' });
  await app.close();
  assert.equal(res.statusCode, 500);
  const body = res.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'internal');
  assert.match(body.error.message, /^Internal error \(request [\w-]+\)$/);
  const log = lines.join('');
  assert.match(log, /request failed/, 'the failure is logged');
  for (const leak of ['planted-hash-value', 'tok-secret-123', 'dk-secret-456', 'password_hash']) {
    assert.ok(!log.includes(leak), `${leak} reached the log: ${log}`);
  }
  assert.match(log, /token=\[redacted\]&page=2/, 'the URL is logged, its credentials redacted');
});

test('redactUrl: credential-like parameters only, encoded names too', () => {
  assert.equal(redactUrl('/api/x?token=a&q=b'), '/api/x?token=[redacted]&q=b');
  assert.equal(redactUrl('/api/x?%74oken=a'), '/api/x?%74oken=[redacted]');
  assert.equal(redactUrl('/api/x?api_key=a&password=p&code=1'), '/api/x?api_key=[redacted]&password=[redacted]&code=[redacted]');
  assert.equal(redactUrl('/api/x?tokens=a'), '/api/x?tokens=a');
  assert.equal(redactUrl('/api/x'), '/api/x');
});
