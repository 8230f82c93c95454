// A cluster of real processes on loopback, for the cluster test and `npm run bench -- cluster`: a fresh database on
// the Postgres server, s3rver, N API nodes (`rvi serve`, all roles) and HAProxy configured by deploy/haproxy.cfg.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PASSWORD } from './harness.ts';
import { freshPostgres } from './nodes.ts';
import { startTestS3, type TestS3 } from './s3-server.ts';

const BIN = new URL('../bin/rvi.mjs', import.meta.url).pathname;
export const HAPROXY_CFG = new URL('../../../deploy/haproxy.cfg', import.meta.url).pathname;
const SEED_DATA = new URL('../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname;

export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc { child: ChildProcess; out: string; err: string }
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, out: '', err: '' };
  child.stdout!.on('data', (b) => { p.out += b; });
  child.stderr!.on('data', (b) => { p.err += b; });
  return p;
}
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
export async function stop(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await new Promise((r) => p.child.once('exit', r));
}

/** CPU time (user + system) a process has used, in ms (Linux /proc). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

export interface ApiNodeProc { proc: Proc; port: number; base: string }
export interface LoadBalancer { proc: Proc; base: string; statsUrl: string }
export interface Cluster {
  dbUrl: string;
  s3: TestS3;
  nodes: ApiNodeProc[];
  lb: LoadBalancer;
  /** Another HAProxy from the same file, with the given nodes (a file needs two server lines: one node twice). */
  startLb(nodes: ApiNodeProc[]): Promise<LoadBalancer>;
  close(): Promise<void>;
}

async function startNode(url: string, env: Record<string, string>, dirs: string[]): Promise<ApiNodeProc> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rvi-cluster-'));
  dirs.push(dir);
  const proc = run(process.execPath, [BIN, 'serve'], {
    ...process.env, ...env, DATA_DIR: dir, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    RVI_DEMO: '1', RVI_DEMO_PASSWORD: TEST_PASSWORD, RVI_REQUIRE_2FA: '0', RVI_LIVE_READING: '0', RVI_DEMO_HISTORY: '0', RVI_TARGETING_SEED_DATA: SEED_DATA,
    RVI_TRUST_PROXY: 'loopback', RVI_DRAIN_MS: '1500',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`node on ${port}`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`node exited: ${proc.out}\n${proc.err}`);
    return (await fetch(`${base}/api/health`)).status === 200;
  }, 120_000).catch((e) => { throw new Error(`${(e as Error).message}\n${proc.err.slice(-2000)}`); });
  return { proc, port, base };
}

async function startHaproxy(nodes: ApiNodeProc[], dirs: string[]): Promise<LoadBalancer> {
  const [lbPort, statsPort] = [await freePort(), await freePort()];
  // the repo's file as it is, plus a stats listener (per-server answer counts) in a second file
  const extra = join(mkdtempSync(join(tmpdir(), 'rvi-lb-')), 'stats.cfg');
  dirs.push(join(extra, '..'));
  writeFileSync(extra, `listen stats\n    bind 127.0.0.1:${statsPort}\n    stats enable\n    stats uri /stats\n`);
  const proc = run('/usr/sbin/haproxy', ['-db', '-f', HAPROXY_CFG, '-f', extra], {
    ...process.env, RVI_LB_BIND: `127.0.0.1:${lbPort}`, RVI_NODE1: `127.0.0.1:${nodes[0].port}`, RVI_NODE2: `127.0.0.1:${(nodes[1] ?? nodes[0]).port}`,
  });
  const base = `http://127.0.0.1:${lbPort}`;
  await waitFor('haproxy', async () => {
    if (proc.child.exitCode !== null) throw new Error(`haproxy exited ${proc.child.exitCode}: ${proc.out}\n${proc.err}`);
    return (await fetch(`${base}/api/health`)).status === 200;
  }, 30_000).catch((e) => { throw new Error(`${(e as Error).message}\n${proc.out}\n${proc.err}`); });
  return { proc, base, statsUrl: `http://127.0.0.1:${statsPort}/stats;csv` };
}

/** 2xx answers per backend server so far (HAProxy's own counters). */
export async function answersByServer(lb: LoadBalancer): Promise<Record<string, number>> {
  const csv = await (await fetch(lb.statsUrl)).text();
  const [head, ...rows] = csv.replace(/^# /, '').trim().split('\n');
  const cols = head.split(',');
  const out: Record<string, number> = {};
  for (const r of rows) {
    const v = r.split(',');
    if (v[cols.indexOf('pxname')] === 'rvi_api' && !['FRONTEND', 'BACKEND'].includes(v[cols.indexOf('svname')])) out[v[cols.indexOf('svname')]] = Number(v[cols.indexOf('hrsp_2xx')]);
  }
  return out;
}

export async function startCluster(n = 2): Promise<Cluster> {
  const dirs: string[] = [];
  const lbs: LoadBalancer[] = [];
  const db = await freshPostgres('rvi_cluster');
  const s3 = await startTestS3();
  const nodes: ApiNodeProc[] = [];
  try {
    // the first node migrates and seeds; the others find both done
    for (let i = 0; i < n; i++) nodes.push(await startNode(db.url, s3.env('cluster/'), dirs));
    lbs.push(await startHaproxy(nodes, dirs));
  } catch (e) {
    for (const x of nodes) await stop(x.proc);
    await s3.close();
    await db.drop();
    throw e;
  }
  return {
    dbUrl: db.url, s3, nodes, lb: lbs[0],
    async startLb(sel) { const lb = await startHaproxy(sel, dirs); lbs.push(lb); return lb; },
    async close() {
      for (const lb of lbs) await stop(lb.proc);
      for (const x of nodes) await stop(x.proc);
      await s3.close();
      await db.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
