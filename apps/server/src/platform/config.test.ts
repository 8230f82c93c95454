import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRoles, loadCheckedConfig, loadConfig, ConfigError } from './config.ts';

test('config: defaults', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, null);
  assert.equal(c.demo, true);
  assert.ok(c.dataDir.endsWith('/data'));
});

test('config: bad values are named', () => {
  const bad: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT'], [{ PORT: '70000' }, 'PORT'], [{ RVI_DEMO: 'maybe' }, 'RVI_DEMO'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'], [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ RVI_DEMO_PASSWORD: 'short' }, 'RVI_DEMO_PASSWORD'], [{ RVI_ICE_SERVERS: '{nope' }, 'RVI_ICE_SERVERS'],
    [{ RVI_SMTP_URL: 'http://mail' }, 'RVI_SMTP_URL'], [{ RVI_MAIL_FROM: 'nobody' }, 'RVI_MAIL_FROM'], [{ RVI_SMS_WEBHOOK_URL: 'ftp://x' }, 'RVI_SMS_WEBHOOK_URL'],
    [{ RVI_SMTP_TIMEOUT_MS: '5' }, 'RVI_SMTP_TIMEOUT_MS'], [{ RVI_PUBLIC_URL: 'rvi.example' }, 'RVI_PUBLIC_URL'],
    [{ RVI_S3_ENDPOINT: 'http://127.0.0.1:9000' }, 'RVI_S3_BUCKET'], [{ RVI_S3_BUCKET: 'Bad_Bucket', RVI_S3_ACCESS_KEY: 'a', RVI_S3_SECRET_KEY: 'b' }, 'RVI_S3_BUCKET'],
    [{ RVI_S3_BUCKET: 'rvi', RVI_S3_SECRET_KEY: 'b' }, 'RVI_S3_ACCESS_KEY'], [{ RVI_S3_BUCKET: 'rvi', RVI_S3_ACCESS_KEY: 'a' }, 'RVI_S3_SECRET_KEY'],
    [{ RVI_S3_BUCKET: 'rvi', RVI_S3_ACCESS_KEY: 'a', RVI_S3_SECRET_KEY: 'b', RVI_S3_ENDPOINT: 'ftp://x' }, 'RVI_S3_ENDPOINT'],
    [{ RVI_S3_BUCKET: 'rvi', RVI_S3_ACCESS_KEY: 'a', RVI_S3_SECRET_KEY: 'b', RVI_S3_PREFIX: '../x' }, 'RVI_S3_PREFIX'],
    [{ RVI_ROLES: 'api,web' }, 'RVI_ROLES'], [{ RVI_ROLES: ',' }, 'RVI_ROLES'],
  ];
  for (const [env, name] of bad) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === name && e.message.startsWith(name));
  }
});

test('config: e-mail and SMS adapters', () => {
  const c = loadConfig({ RVI_SMTP_URL: 'smtp://u:p@127.0.0.1:2525', RVI_MAIL_FROM: 'RVI <rvi@customs.example>', RVI_SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms/', RVI_PUBLIC_URL: 'https://rvi.example/' });
  assert.equal(c.smtpUrl, 'smtp://u:p@127.0.0.1:2525');
  assert.equal(c.mailFrom, 'RVI <rvi@customs.example>');
  assert.equal(c.smsWebhookUrl, 'http://127.0.0.1:9/sms');
  assert.equal(c.publicUrl, 'https://rvi.example');
  assert.equal(loadConfig({}).smtpUrl, null);
});

test('config: TURN (per-session credentials for coturn\'s REST secret)', () => {
  assert.equal(loadConfig({}).turn, null);
  const c = loadConfig({ RVI_TURN_URLS: 'turn:turn.example:3478?transport=udp, turn:turn.example:3478?transport=tcp,turns:turn.example:443?transport=tcp', RVI_TURN_SECRET: 'a-long-shared-secret' });
  assert.deepEqual(c.turn, { urls: ['turn:turn.example:3478?transport=udp', 'turn:turn.example:3478?transport=tcp', 'turns:turn.example:443?transport=tcp'], secret: 'a-long-shared-secret', ttlSeconds: 14_400 });
  for (const [env, name] of [
    [{ RVI_TURN_URLS: 'turn:turn.example:3478' }, 'RVI_TURN_SECRET'],
    [{ RVI_TURN_URLS: 'turn:turn.example:3478', RVI_TURN_SECRET: 'short' }, 'RVI_TURN_SECRET'],
    [{ RVI_TURN_URLS: 'http://turn.example', RVI_TURN_SECRET: 'a-long-shared-secret' }, 'RVI_TURN_URLS'],
    [{ RVI_TURN_SECRET: 'a-long-shared-secret' }, 'RVI_TURN_URLS'],
    [{ RVI_TURN_URLS: 'turn:t.example:3478', RVI_TURN_SECRET: 'a-long-shared-secret', RVI_TURN_TTL_SECONDS: '5' }, 'RVI_TURN_TTL_SECONDS'],
  ] as const) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === name, JSON.stringify(env));
  }
});

test('config: object store and roles', () => {
  assert.deepEqual(loadConfig({}).objectStore, { kind: 'local' });
  assert.deepEqual(loadConfig({}).roles, ['api', 'worker', 'media']);
  assert.deepEqual(loadConfig({ RVI_ROLES: 'worker, api' }).roles, ['api', 'worker']);
  assert.deepEqual(loadConfig({ RVI_S3_BUCKET: 'rvi-evidence', RVI_S3_ENDPOINT: 'http://127.0.0.1:9000/', RVI_S3_ACCESS_KEY: 'a', RVI_S3_SECRET_KEY: 'b', RVI_S3_PREFIX: 'office-1' }).objectStore, {
    kind: 's3', bucket: 'rvi-evidence', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b', prefix: 'office-1/', forcePathStyle: true,
  });
  const aws = loadConfig({ RVI_S3_BUCKET: 'rvi-evidence', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', RVI_S3_REGION: 'eu-west-1' }).objectStore;
  assert.equal(aws.kind === 's3' && aws.forcePathStyle, false, 'AWS S3 (no endpoint): virtual-hosted addressing');
});

test('config: role combinations', () => {
  assert.throws(() => loadCheckedConfig({ RVI_ROLES: 'worker' }), (e: unknown) => e instanceof ConfigError && /DATABASE_URL/.test(e.message), 'partial roles on PGlite');
  assert.throws(() => loadCheckedConfig({ RVI_ROLES: 'api', DATABASE_URL: 'postgres://x/y' }), (e: unknown) => e instanceof ConfigError && /api and media/.test(e.message));
  assert.deepEqual(loadCheckedConfig({ RVI_ROLES: 'worker', DATABASE_URL: 'postgres://x/y' }).roles, ['worker']);
  assert.deepEqual(loadCheckedConfig({ RVI_ROLES: 'media,api', DATABASE_URL: 'postgres://x/y' }).roles, ['api', 'media']);
  assert.throws(() => checkRoles({ roles: ['media'], databaseUrl: 'postgres://x/y' }, '--roles'), (e: unknown) => e instanceof ConfigError && e.variable === '--roles');
});
