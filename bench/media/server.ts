// Bench child: a MediaNode behind the `ws` signalling harness, recording; reports its own CPU use over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startHarness } from '../../packages/media/src/testing/harness.ts';
import { probeMedia } from '../../packages/media/src/probe.ts';

const dir = process.argv[2];
if (!dir || !process.send) throw new Error('usage: fork(server.ts, [recordingDir])');
const h = await startHarness({ recording: { dir } });
const send = (m: unknown) => process.send!(m);
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();

process.on('message', async (m: { cmd: string; sessions?: string[] }) => {
  if (m.cmd === 'cpu') {
    send({ cpu: process.cpuUsage(), at: performance.now(), rooms: h.node.listRooms(), eldMaxMs: eld.max / 1e6, eldP99Ms: eld.percentile(99) / 1e6 });
    eld.reset();
  }
  else if (m.cmd === 'close') {
    const results = [];
    for (const id of m.sessions ?? []) {
      const segs = await h.node.closeSession(id);
      const probes = await Promise.all(segs.map((s) => probeMedia(s.path)));
      results.push({ id, segments: segs.length, durationMs: probes.reduce((a, p) => a + p.durationMs, 0), maxGapMs: Math.max(0, ...probes.map((p) => p.maxVideoGapMs)), ok: probes.every((p) => p.ok) });
    }
    send({ closed: results });
  } else if (m.cmd === 'exit') {
    await h.close();
    process.exit(0);
  }
});
send({ ready: h.wsUrl });
