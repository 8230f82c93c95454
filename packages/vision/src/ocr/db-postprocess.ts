/**
 * Post-processing of the DB (differentiable binarization) text detector output, as in PaddleOCR's
 * DBPostProcess: threshold the probability map, take connected regions, score each region by its mean
 * probability, fit a minimum-area rectangle and grow it ("unclip") back to the full text extent.
 */
import { minAreaRect, unclipRect, type Point, type RotatedRect } from './geometry.ts';

export interface DbOptions {
  /** Pixel probability threshold for the text mask (PaddleOCR: 0.3). */
  threshold: number;
  /** Minimum mean probability of a region (PaddleOCR: 0.6). */
  boxThreshold: number;
  /** Outward growth of the shrunk text kernel (PaddleOCR v4: 1.5). */
  unclipRatio: number;
  /** Shorter side (in map pixels) below which a region is dropped. */
  minSize: number;
  maxCandidates: number;
}

export const DEFAULT_DB_OPTIONS: DbOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000 };

export interface DetectedRegion {
  /** Rectangle in probability-map coordinates. */
  rect: RotatedRect;
  score: number;
  pixels: number;
}

export function extractTextRegions(prob: Float32Array, width: number, height: number, opts: DbOptions = DEFAULT_DB_OPTIONS): DetectedRegion[] {
  const n = width * height;
  if (prob.length < n) throw new Error(`probability map has ${prob.length} values, expected ${n}`);
  const labels = new Uint8Array(n); // 0 = unvisited, 1 = visited
  const stack = new Int32Array(n);
  const rowMin = new Int32Array(height).fill(-1);
  const rowMax = new Int32Array(height).fill(-1);
  const regions: DetectedRegion[] = [];
  const t = opts.threshold;

  for (let start = 0; start < n; start++) {
    if (labels[start] || prob[start] <= t) continue;
    // Flood fill (8-connected) one region.
    let sp = 0;
    stack[sp++] = start;
    labels[start] = 1;
    let count = 0, sum = 0, yMin = height, yMax = -1;
    while (sp > 0) {
      const idx = stack[--sp];
      const y = (idx / width) | 0;
      const x = idx - y * width;
      count++;
      sum += prob[idx];
      if (rowMin[y] === -1 || x < rowMin[y]) rowMin[y] = x;
      if (x > rowMax[y]) rowMax[y] = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
          const nidx = ny * width + nx;
          if (!labels[nidx] && prob[nidx] > t) {
            labels[nidx] = 1;
            stack[sp++] = nidx;
          }
        }
      }
    }
    const pts: Point[] = [];
    for (let y = yMin; y <= yMax; y++) {
      if (rowMin[y] === -1) continue;
      pts.push([rowMin[y], y], [rowMin[y], y + 1], [rowMax[y] + 1, y], [rowMax[y] + 1, y + 1]);
      rowMin[y] = -1;
      rowMax[y] = -1;
    }
    const score = sum / count;
    if (score < opts.boxThreshold) continue;
    const rect = minAreaRect(pts);
    if (Math.min(rect.width, rect.height) < opts.minSize) continue;
    const grown = unclipRect(rect, opts.unclipRatio);
    if (Math.min(grown.width, grown.height) < opts.minSize + 2) continue;
    regions.push({ rect: grown, score, pixels: count });
    if (regions.length >= opts.maxCandidates) break;
  }
  return regions;
}
