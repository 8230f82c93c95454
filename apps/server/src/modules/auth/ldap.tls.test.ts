// LDAP over TLS (issue 19.1): a real slapd that refuses anything without TLS (`security tls=1`), with a certificate
// from a throwaway CA. Sign-in works with StartTLS on ldap:// and with ldaps://, both verifying the certificate
// against RVI_LDAP_CA_FILE; without that CA the directory is not trusted and gets no password; a plain connection is
// refused by this server, and a plain URL to another machine is refused by the configuration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { slapdMissing, startTestLdap, SUFFIX, type TestLdap } from '../../../test/ldap-server.ts';
import { loadConfig, type LdapConfig } from '../../platform/config.ts';
import { authenticateDirectory } from './ldap.service.ts';

let dir: TestLdap;
const password = randomBytes(12).toString('base64url');
const PEOPLE = `ou=people,${SUFFIX}`;

before(async () => {
  const missing = slapdMissing();
  if (missing) throw new Error(`the LDAP tests need a real slapd: ${missing} (scripts/system-deps.mjs installs them)`);
  dir = await startTestLdap({ tls: true });
  dir.add([
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: uid=li.na,${PEOPLE}\nobjectClass: inetOrgPerson\nuid: li.na\ncn: Li Na\nsn: Li\ndepartmentNumber: CUS-YS\nuserPassword: ${password}\n`,
  ].join('\n'));
});
after(async () => dir?.close());

const config = (env: Record<string, string>): LdapConfig => loadConfig({
  RVI_LDAP_BIND_DN: `uid={username},${PEOPLE}`, RVI_LDAP_ROLE_MAP: 'rvi-inspectors=inspector', ...env,
} as NodeJS.ProcessEnv).ldap!;

test('StartTLS and ldaps:// with the directory\'s CA: the person is checked over TLS', async () => {
  const envs: Record<string, string>[] = [{ RVI_LDAP_URL: dir.url, RVI_LDAP_STARTTLS: '1', RVI_LDAP_CA_FILE: dir.caFile! }, { RVI_LDAP_URL: dir.ldapsUrl!, RVI_LDAP_CA_FILE: dir.caFile! }];
  for (const env of envs) {
    const who = await authenticateDirectory(config(env), 'li.na', password);
    assert.equal(who?.displayName, 'Li Na', JSON.stringify(env));
    assert.equal(who?.officeValue, 'CUS-YS');
    assert.equal(await authenticateDirectory(config(env), 'li.na', 'wrong'), null, 'a wrong password is still a wrong password');
  }
});

test('no trust, no password: an unverified certificate or a plain connection ends in 503 directory_unavailable', async () => {
  // the same server without its CA: Node's own trust store does not know it
  const envs: Record<string, string>[] = [{ RVI_LDAP_URL: dir.url, RVI_LDAP_STARTTLS: '1' }, { RVI_LDAP_URL: dir.ldapsUrl! }];
  for (const env of envs) {
    await assert.rejects(authenticateDirectory(config(env), 'li.na', password),
      (e: Error & { code?: string; status?: number }) => {
        assert.equal(e.code, 'directory_unavailable', `${JSON.stringify(env)}: ${e.message}`);
        assert.match(e.message, /certificate/i, JSON.stringify(env));
        return true;
      });
  }
  // plain LDAP: this directory requires TLS (a client that did get in above used it)
  await assert.rejects(authenticateDirectory(config({ RVI_LDAP_URL: dir.url }), 'li.na', password),
    (e: Error & { code?: string }) => e.code === 'directory_unavailable' && /confidentiality|TLS/i.test(e.message));
});

test('configuration: passwords never in clear to another machine; StartTLS only on ldap://; the CA file must exist', () => {
  assert.throws(() => config({ RVI_LDAP_URL: 'ldap://directory.customs.example' }), /RVI_LDAP_URL.*in clear.*RVI_LDAP_STARTTLS/);
  assert.equal(config({ RVI_LDAP_URL: 'ldap://directory.customs.example', RVI_LDAP_STARTTLS: 'yes' }).startTls, true);
  assert.equal(config({ RVI_LDAP_URL: 'ldaps://directory.customs.example' }).startTls, false);
  assert.throws(() => config({ RVI_LDAP_URL: 'ldaps://directory.customs.example', RVI_LDAP_STARTTLS: '1' }), /RVI_LDAP_STARTTLS.*ldap:\/\//);
  assert.throws(() => config({ RVI_LDAP_URL: 'ldaps://directory.customs.example', RVI_LDAP_CA_FILE: '/nonexistent/ca.pem' }), /RVI_LDAP_CA_FILE.*does not exist/);
});
