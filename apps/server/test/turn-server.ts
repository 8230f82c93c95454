// A real coturn (Debian's `coturn` package) for tests: TURN over UDP and TCP on one port, the REST API shared secret
// (`use-auth-secret`), relaying from the machine's own address (relaying from 127.0.0.1 drops the media node's
// replies, and coturn refuses loopback peers anyway). Started per test file, stopped with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface TestTurn {
  ip: string;
  port: number;
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

export async function startTestTurn(): Promise<TestTurn> {
  const ip = machineIpv4();
  const port = await freePort();
  const secret = randomBytes(24).toString('hex');
  const relayFrom = 40000 + Math.floor(Math.random() * 20000);
  const log: string[] = [];
  const proc: ChildProcess = spawn('turnserver', [
    '-n', '-v', '--log-file=stdout', '--simple-log', '--no-cli', '--no-tls', '--no-dtls', '--fingerprint',
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
    ip, port, secret, log,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
