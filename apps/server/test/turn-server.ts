// A real coturn (Debian's `coturn` package) for tests: TURN over UDP and TCP on one port (and over TLS on another with
// `tls`), the REST API shared secret (`use-auth-secret`), relaying from the machine's own address (relaying from 127.0.0.1 drops the media node's
// replies, and coturn refuses loopback peers anyway). Started per test file, stopped with it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';

export interface TestTurn {
  ip: string;
  port: number;
  /** with `tls`: TURN over TLS on this port (a throwaway certificate for the machine's address) */
  tlsPort?: number;
  secret: string;
  log: string[];
  stop(): Promise<void>;
}

/** The first non-internal IPv4 address of this machine (where the relay listens and sends from). */
export function machineIpv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address: TURN tests need one');
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '0.0.0.0', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
});

/** A self-signed certificate for `ip` (openssl), for coturn's TLS listener. */
function selfSigned(ip: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-turn-tls-'));
  const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ip}`, '-addext', `subjectAltName=IP:${ip}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { cert, key };
}

export async function startTestTurn(opts: { tls?: boolean } = {}): Promise<TestTurn> {
  const ip = machineIpv4();
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  const tls = opts.tls ? selfSigned(ip) : null;
  const secret = randomBytes(24).toString('hex');
  const relayFrom = 40000 + Math.floor(Math.random() * 20000);
  const log: string[] = [];
  const proc: ChildProcess = spawn('turnserver', [
    '-n', '-v', '--log-file=stdout', '--simple-log', '--no-cli', '--no-dtls', '--fingerprint',
    ...(tls ? [`--tls-listening-port=${tlsPort}`, `--cert=${tls.cert}`, `--pkey=${tls.key}`] : ['--no-tls']),
    `--listening-ip=${ip}`, `--relay-ip=${ip}`, `--listening-port=${port}`, `--min-port=${relayFrom}`, `--max-port=${relayFrom + 200}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=rvi.test', '--pidfile=/dev/null',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => log.push(String(d)));
  proc.stderr!.on('data', (d) => log.push(String(d)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // ready when it accepts TCP on the listening port
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, ip, () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) break;
    if (proc.exitCode !== null || i > 100) throw new Error(`coturn did not start: ${log.join('').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ip, port, tlsPort, secret, log,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
