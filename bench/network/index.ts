// npm run bench -- network [--quick]
// The live session (camera page → media node → inspector console, real server on PGlite, real Chromium with a 1280×720
// fake camera) through the impairment profiles of issue 16, the device's media path through the userspace impaired
// link (packages/media/src/impair/link.ts) and its HTTP through Chromium's network emulation at the same rate/delay:
//   good (20 Mbit/s, 20 ms, 0 %), fair (2 Mbit/s, 60 ms, 1 %), weak (300 kbit/s, 150 ms, 3 %), vweak (150 kbit/s,
//   300 ms, 5 %), cut (10 s without packets, from a clear link).
// Per profile: a warm-up (the ladder and the browser's estimate settle), then a steady window sampled every second
// from the console's getStats (inbound-rtp): fps and frame height are medians over the window; freezes from
// totalFreezesDuration, audio concealment from concealedSamples / totalSamplesReceived over the window.
// weak_still_s: on the weak link the inspector requests a snapshot; seconds until the full-resolution still is stored.
// vweak_mode: the device's rung at the end of the very weak window. cut_recover_s: link back → frames decoded again.
// turn_tcp: a second session whose device browser may not use direct UDP, with a real coturn: 1 when it streams
// through TURN over TCP. Lines per profile say what the link achieved (delivered kbit/s, loss, the device's RTT).
// Last line: network: good_fps=… good_height=… fair_fps=… fair_height=… weak_fps=… weak_height=… weak_freeze_s_per_min=…
//   weak_audio_concealed_pct=… weak_still_s=… vweak_mode=… cut_recover_s=… turn_tcp=0|1 load=…
import { loadavg } from 'node:os';
import { eq } from 'drizzle-orm';
import { PROFILES, CLEAR, type LinkProfile } from '../../packages/media/src/impair/link.ts';
import { sessionEvents } from '../../apps/server/src/db/schema.ts';
import { sleep, startNetworkSession, until, type NetworkSession, type Received } from '../../apps/server/test/network-session.ts';
import { startTestTurn } from '../../apps/server/test/turn-server.ts';

const quick = process.argv.includes('--quick');
const WARMUP_S = quick ? 8 : 15;
const WINDOW_S = quick ? 8 : 20;
const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const loads: number[] = [];
const noteLoad = () => loads.push(loadavg()[0]);

interface ProfileResult { fps: number; height: number; freezeSPerMin: number; concealedPct: number; rung: string | null; rungs: string[] }

async function runProfile(n: NetworkSession, p: LinkProfile, during?: () => Promise<void>): Promise<ProfileResult> {
  await n.impair(p);
  await sleep(WARMUP_S * 1000);
  noteLoad();
  const up0 = { ...n.link.up.c };
  const first = await n.received();
  const samples: Received[] = [];
  const rungs: string[] = [];
  const rtts: number[] = [];
  const duringP = during?.();
  for (let i = 0; i < WINDOW_S; i++) {
    await sleep(1000);
    samples.push(await n.received());
    rungs.push((await n.deviceRung()) ?? '?');
    const rtt = Number(await n.device.evaluate(() => document.body.dataset.rttMs ?? '').catch(() => ''));
    if (rtt) rtts.push(rtt);
  }
  await duringP;
  noteLoad();
  const last = samples[samples.length - 1];
  const minutes = (last.at - first.at) / 60_000;
  // frames actually decoded per second (framesPerSecond is undefined while no video arrives: the stills rung)
  const fpsSeries = samples.map((s, i) => (s.framesDecoded - (i ? samples[i - 1] : first).framesDecoded) / ((s.at - (i ? samples[i - 1] : first).at) / 1000));
  const r: ProfileResult = {
    fps: Math.round(median(fpsSeries) * 10) / 10,
    height: median(samples.map((s, i) => (s.framesDecoded > (i ? samples[i - 1] : first).framesDecoded ? s.height ?? NaN : 0))),
    freezeSPerMin: Math.round(((last.totalFreezesDuration - first.totalFreezesDuration) / minutes) * 10) / 10,
    concealedPct: last.totalSamplesReceived > first.totalSamplesReceived
      ? Math.round((1000 * (last.concealedSamples - first.concealedSamples)) / (last.totalSamplesReceived - first.totalSamplesReceived)) / 10 : NaN,
    rung: rungs[rungs.length - 1] ?? null,
    rungs: [...new Set(rungs)],
  };
  const up = n.link.up.c;
  const kbps = Math.round(((up.deliveredBytes - up0.deliveredBytes) * 8) / ((last.at - first.at)));
  const lossPct = up.packets > up0.packets ? Math.round((1000 * (up.lost - up0.lost)) / (up.packets - up0.packets)) / 10 : 0;
  const overflowPct = up.packets > up0.packets ? Math.round((1000 * (up.overflow - up0.overflow)) / (up.packets - up0.packets)) / 10 : 0;
  console.log(`profile ${p.name}: asked ${p.rateKbps || '∞'} kbit/s ${p.rttMs} ms ±${p.jitterMs} ${p.lossPct} %; achieved up ${kbps} kbit/s delivered, random loss ${lossPct} %, queue drops ${overflowPct} %`
    + `${rtts.length ? `, device RTT ${median(rtts)} ms` : ''}; received fps ${r.fps} height ${r.height}, freezes ${r.freezeSPerMin} s/min, audio concealed ${r.concealedPct} %, rungs ${r.rungs.join('→')}`);
  return r;
}

async function main(): Promise<void> {
  const started = Date.now();
  const n = await startNetworkSession({ width: 1280, height: 720 });
  let weakStillS = NaN;
  let cutRecoverS = NaN;
  let good: ProfileResult; let fair: ProfileResult; let weak: ProfileResult; let vweak: ProfileResult;
  try {
    await until(async () => (await n.received()).framesDecoded > 30, 'first frames', 60_000);
    good = await runProfile(n, PROFILES.good);
    fair = await runProfile(n, PROFILES.fair);
    weak = await runProfile(n, PROFILES.weak, async () => {
      // a snapshot requested on the weak link: request → the full-resolution still stored
      await sleep(2000);
      const before = (await n.t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, n.sessionId))).filter((e) => e.kind === 'snapshot.stored').length;
      const t0 = Date.now();
      await n.inspector.getByTestId('request-snapshot').click();
      await until(async () => (await n.t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, n.sessionId)))
        .filter((e) => e.kind === 'snapshot.stored').length > before, 'the requested still on the weak link', 60_000).then(() => { weakStillS = (Date.now() - t0) / 1000; }, () => undefined);
    });
    vweak = await runProfile(n, PROFILES.vweak);
    // the cut, from a clear link once the ladder is back up
    await n.impair(CLEAR);
    await until(async () => ['720p30', '540p30', '360p30'].includes((await n.deviceRung()) ?? ''), 'the ladder back on a video rung', 90_000).catch(() => undefined);
    await sleep(5000);
    const framesBefore = (await n.received()).framesDecoded;
    await n.cutNetwork(true);
    await sleep(10_000);
    await n.cutNetwork(false);
    const back = Date.now();
    await until(async () => {
      const r = await n.received();
      return r.framesDecoded > framesBefore + 3 || (r.framesDecoded > 3 && r.framesDecoded < framesBefore);
    }, 'frames after the cut', 60_000).then(() => { cutRecoverS = (Date.now() - back) / 1000; }, () => undefined);
    console.log(`cut: 10 s without packets; frames again ${cutRecoverS} s after the link returned; rung ${await n.deviceRung()}`);
  } finally {
    await n.close();
  }

  // TURN over TCP: the device's browser may not use direct UDP
  let turnTcp = 0;
  const turn = await startTestTurn();
  const m = await startNetworkSession({
    direct: true, deviceArgs: ['--webrtc-ip-handling-policy=disable_non_proxied_udp'],
    config: { turn: { urls: [`turn:${turn.ip}:${turn.port}?transport=tcp`], secret: turn.secret, ttlSeconds: 3600 } },
  });
  try {
    await until(async () => (await m.received()).framesDecoded > 30, 'frames through TURN', 60_000);
    const tr = await m.inspector.getByTestId('device-transport').getAttribute('data-transport', { timeout: 20_000 }).catch(() => null);
    turnTcp = tr === 'relay-tcp' ? 1 : 0;
    console.log(`turn: device transport ${tr}`);
  } catch (e) {
    console.log(`turn: ${(e as Error).message}`);
  } finally {
    await m.close();
    await turn.stop();
  }
  const f = (x: number) => (Number.isFinite(x) ? String(x) : 'na');
  console.log(`took ${Math.round((Date.now() - started) / 1000)} s; load average during the windows ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
  console.log(`network: good_fps=${f(good!.fps)} good_height=${f(good!.height)} fair_fps=${f(fair!.fps)} fair_height=${f(fair!.height)} weak_fps=${f(weak!.fps)} weak_height=${f(weak!.height)} `
    + `weak_freeze_s_per_min=${f(weak!.freezeSPerMin)} weak_audio_concealed_pct=${f(weak!.concealedPct)} weak_still_s=${f(Math.round(weakStillS * 10) / 10)} vweak_mode=${vweak!.rung} `
    + `cut_recover_s=${f(Math.round(cutRecoverS * 10) / 10)} turn_tcp=${turnTcp} load=${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
