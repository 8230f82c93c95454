// LDAP sign-in (issue 19.1) against a real OpenLDAP slapd started here on a random port, seeded with ldapadd: the
// ordinary login form, search-then-bind with group search, and a direct bind DN with memberOf.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { slapdMissing, startTestLdap, SUFFIX, type TestLdap } from '../../../test/ldap-server.ts';
import { auditLog, organisations, userIdentities, users } from '../../db/schema.ts';
import { loadConfig } from '../../platform/config.ts';
import { authenticateDirectory, escapeDnValue, escapeFilterValue } from './ldap.service.ts';

let t: TestApp;
let dir: TestLdap;
const pw: Record<string, string> = {};
const readerPassword = randomBytes(12).toString('base64url');
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;

function person(uid: string, office: string | null) {
  pw[uid] = randomBytes(12).toString('base64url');
  return `dn: uid=${uid},${PEOPLE}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid} (directory)\nsn: ${uid}\nmail: ${uid}@customs.example\n${office ? `departmentNumber: ${office}\n` : ''}userPassword: ${pw[uid]}\n`;
}
const group = (cn: string, ...members: string[]) =>
  `dn: cn=${cn},${GROUPS}\nobjectClass: groupOfNames\ncn: ${cn}\n${members.map((m) => `member: uid=${m},${PEOPLE}\n`).join('')}`;

const searchMode = () => ({
  RVI_LDAP_URL: dir.url, RVI_LDAP_SEARCH_BASE: PEOPLE, RVI_LDAP_SEARCH_DN: `cn=rvi-reader,ou=service,${SUFFIX}`, RVI_LDAP_SEARCH_PASSWORD: readerPassword,
  RVI_LDAP_GROUP_BASE: GROUPS, RVI_LDAP_ROLE_MAP: `cn=rvi-supervisors,${GROUPS}=supervisor;rvi-inspectors=inspector`,
});
function configure(env: Record<string, string>) {
  t.ctx.config.ldap = loadConfig(env as NodeJS.ProcessEnv).ldap;
}

before(async () => {
  const missing = slapdMissing();
  if (missing) throw new Error(`the LDAP tests need a real slapd: ${missing} (scripts/system-deps.mjs installs them)`);
  dir = await startTestLdap();
  dir.add([
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
    `dn: ou=service,${SUFFIX}\nobjectClass: organizationalUnit\nou: service\n`,
    `dn: cn=rvi-reader,ou=service,${SUFFIX}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: rvi-reader\nuserPassword: ${readerPassword}\n`,
    person('wang.lei', 'CUS-PD'), person('zhou.min', 'CUS-YS'), person('canteen', 'CUS-YS'), person('no.office', null),
    person('inspector1', 'CUS-YS'), person('twin', 'CUS-YS'),
    group('rvi-inspectors', 'wang.lei', 'no.office', 'inspector1'), group('rvi-supervisors', 'zhou.min'), group('rvi-canteen', 'canteen'),
  ].join('\n'));
  t = await startTestApp({ sessionCacheMs: 0 });
  await t.ctx.db.insert(organisations).values({ id: randomUUID(), kind: 'customs_office', name: 'Pudong Customs', code: 'CUS-PD' });
  configure(searchMode());
});
after(async () => {
  await t?.close();
  await dir?.close();
});

let client = 0;
async function login(username: string, password: string) {
  // each call from its own address: the back-off per account and client is tested by auth.routes.test.ts
  const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: `198.51.100.${++client}` });
  const c = r.cookies.find((x) => x.name === 'rvi_session');
  return { status: r.statusCode, body: r.json() as { role: string; org: { code: string }; secondFactor: string; error?: { code: string; message: string } }, cookie: c ? `rvi_session=${c.value}` : null };
}
const auditOf = async (action: string) => t.ctx.db.select().from(auditLog).where(eq(auditLog.action, action));

test('LDAP: a directory user signs in through the ordinary login form; GET /api/auth/me answers the mapped role and office', async () => {
  assert.deepEqual((await t.app.inject({ url: '/api/auth/sso' })).json(), { oidc: null, ldap: true });
  const r = await login('Wang.Lei', pw['wang.lei']);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie: r.cookie! } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().role, 'inspector');
  assert.equal(me.json().org.code, 'CUS-PD');
  assert.equal(me.json().username, 'wang.lei');
  assert.equal(me.json().displayName, 'wang.lei (directory)');
  const [link] = await t.ctx.db.select().from(userIdentities).innerJoin(users, eq(users.id, userIdentities.userId)).where(eq(users.username, 'wang.lei'));
  assert.equal(link.user_identities.provider, 'ldap');
  assert.match(link.user_identities.subject, /^uuid:[0-9a-f-]{36}$/, 'matched by the entry\'s entryUUID (stable across renames)');
  const logins = (await auditOf('auth.logged_in')).filter((a) => a.targetId === link.users.id);
  assert.equal((logins[0].summary as { method: string }).method, 'ldap');
  // the second sign-in finds the same account
  assert.equal((await login('wang.lei', pw['wang.lei'])).status, 200);
  assert.equal((await t.ctx.db.select().from(users).where(eq(users.username, 'wang.lei'))).length, 1);
});

test('LDAP: a wrong password and an unknown name give the same 401; filter and DN injection find nobody; an empty password never binds', async () => {
  const wrong = await login('zhou.min', 'not-the-password');
  const unknown = await login('nobody.here', 'whatever');
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.equal(wrong.body.error!.message, unknown.body.error!.message);
  for (const evil of ['*', 'zhou.min)(uid=*', 'zhou*', '*)(|(objectClass=*']) assert.equal((await login(evil, pw['zhou.min'])).status, 401, evil);
  const failed = (await auditOf('auth.login_failed')).filter((a) => (a.summary as { method?: string }).method === 'ldap');
  assert.ok(failed.some((a) => (a.summary as { reason: string }).reason === 'invalid_credentials'));
  assert.equal(await authenticateDirectory(t.ctx.config.ldap!, 'zhou.min', ''), null, 'an unauthenticated bind is not a sign-in');
  assert.equal(escapeFilterValue('a*b(c)\\'), 'a\\2ab\\28c\\29\\5c');
  assert.equal(escapeDnValue('a,b=c+d'), 'a\\,b\\=c\\+d');
});

test('LDAP: group changes are re-applied at the next sign-in; no mapped group is refused with a clear message', async () => {
  const canteen = await login('canteen', pw.canteen);
  assert.equal(canteen.status, 403);
  assert.equal(canteen.body.error!.code, 'sso_role_unmapped');
  assert.match(canteen.body.error!.message, /no role in customs-rvi/);
  assert.equal((await t.ctx.db.select().from(users).where(eq(users.username, 'canteen'))).length, 0, 'no account is made');
  assert.equal((await login('no.office', pw['no.office'])).body.error!.code, 'sso_office_missing');

  assert.equal((await login('zhou.min', pw['zhou.min'])).body.role, 'supervisor');
  // moved from the supervisors to the inspectors by the directory's administrator
  dir.modify(`dn: cn=rvi-supervisors,${GROUPS}\nchangetype: modify\nreplace: member\nmember: uid=twin,${PEOPLE}\n\ndn: cn=rvi-inspectors,${GROUPS}\nchangetype: modify\nadd: member\nmember: uid=zhou.min,${PEOPLE}\n`);
  const moved = await login('zhou.min', pw['zhou.min']);
  assert.equal(moved.body.role, 'inspector');
  const [u] = await t.ctx.db.select().from(users).where(eq(users.username, 'zhou.min'));
  const updated = (await auditOf('auth.sso_user_updated')).filter((a) => a.targetId === u.id);
  assert.equal((updated[0].summary as { changes: { role: { from: string; to: string } } }).changes.role.to, 'inspector');
  // out of every mapped group: refused, and the account keeps no session
  dir.modify(`dn: cn=rvi-inspectors,${GROUPS}\nchangetype: modify\ndelete: member\nmember: uid=zhou.min,${PEOPLE}\n`);
  assert.equal((await login('zhou.min', pw['zhou.min'])).body.error!.code, 'sso_role_unmapped');
});

test('LDAP: a direct bind DN template with the memberOf attribute', async () => {
  configure({ RVI_LDAP_URL: dir.url, RVI_LDAP_BIND_DN: `uid={username},${PEOPLE}`, RVI_LDAP_ROLE_MAP: 'rvi-supervisors=supervisor;rvi-inspectors=inspector' });
  try {
    const r = await login('twin', pw.twin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.role, 'supervisor', 'memberOf (kept by the overlay) → cn → role');
    assert.equal((await login('twin', 'wrong')).status, 401);
    assert.equal((await login('uid=twin,ou=people', pw.twin)).status, 401, 'the username is escaped into the DN');
  } finally { configure(searchMode()); }
});

test('LDAP: local accounts keep their local passwords (break-glass administrator), even with the directory down; directory users then get 503', async () => {
  const r = await login('inspector1', TEST_PASSWORD);
  assert.equal(r.status, 200, 'a local account not linked to the directory: its local password');
  assert.equal((await login('inspector1', pw.inspector1)).status, 401, 'the directory\'s password does not open a local account of the same name');
  configure({ ...searchMode(), RVI_LDAP_URL: 'ldap://127.0.0.1:9', RVI_LDAP_TIMEOUT_MS: '1000' });
  try {
    assert.equal((await login('admin', TEST_PASSWORD)).status, 200, 'break-glass');
    const down = await login('wang.lei', pw['wang.lei']);
    assert.equal(down.status, 503);
    assert.equal(down.body.error!.code, 'directory_unavailable');
  } finally { configure(searchMode()); }
  const linked = await t.ctx.db.select().from(userIdentities).innerJoin(users, eq(users.id, userIdentities.userId)).where(and(eq(users.username, 'inspector1')));
  assert.equal(linked.length, 0);
});

test('LDAP: the second-factor rules apply to directory sign-ins', async () => {
  t.ctx.config.requireSecondFactor = true;
  try {
    dir.modify(`dn: cn=rvi-supervisors,${GROUPS}\nchangetype: modify\nadd: member\nmember: uid=wang.lei,${PEOPLE}\n`);
    const r = await login('wang.lei', pw['wang.lei']);
    assert.equal(r.status, 200);
    assert.equal(r.body.role, 'supervisor');
    assert.equal(r.body.secondFactor, 'enrol');
    assert.equal((await t.app.inject({ url: '/api/declarations', headers: { cookie: r.cookie! } })).statusCode, 403);
  } finally { t.ctx.config.requireSecondFactor = false; }
});
