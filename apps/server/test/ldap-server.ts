// A real LDAP server for tests: OpenLDAP's slapd (Debian package `slapd`, with `ldap-utils` for ldapadd) on a random
// loopback port, with a temporary slapd.conf and database, seeded with ldapadd. Passwords are generated per run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SLAPD = '/usr/sbin/slapd';
export const SUFFIX = 'dc=customs,dc=example';

export interface TestLdap {
  url: string;
  /** with `tls`: the ldaps:// address, the CA's PEM file that signed the server's certificate (for 127.0.0.1) */
  ldapsUrl?: string;
  caFile?: string;
  rootDn: string;
  rootPassword: string;
  /** Adds entries (LDIF) with ldapadd as the directory's manager. */
  add(ldif: string): void;
  /** Runs ldapmodify as the manager. */
  modify(ldif: string): void;
  close(): Promise<void>;
}

/** Why slapd cannot run here, or null when it can (the LDAP tests are skipped with this reason). */
export function slapdMissing(): string | null {
  if (!existsSync(SLAPD)) return `${SLAPD} not found: install the Debian packages slapd and ldap-utils`;
  if (spawnSync('ldapadd', ['-VV']).error) return 'ldapadd not found: install the Debian package ldap-utils';
  return null;
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost signed by it (openssl). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rvi test directory CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.pem')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/**
 * `tls`: the server also listens on ldaps://, offers StartTLS on ldap://, and refuses any bind or search without TLS
 * (`security tls=1`), so a client that talks to it at all has used TLS and verified its certificate.
 */
export async function startTestLdap(opts: { tls?: boolean } = {}): Promise<TestLdap> {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-slapd-'));
  mkdirSync(join(dir, 'db'));
  const certs = opts.tls ? makeCertificates(dir) : null;
  const rootDn = `cn=manager,${SUFFIX}`;
  const rootPassword = randomBytes(18).toString('base64url');
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    `pidfile ${join(dir, 'slapd.pid')}`,
    ...(certs ? [`TLSCACertificateFile ${certs.ca}`, `TLSCertificateFile ${certs.cert}`, `TLSCertificateKeyFile ${certs.key}`] : []),
    'database mdb',
    'maxsize 16777216',
    `suffix "${SUFFIX}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${join(dir, 'db')}`,
    // memberOf on each person, kept by the server from the groups' member values (as Active Directory does)
    'overlay memberof',
    'memberof-group-oc groupOfNames',
    'memberof-member-ad member',
    'memberof-memberof-ad memberOf',
    // people bind with their own password; nobody reads passwords; the rest is readable by signed-in entries
    'access to attrs=userPassword by self =xw by anonymous auth by * none',
    'access to * by users read by anonymous auth',
    ...(certs ? ['security tls=1'] : []),
    '',
  ].join('\n'));
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = certs ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  // -d 0: stay in the foreground (the test owns the process), log nothing
  const proc: ChildProcess = spawn(SLAPD, ['-d', '0', '-h', [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' '), '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  // the OpenLDAP tools: StartTLS (-ZZ, required) against our CA when the server wants TLS
  const toolEnv = certs ? { ...process.env, LDAPTLS_CACERT: certs.ca } : process.env;
  const tls = certs ? ['-ZZ'] : [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ldap = (cmd: string, ldif: string) => {
    const r = spawnSync(cmd, ['-x', ...tls, '-H', url, '-D', rootDn, '-w', rootPassword], { input: ldif, encoding: 'utf8', env: toolEnv });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  };
  // ready when it answers a search (slapd opens its port after loading the database)
  const until = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`slapd exited (${proc.exitCode}): ${stderr}`);
    const r = spawnSync('ldapsearch', ['-x', ...tls, '-H', url, '-D', rootDn, '-w', rootPassword, '-b', '', '-s', 'base', '(objectClass=*)'], { encoding: 'utf8', env: toolEnv });
    if (r.status === 0) break;
    if (Date.now() > until) throw new Error(`slapd did not answer within 15 s: ${stderr}${r.stderr}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  ldap('ldapadd', `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: customs\no: Customs\n`);
  return {
    url, ldapsUrl, caFile: certs?.ca, rootDn, rootPassword,
    add: (ldif) => ldap('ldapadd', ldif),
    modify: (ldif) => ldap('ldapmodify', ldif),
    async close() {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
