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
  // issue 15: media nodes run on their own (reached through the API nodes' relay), and API nodes without media
  assert.deepEqual(loadCheckedConfig({ RVI_ROLES: 'api', DATABASE_URL: 'postgres://x/y' }).roles, ['api']);
  assert.deepEqual(loadCheckedConfig({ RVI_ROLES: 'media', DATABASE_URL: 'postgres://x/y' }).roles, ['media']);
  assert.throws(() => loadCheckedConfig({ RVI_ROLES: 'media' }), (e: unknown) => e instanceof ConfigError && /DATABASE_URL/.test(e.message), 'a media node on PGlite');
  assert.throws(() => loadCheckedConfig({ RVI_MEDIA_CAPACITY: '0' }), (e: unknown) => e instanceof ConfigError && e.variable === 'RVI_MEDIA_CAPACITY');
  assert.deepEqual(loadCheckedConfig({ RVI_ROLES: 'worker', DATABASE_URL: 'postgres://x/y' }).roles, ['worker']);
  assert.deepEqual(loadCheckedConfig({ RVI_ROLES: 'media,api', DATABASE_URL: 'postgres://x/y' }).roles, ['api', 'media']);
  assert.throws(() => checkRoles({ roles: ['media'], databaseUrl: null }, '--roles'), (e: unknown) => e instanceof ConfigError && e.variable === '--roles');
});

test('config: OpenID Connect single sign-on (issuer, client, redirect, claim mapping), refused with the variable named', () => {
  assert.equal(loadConfig({}).oidc, null);
  const base = { RVI_OIDC_ISSUER: 'https://id.customs.example/realms/staff', RVI_OIDC_CLIENT_ID: 'customs-rvi', RVI_OIDC_CLIENT_SECRET: 's3cret', RVI_OIDC_ROLE_MAP: 'rvi-inspectors=inspector; rvi-supervisors=supervisor' };
  const c = loadConfig({ ...base, RVI_PUBLIC_URL: 'https://rvi.customs.example' }).oidc!;
  assert.equal(c.redirectUrl, 'https://rvi.customs.example/api/auth/oidc/callback', 'default: the public URL\'s callback');
  assert.deepEqual(c.roleMap, [['rvi-inspectors', 'inspector'], ['rvi-supervisors', 'supervisor']]);
  assert.equal(c.roleClaim, 'roles');
  assert.equal(c.officeClaim, 'customs_office');
  assert.equal(c.usernameClaim, 'preferred_username');
  assert.equal(c.scopes, 'openid profile email');
  assert.deepEqual(c.mfaAmr, [], 'default: the provider\'s amr never stands in for the second factor');
  assert.equal(c.allowInsecureHttp, false);
  const nested = loadConfig({ ...base, RVI_OIDC_REDIRECT_URL: 'https://rvi.example/api/auth/oidc/callback', RVI_OIDC_ROLE_CLAIM: 'realm_access.roles', RVI_OIDC_MFA_AMR: 'mfa, otp', RVI_OIDC_ROLE_MAP: 'cn=a,ou=g=auditor' }).oidc!;
  assert.equal(nested.roleClaim, 'realm_access.roles');
  assert.deepEqual(nested.mfaAmr, ['mfa', 'otp']);
  assert.deepEqual(nested.roleMap, [['cn=a,ou=g', 'auditor']], 'split at the last "="');
  assert.equal(loadConfig({ ...base, RVI_OIDC_ISSUER: 'http://127.0.0.1:9000', RVI_PUBLIC_URL: 'http://localhost:8080' }).oidc!.allowInsecureHttp, true, 'plain http on loopback (development)');
  for (const [env, name] of [
    [{ RVI_OIDC_CLIENT_ID: 'x' }, 'RVI_OIDC_ISSUER'],
    [{ ...base, RVI_OIDC_ISSUER: 'http://id.customs.example' }, 'RVI_OIDC_ISSUER'],
    [{ ...base, RVI_OIDC_ISSUER: 'not a url' }, 'RVI_OIDC_ISSUER'],
    [{ ...base, RVI_OIDC_CLIENT_ID: '' }, 'RVI_OIDC_CLIENT_ID'],
    [base, 'RVI_OIDC_REDIRECT_URL'],
    [{ ...base, RVI_OIDC_REDIRECT_URL: 'https://rvi.example/elsewhere' }, 'RVI_OIDC_REDIRECT_URL'],
    [{ ...base, RVI_PUBLIC_URL: 'https://rvi.example', RVI_OIDC_ROLE_MAP: '' }, 'RVI_OIDC_ROLE_MAP'],
    [{ ...base, RVI_PUBLIC_URL: 'https://rvi.example', RVI_OIDC_ROLE_MAP: 'staff=enterprise_user' }, 'RVI_OIDC_ROLE_MAP'],
    [{ ...base, RVI_PUBLIC_URL: 'https://rvi.example', RVI_OIDC_ROLE_MAP: 'staff' }, 'RVI_OIDC_ROLE_MAP'],
    [{ ...base, RVI_PUBLIC_URL: 'https://rvi.example', RVI_OIDC_SCOPES: 'profile' }, 'RVI_OIDC_SCOPES'],
    [{ ...base, RVI_PUBLIC_URL: 'https://rvi.example', RVI_OIDC_ROLE_CLAIM: 'roles[0]' }, 'RVI_OIDC_ROLE_CLAIM'],
  ] as [Record<string, string>, string][]) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === name, JSON.stringify(env));
  }
});

test('config: LDAP bind (direct DN or search then bind, group → role, office attribute), refused with the variable named', () => {
  assert.equal(loadConfig({}).ldap, null);
  const direct = loadConfig({ RVI_LDAP_URL: 'ldaps://ldap.customs.example:636', RVI_LDAP_BIND_DN: 'uid={username},ou=people,dc=customs,dc=example', RVI_LDAP_ROLE_MAP: 'cn=rvi-inspectors,ou=groups,dc=customs,dc=example=inspector' }).ldap!;
  assert.equal(direct.bindDnTemplate, 'uid={username},ou=people,dc=customs,dc=example');
  assert.deepEqual(direct.roleMap, [['cn=rvi-inspectors,ou=groups,dc=customs,dc=example', 'inspector']]);
  assert.equal(direct.officeAttribute, 'departmentNumber');
  assert.equal(direct.groupBase, null, 'default: the entry\'s memberOf');
  const search = loadConfig({ RVI_LDAP_URL: 'ldap://127.0.0.1:3890', RVI_LDAP_SEARCH_BASE: 'ou=people,dc=x', RVI_LDAP_SEARCH_DN: 'cn=reader,dc=x', RVI_LDAP_SEARCH_PASSWORD: 'pw', RVI_LDAP_GROUP_BASE: 'ou=groups,dc=x', RVI_LDAP_ROLE_MAP: 'rvi-supervisors=supervisor', RVI_LDAP_OFFICE_ATTRIBUTE: 'ou' }).ldap!;
  assert.equal(search.searchFilter, '(uid={username})');
  assert.equal(search.groupFilter, '(member={dn})');
  assert.equal(search.officeAttribute, 'ou');
  for (const [env, name] of [
    [{ RVI_LDAP_ROLE_MAP: 'a=inspector' }, 'RVI_LDAP_URL'],
    [{ RVI_LDAP_URL: 'http://ldap', RVI_LDAP_BIND_DN: 'uid={username}', RVI_LDAP_ROLE_MAP: 'a=inspector' }, 'RVI_LDAP_URL'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_ROLE_MAP: 'a=inspector' }, 'RVI_LDAP_BIND_DN'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_BIND_DN: 'uid=fixed,dc=x', RVI_LDAP_ROLE_MAP: 'a=inspector' }, 'RVI_LDAP_BIND_DN'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_SEARCH_BASE: 'dc=x', RVI_LDAP_SEARCH_FILTER: 'uid={username}', RVI_LDAP_ROLE_MAP: 'a=inspector' }, 'RVI_LDAP_SEARCH_FILTER'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_SEARCH_BASE: 'dc=x', RVI_LDAP_SEARCH_DN: 'cn=r,dc=x', RVI_LDAP_ROLE_MAP: 'a=inspector' }, 'RVI_LDAP_SEARCH_PASSWORD'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_SEARCH_BASE: 'dc=x' }, 'RVI_LDAP_ROLE_MAP'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_SEARCH_BASE: 'dc=x', RVI_LDAP_ROLE_MAP: 'a=onsite_operator' }, 'RVI_LDAP_ROLE_MAP'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_SEARCH_BASE: 'dc=x', RVI_LDAP_ROLE_MAP: 'a=inspector', RVI_LDAP_OFFICE_ATTRIBUTE: 'bad attr' }, 'RVI_LDAP_OFFICE_ATTRIBUTE'],
    [{ RVI_LDAP_URL: 'ldaps://ldap', RVI_LDAP_SEARCH_BASE: 'dc=x', RVI_LDAP_ROLE_MAP: 'a=inspector', RVI_LDAP_TIMEOUT_MS: '5' }, 'RVI_LDAP_TIMEOUT_MS'],
  ] as [Record<string, string>, string][]) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === name, JSON.stringify(env));
  }
});
