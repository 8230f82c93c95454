// npm run bench -- media
// 1. Browser (Chromium, loopback, through the werift MediaNode with recording on):
//    ttff: viewer join → first presented frame (requestVideoFrameCallback), 12 joins on a live 720p publisher;
//    g2g: the publisher streams a 1280x720 canvas drawing Date.now() as 40 black/white blocks (+ inverted check row);
//         the viewer decodes each presented frame's code and subtracts it from Date.now() (same clock).
// 2. Load (no browser): werift publishers replay a pre-encoded 1280x720 30 fps VP8 (~1.5 Mbit/s) + Opus stream, a
//    werift viewer per session; the MediaNode runs in its own process, relaying and recording; its CPU is measured
//    from process.cpuUsage() over a steady window. Sessions step up until a recording shows a gap or the node
//    falls behind. The load generator shares the same 2 cores, so figures are conservative.
// Last line: media: ttff_p50_ms=… ttff_p95_ms=… g2g_p50_ms=… g2g_p95_ms=… cpu_pct_per_stream_720p=… max_sessions_2cores=…
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureRtp } from '../../packages/media/src/testing/rtp-source.ts';
import { launchChromium, startHarness } from '../../packages/media/src/testing/harness.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const quick = process.argv.includes('--quick');

async function browserPart(dir: string): Promise<{ ttff: number[]; g2g: number[]; rejected: number; pubStats: unknown }> {
  const h = await startHarness({ recording: { dir } });
  const browser = await launchChromium();
  try {
    const pub = await (await browser.newContext()).newPage();
    await pub.goto(h.url);
    await pub.evaluate(async (ws) => {
      const r = (window as any).rvi;
      const p = new r.PublisherClient({ transport: r.createWebSocketTransport(ws), sessionId: 'bench', stream: r.timeCanvasStream(1280, 720, 30), degradationPreference: 'maintain-resolution' });
      p.on('quality', (q: unknown) => ((window as any).q = q));
      await p.start();
      await new Promise<void>((res) => p.on('state', (s: any) => s.state === 'connected' && res()));
    }, h.wsUrl);
    await sleep(2000); // let the encoder ramp up

    const viewer = await (await browser.newContext()).newPage();
    await viewer.goto(h.url);
    // ttff: fresh ViewerClient + video element per join
    const ttff: number[] = [];
    const joins = quick ? 5 : 12;
    for (let i = 0; i < joins; i++) {
      const ms = await viewer.evaluate(async (ws) => {
        const r = (window as any).rvi;
        const video = document.createElement('video');
        video.muted = true;
        document.body.append(video);
        const t0 = performance.now();
        const v = new r.ViewerClient({ transport: r.createWebSocketTransport(ws), sessionId: 'bench', videoElement: video, statsIntervalMs: 0 });
        v.start();
        const ms = await Promise.race([r.firstFrameAfter(video, t0), new Promise((res) => setTimeout(() => res(-1), 10_000))]);
        v.stop();
        video.remove();
        return ms as number;
      }, h.wsUrl);
      if (ms >= 0) ttff.push(Math.round(ms));
      await sleep(400);
    }
    // g2g
    const res = await viewer.evaluate(async ([ws, secs]) => {
      const r = (window as any).rvi;
      const video = document.getElementById('v') as HTMLVideoElement;
      const v = new r.ViewerClient({ transport: r.createWebSocketTransport(ws), sessionId: 'bench', videoElement: video, statsIntervalMs: 0 });
      v.start();
      await r.firstFrameAfter(video, performance.now());
      await new Promise((res) => setTimeout(res, 1000));
      const codes = r.readTimeCodes(video);
      await new Promise((res) => setTimeout(res, (secs as number) * 1000));
      v.stop();
      return { latencies: codes.latencies as number[], rejected: codes.rejected as number };
    }, [h.wsUrl, quick ? 4 : 10] as const);
    const pubStats = await pub.evaluate(() => (window as any).q);
    await h.node.closeSession('bench');
    return { ttff, g2g: res.latencies, rejected: res.rejected, pubStats };
  } finally {
    await browser.close();
    await h.close();
  }
}

function child(file: string, args: string[]): { proc: ChildProcess; ask: (m: unknown) => Promise<any>; ready: Promise<any> } {
  const proc = fork(join(here, file), args, { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: ((m: any) => void)[] = [];
  proc.on('message', (m) => waiters.shift()?.(m));
  const ready = new Promise((r) => waiters.push(r));
  return { proc, ready, ask: (m) => new Promise((r) => { waiters.push(r); proc.send(m as never); }) };
}

interface Step { n: number; eldMaxMs: number; cpuPct: number; perStream: number; maxGapMs: number; segments: number; recordedMs: number; expectedMs: number; relayedPct: number; loadCpuPct: number }

async function loadPart(dir: string): Promise<Step[]> {
  console.log('# capturing 12 s of 1280x720 VP8 ~1.5 Mbit/s + Opus from ffmpeg…');
  const capture = await captureRtp({ width: 1280, height: 720, fps: 30, videoKbps: 1500, gop: 60, seconds: 12, realtime: true });
  {
    const ts = capture.video.map((x) => x.buf.readUInt32BE(4));
    const mediaS = ((ts[ts.length - 1] - ts[0]) >>> 0) / 90000;
    const kbps = (capture.video.reduce((a, x) => a + x.buf.length, 0) * 8) / mediaS / 1000;
    console.log(`# replayed stream: 1280x720 VP8 ${Math.round(kbps)} kbit/s (RTP), ${new Set(ts).size} frames in ${mediaS.toFixed(1)} s, + Opus 32 kbit/s`);
  }
  const server = child('server.ts', [dir]);
  const url = (await server.ready).ready as string;
  const load = child('load.ts', []);
  await load.ready;
  await load.ask({ cmd: 'capture', capture });
  const steps: Step[] = [];
  // idle baseline of the node process (timers, sockets, no sessions)
  {
    const c0 = await server.ask({ cmd: 'cpu' });
    await sleep(quick ? 3000 : 6000);
    const c1 = await server.ask({ cmd: 'cpu' });
    const idle = (100 * ((c1.cpu.user - c0.cpu.user) + (c1.cpu.system - c0.cpu.system)) / 1000) / (c1.at - c0.at);
    console.log(`# idle node cpu ${idle.toFixed(1)}%`);
  }
  const plan = quick ? [1, 2] : [1, 2, 4, 6, 8, 10, 12];
  let k = 0;
  try {
    for (const n of plan) {
      const ids = Array.from({ length: n }, () => `load-${k++}`);
      await load.ask({ cmd: 'start', url, ids });
      await sleep(4000); // first keyframe (every 2 s), segments open, steady state
      const c0 = await server.ask({ cmd: 'cpu' });
      const l0 = await load.ask({ cmd: 'stats' });
      const windowMs = quick ? 6000 : 12_000;
      await sleep(windowMs);
      const c1 = await server.ask({ cmd: 'cpu' });
      const l1 = await load.ask({ cmd: 'stats' });
      const wall = c1.at - c0.at;
      const cpuPct = (100 * ((c1.cpu.user - c0.cpu.user) + (c1.cpu.system - c0.cpu.system)) / 1000) / wall;
      const loadCpuPct = (100 * ((l1.cpu.user - l0.cpu.user) + (l1.cpu.system - l0.cpu.system)) / 1000) / wall;
      const sentVideo = c1.rooms.filter((r: any) => ids.includes(r.sessionId)).reduce((a: number, r: any) => a + r.stats.videoPackets, 0)
        - c0.rooms.filter((r: any) => ids.includes(r.sessionId)).reduce((a: number, r: any) => a + r.stats.videoPackets, 0);
      const got = (l1.received as number[]).reduce((a, b) => a + b, 0) - (l0.received as number[]).reduce((a, b) => a + b, 0);
      const startedAt = performance.now();
      await load.ask({ cmd: 'stop' });
      const closed = (await server.ask({ cmd: 'close', sessions: ids })).closed as { segments: number; durationMs: number; maxGapMs: number; ok: boolean }[];
      void startedAt;
      const step: Step = {
        n, eldMaxMs: Math.round(c1.eldMaxMs), cpuPct: Math.round(cpuPct * 10) / 10, perStream: Math.round((cpuPct / n) * 10) / 10,
        maxGapMs: Math.max(...closed.map((c) => c.maxGapMs)), segments: closed.reduce((a, c) => a + c.segments, 0),
        recordedMs: Math.round(closed.reduce((a, c) => a + c.durationMs, 0) / n), expectedMs: 4000 + windowMs,
        relayedPct: sentVideo ? Math.round((1000 * got) / sentVideo) / 10 : 0, loadCpuPct: Math.round(loadCpuPct),
      };
      steps.push(step);
      console.log(`# ${n} sessions: node cpu ${step.cpuPct}% (${step.perStream}%/stream), load-gen cpu ${step.loadCpuPct}%, segments ${step.segments}, max frame gap ${step.maxGapMs} ms, recorded ≈${step.recordedMs} ms/session, viewers got ${step.relayedPct}% of video packets, node event-loop delay max ${step.eldMaxMs} ms`);
      if (step.maxGapMs > 1000 || step.segments > n || step.relayedPct < 97 || step.cpuPct > 100 * cpus().length * 0.9) break;
    }
  } finally {
    await load.ask({ cmd: 'stop' }).catch(() => {});
    load.proc.kill();
    server.proc.send({ cmd: 'exit' });
    await new Promise((r) => server.proc.once('exit', r));
  }
  return steps;
}

const dir = mkdtempSync(join(tmpdir(), 'rvi-bench-media-'));
try {
  const b = await browserPart(join(dir, 'browser'));
  console.log(`# ttff ms (${b.ttff.length} joins): ${b.ttff.join(' ')}`);
  console.log(`# g2g: ${b.g2g.length} frames read, ${b.rejected} rejected; publisher: ${JSON.stringify(b.pubStats)}`);
  const steps = await loadPart(join(dir, 'load'));
  const ok = steps.filter((s) => s.maxGapMs <= 1000 && s.segments <= s.n && s.relayedPct >= 97);
  const maxSessions = ok.length ? Math.max(...ok.map((s) => s.n)) : 0;
  // per-stream cost: node CPU / sessions at the largest step that held (fixed overhead included, so conservative);
  // the least-squares slope (marginal cost of one more stream) is printed alongside
  let slope = NaN;
  if (ok.length >= 2) {
    const mx = ok.reduce((a, s) => a + s.n, 0) / ok.length;
    const my = ok.reduce((a, s) => a + s.cpuPct, 0) / ok.length;
    slope = ok.reduce((a, s) => a + (s.n - mx) * (s.cpuPct - my), 0) / ok.reduce((a, s) => a + (s.n - mx) ** 2, 0);
  }
  const last = ok[ok.length - 1];
  const perStream = last ? last.perStream : NaN;
  console.log(`# per-stream cpu: ${perStream}% = node cpu / sessions at ${last?.n} sessions; marginal slope ${slope.toFixed(1)}% per session over ${ok.map((s) => s.n).join(',')}`);
  console.log(`media: ttff_p50_ms=${pct(b.ttff, 50)} ttff_p95_ms=${pct(b.ttff, 95)} g2g_p50_ms=${pct(b.g2g, 50)} g2g_p95_ms=${pct(b.g2g, 95)} cpu_pct_per_stream_720p=${perStream} max_sessions_2cores=${maxSessions}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
