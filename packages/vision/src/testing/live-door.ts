/**
 * One live-reading run: an empty door for `blankSeconds`, then the door with `code` painted on it, streamed as VP8 RTP
 * into a LiveReader; measures how long after the number came into view it was reported, and the CPU the reading
 * cost (decoder + reads) per second of stream, in % of one core.
 */
import type { VisionEngine } from '../engine.ts';
import { LiveReader, type LiveReading } from '../live/live-reader.ts';
import { paintDoor } from './synth-door.ts';
import { streamDoorRtp } from './rtp-door.ts';

export interface LiveDoorResult {
  code: string;
  readings: LiveReading[];
  /** seconds from the number coming into view to its verified reading (null: never) */
  readS: number | null;
  cpuPct: number;
  stats: LiveReader['stats'];
  streamS: number;
}

export async function runLiveDoor(engine: VisionEngine, o: { code: string; blankSeconds?: number; doorSeconds?: number; width?: number; height?: number; cpuBudget?: number }): Promise<LiveDoorResult> {
  const width = o.width ?? 960, height = o.height ?? 720;
  const blankSeconds = o.blankSeconds ?? 3, doorSeconds = o.doorSeconds ?? 8;
  const door = await paintDoor('horizontal', { code: o.code, width, height });
  const blank = await paintDoor('horizontal', { code: o.code, width, height, ink: '#1f4e8c' }); // ink = paint: no number
  const reader = new LiveReader({ engine, cpuBudget: o.cpuBudget });
  const readings: LiveReading[] = [];
  reader.on('reading', (r) => readings.push(r));
  reader.on('error', () => undefined);
  const stream = await streamDoorRtp({ blank, door, blankSeconds, doorSeconds, width, height, onRtp: (p) => reader.push(p) });
  await stream.done;
  await reader.close();
  const streamS = blankSeconds + doorSeconds;
  const hit = readings.find((r) => r.kind === 'container' && r.value === o.code);
  const inView = stream.firstPacketAt + blankSeconds * 1000;
  return {
    code: o.code, readings, stats: reader.stats, streamS,
    readS: hit ? (hit.at + hit.reading.timingsMs.total - inView) / 1000 : null,
    cpuPct: ((reader.stats.readCpuMs + reader.stats.decoderCpuMs) / (streamS * 1000)) * 100,
  };
}
