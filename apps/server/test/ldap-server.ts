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

export async function startTestLdap(): Promise<TestLdap> {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-slapd-'));
  mkdirSync(join(dir, 'db'));
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
    '',
  ].join('\n'));
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d 0: stay in the foreground (the test owns the process), log nothing
  const proc: ChildProcess = spawn(SLAPD, ['-d', '0', '-h', `${url}/`, '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ldap = (cmd: string, ldif: string) => {
    const r = spawnSync(cmd, ['-x', '-H', url, '-D', rootDn, '-w', rootPassword], { input: ldif, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  };
  // ready when it answers a search (slapd opens its port after loading the database)
  const until = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`slapd exited (${proc.exitCode}): ${stderr}`);
    const r = spawnSync('ldapsearch', ['-x', '-H', url, '-D', rootDn, '-w', rootPassword, '-b', '', '-s', 'base', '(objectClass=*)'], { encoding: 'utf8' });
    if (r.status === 0) break;
    if (Date.now() > until) throw new Error(`slapd did not answer within 15 s: ${stderr}${r.stderr}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  ldap('ldapadd', `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: customs\no: Customs\n`);
  return {
    url, rootDn, rootPassword,
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
