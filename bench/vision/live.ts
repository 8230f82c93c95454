/**
 * Live reading: a door streamed as real-time VP8 RTP (960×720, 1.5 Mbit/s, hand-held wobble), 3 s empty then 8 s with
 * its number, through the LiveReader the media node uses; live_read_s = from the number coming into view to its
 * verified reading; live_cpu_pct = decoder + reading CPU per second of stream, % of one core (budget 15 %).
 */
import { createVisionEngine, containerCheckDigit } from '@rvi/vision';
import { runLiveDoor } from '../../packages/vision/src/testing/live-door.ts';

export async function benchLive(): Promise<{ readS: number; cpuPct: number; note: string } | null> {
  const engine = await createVisionEngine({ workers: 1, objects: false });
  try {
    const runs = [];
    for (const prefix of ['MSKU146628', 'TGHU687550', 'CMAU753755']) runs.push(await runLiveDoor(engine, { code: prefix + containerCheckDigit(prefix) }));
    const read = runs.map((r) => r.readS ?? Infinity).sort((a, b) => a - b);
    const cpu = runs.map((r) => r.cpuPct).sort((a, b) => a - b);
    const note = runs.map((r) => `${r.code}:${r.readS === null ? 'missed' : r.readS.toFixed(2) + 's'}/${r.cpuPct.toFixed(1)}%(read ${r.stats.stillsRead} of ${r.stats.stillsDecoded} stills, decoder ${(r.stats.decoderCpuMs / r.streamS / 10).toFixed(1)}%)`).join(' ');
    return { readS: read[1], cpuPct: cpu[1], note };
  } finally {
    await engine.close();
  }
}
