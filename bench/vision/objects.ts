/**
 * Object detector timing: CenterNet on the 512 px copy the analyzer gives it, over the real container photos (what
 * the detector sees in a yard), warm. Returns null when the photos are absent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectDetector, decodeImage } from '@rvi/vision';
import { resizeRaster } from '../../packages/vision/src/ocr/raster.ts';
import { sharedDataDir } from '../../packages/vision/src/testing/shared-data.ts';

export async function benchObjects(): Promise<{ frames: number; msP50: number; cpuMsP50: number; note: string } | null> {
  const dir = sharedDataDir('container-photos');
  if (!dir) return null;
  const truth: Array<{ file: string }> = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
  const detector = await ObjectDetector.load();
  const ms: number[] = [], cpu: number[] = [];
  const classes = new Map<string, number>();
  for (const t of truth) {
    const img = await decodeImage(readFileSync(join(dir, t.file)));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const small = await resizeRaster(img, 512, 512);
    const found = await detector.detect(small);
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    for (const o of found) classes.set(o.class, (classes.get(o.class) ?? 0) + 1);
  }
  const p50 = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { frames: ms.length, msP50: p50(ms), cpuMsP50: p50(cpu), note: `seen=${[...classes].map(([k, v]) => `${k}:${v}`).join(',') || '-'}` };
}
