/**
 * Character stacks: a container number written down a door post, each character upright, one under the other. Text
 * detection finds such a column as one tall box (read along its axis, glyphs turned), or, when the characters are
 * spaced apart, as separate one-character boxes with some characters missed altogether; the recogniser reads lone
 * characters badly ("工" for H). Here the column is found from the boxes, cut into characters by its row profile (ink
 * rows against gaps), and the characters are laid side by side into one ordinary line image, read in one go.
 */
import { clusters } from './clusters.ts';
import { quadBounds, type Quad, type RotatedRect } from './geometry.ts';
import type { RasterImage } from './raster.ts';

interface Bounds { x0: number; y0: number; x1: number; y1: number }

export interface CharacterStack {
  /** The column in image pixels (axis-aligned). */
  bounds: Bounds;
  /** The characters' row ranges, top to bottom. */
  cells: Array<{ y0: number; y1: number }>;
  /** Its rectangle in reading orientation (top to bottom). */
  rect: RotatedRect;
}

/** Height of the composed line (the recogniser's input height). */
const LINE_H = 48;

/**
 * Columns of upright characters among the detected boxes: boxes no wider than tall-ish, centred on one vertical axis,
 * of similar width, each close below the previous. Two such boxes spanning 2.5 widths, or one box at least four times taller
 * than wide, make a candidate (cutStack then looks along it for the characters detection missed).
 */
export function findStackColumns(boxes: Array<{ box: Quad }>, width: number): Bounds[] {
  const cands = boxes
    .map((b) => quadBounds(b.box))
    .map((q) => ({ x0: q.minX, y0: q.minY, x1: q.maxX, y1: q.maxY }))
    .filter((b) => b.x1 - b.x0 >= 6 && b.y1 - b.y0 >= 6 && (b.x1 - b.x0) <= 1.6 * (b.y1 - b.y0));
  cands.sort((a, b) => a.y0 - b.y0);
  // b lies below a (sorted by top): same axis, similar width, close below
  const stacks = clusters(cands, (a, b) => {
    const wa = a.x1 - a.x0, wb = b.x1 - b.x0;
    const w = Math.max(wa, wb);
    if (Math.abs((a.x0 + a.x1) / 2 - (b.x0 + b.x1) / 2) > 0.35 * w) return false;
    if (wa / wb > 1.8 || wb / wa > 1.8) return false;
    const gap = b.y0 - a.y1;
    return !(gap > 3.5 * w || gap < -0.5 * Math.min(a.y1 - a.y0, b.y1 - b.y0));
  });
  const out: Bounds[] = [];
  for (const members of stacks) {
    const u = members.reduce((s, b) => ({ x0: Math.min(s.x0, b.x0), y0: Math.min(s.y0, b.y0), x1: Math.max(s.x1, b.x1), y1: Math.max(s.y1, b.y1) }));
    const w = u.x1 - u.x0, h = u.y1 - u.y0;
    if (!(members.length >= 2 || h >= 4 * w) || h < 2.5 * w) continue;
    // Boxes of lone characters hug the glyph: widen a little. Characters above and below may have been missed by
    // detection: cutStack looks further along the column.
    out.push({ x0: Math.max(0, u.x0 - 0.25 * w), x1: Math.min(width, u.x1 + 0.25 * w), y0: u.y0, y1: u.y1 });
  }
  return out;
}

function luminance(img: RasterImage, x: number, y: number): number {
  const p = (y * img.width + x) * 3;
  return 0.299 * img.data[p] + 0.587 * img.data[p + 1] + 0.114 * img.data[p + 2];
}

/** Otsu threshold of a luminance histogram. */
function otsu(hist: number[], total: number): number {
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * hist[i];
  let sumB = 0, wB = 0, best = 0, threshold = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (!wB) continue;
    const wF = total - wB;
    if (!wF) break;
    sumB += t * hist[t];
    const mB = sumB / wB, mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) { best = between; threshold = t; }
  }
  return threshold;
}

/**
 * Cuts a column into characters: binarised (Otsu; ink is the minority), rows whose ink stands out above the column's
 * baseline (a seam or ridge crossing every row) are character rows, runs of them are characters. Null when the
 * column does not look like a stack of 4–16 characters.
 */
export function cutStack(img: RasterImage, b: Bounds): CharacterStack | null {
  const x0 = Math.max(0, Math.floor(b.x0)), x1 = Math.min(img.width, Math.ceil(b.x1));
  const w = x1 - x0;
  if (w < 6 || b.y1 - b.y0 < 2.5 * w) return null;
  // The detected part of the column and up to 16 column widths beyond each end (a whole number, when detection found
  // only a few of its characters).
  const y0 = Math.max(0, Math.floor(b.y0 - 16 * w)), y1 = Math.min(img.height, Math.ceil(b.y1 + 16 * w));
  const h = y1 - y0;
  const hist = new Array(256).fill(0);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[Math.round(luminance(img, x, y))]++;
  const t = otsu(hist, w * h);
  let dark = 0;
  for (let i = 0; i <= t; i++) dark += hist[i];
  const inkIsDark = dark < (w * h) / 2;
  // Ink per row, over the middle 80% of the column (its edges may touch a seam or the next panel).
  const ix0 = x0 + Math.floor(w * 0.1), ix1 = x1 - Math.floor(w * 0.1);
  const ink: number[] = [];
  for (let y = y0; y < y1; y++) {
    let n = 0;
    for (let x = ix0; x < ix1; x++) {
      const l = luminance(img, x, y);
      if (inkIsDark ? l <= t : l > t) n++;
    }
    ink.push(n);
  }
  const sorted = ink.slice().sort((a, c) => a - c);
  const base = sorted[Math.floor(sorted.length * 0.1)];
  const peak = sorted[sorted.length - 1] - base;
  if (peak <= 0) return null;
  const on = ink.map((n) => n - base > 0.12 * peak);
  // Runs of ink rows; gaps thinner than 6% of the column width do not split a character.
  const runs: Array<{ y0: number; y1: number }> = [];
  for (let i = 0; i < on.length; i++) {
    if (!on[i]) continue;
    const last = runs[runs.length - 1];
    if (last && i - last.y1 <= Math.max(1, 0.06 * w)) last.y1 = i + 1;
    else runs.push({ y0: i, y1: i + 1 });
  }
  // Specks and scratches are not characters.
  const all = runs.filter((r) => r.y1 - r.y0 >= 0.3 * w).map((r) => ({ y0: r.y0 + y0, y1: r.y1 + y0 }));
  const cells = regularChain(all, b);
  if (!cells || cells.length < 4 || cells.length > 16) return null;
  // A stack has characters of one size: a run much taller than the rest is not one character.
  const hs = cells.map((c) => c.y1 - c.y0).sort((a, c) => a - c);
  const median = hs[Math.floor(hs.length / 2)];
  if (hs[hs.length - 1] > 2.2 * median) return null;
  const top = cells[0].y0, bottom = cells[cells.length - 1].y1;
  const rect: RotatedRect = { cx: (x0 + x1) / 2, cy: (top + bottom) / 2, width: bottom - top, height: w, ux: 0, uy: 1 };
  return { bounds: { x0, y0: top, x1, y1: bottom }, cells, rect };
}

/**
 * The characters of the column: those within the detected part, then, outward, further runs of the same size at the
 * same pitch (a gap of up to 1.7 pitches: the space between owner code and serial, or a boxed check digit).
 */
function regularChain(all: Array<{ y0: number; y1: number }>, core: Bounds): Array<{ y0: number; y1: number }> | null {
  if (all.length < 2) return null;
  const hs = all.map((c) => c.y1 - c.y0).sort((a, b) => a - b);
  const hm = hs[Math.floor(hs.length / 2)];
  const fits = (c: { y0: number; y1: number }) => c.y1 - c.y0 >= 0.5 * hm && c.y1 - c.y0 <= 1.6 * hm;
  const sized = all.filter(fits);
  const steps = sized.slice(1).map((c, k) => c.y0 - sized[k].y0).sort((a, b) => a - b);
  if (!steps.length) return null;
  const pitch = steps[Math.floor(steps.length / 2)];
  // Chains of same-sized runs at that pitch; the longest one that overlaps the detected part.
  let best: Array<{ y0: number; y1: number }> | null = null;
  let cur: Array<{ y0: number; y1: number }> = [];
  const close = () => {
    if (cur.some((c) => c.y1 > core.y0 && c.y0 < core.y1) && (!best || cur.length > best.length)) best = cur;
    cur = [];
  };
  for (const c of sized) {
    if (cur.length && c.y0 - cur[cur.length - 1].y0 > 1.7 * pitch) close();
    cur.push(c);
  }
  close();
  return best;
}

/**
 * The stack's characters side by side as one line image, LINE_H pixels high: each character's rows (with a margin)
 * scaled to the line height, a small gap of the column's background between characters.
 */
export function composeStackLine(img: RasterImage, s: CharacterStack): RasterImage {
  const { x0, x1 } = s.bounds;
  const w = x1 - x0;
  const parts = s.cells.map((c) => {
    const ch = c.y1 - c.y0;
    const m = Math.max(2, 0.18 * ch);
    const cy0 = Math.max(0, c.y0 - m), cy1 = Math.min(img.height, c.y1 + m);
    const scale = LINE_H / (cy1 - cy0);
    return { cy0, cy1, scale, outW: Math.max(4, Math.round(w * scale)) };
  });
  const gap = Math.round(LINE_H * 0.12);
  const total = parts.reduce((s2, p) => s2 + p.outW, 0) + gap * (parts.length + 1);
  const out = Buffer.alloc(total * LINE_H * 3);
  // Background: the column's median colour at the gaps between characters (falls back to its first row).
  const bg = backgroundOf(img, s);
  for (let i = 0; i < total * LINE_H; i++) out.set(bg, i * 3);
  let ox = gap;
  for (const p of parts) {
    for (let j = 0; j < LINE_H; j++) {
      const sy = Math.min(img.height - 1, Math.max(0, p.cy0 + (j + 0.5) / p.scale - 0.5));
      for (let i = 0; i < p.outW; i++) {
        const sx = Math.min(img.width - 1, Math.max(0, x0 + (i + 0.5) / p.scale - 0.5));
        const xi = sx | 0, yi = sy | 0, fx = sx - xi, fy = sy - yi;
        const xi1 = Math.min(img.width - 1, xi + 1), yi1 = Math.min(img.height - 1, yi + 1);
        const o = (j * total + ox + i) * 3;
        for (let c = 0; c < 3; c++) {
          const v = img.data[(yi * img.width + xi) * 3 + c] * (1 - fx) * (1 - fy) + img.data[(yi * img.width + xi1) * 3 + c] * fx * (1 - fy) +
            img.data[(yi1 * img.width + xi) * 3 + c] * (1 - fx) * fy + img.data[(yi1 * img.width + xi1) * 3 + c] * fx * fy;
          out[o + c] = v;
        }
      }
    }
    ox += p.outW + gap;
  }
  return { data: out, width: total, height: LINE_H };
}

function backgroundOf(img: RasterImage, s: CharacterStack): [number, number, number] {
  const rows: number[] = [];
  for (let k = 1; k < s.cells.length; k++) rows.push(Math.round((s.cells[k - 1].y1 + s.cells[k].y0) / 2));
  if (!rows.length) rows.push(s.bounds.y0);
  const px: Array<[number, number, number]> = [];
  for (const y of rows) for (let x = Math.floor(s.bounds.x0); x < Math.ceil(s.bounds.x1); x++) {
    const p = (Math.min(img.height - 1, y) * img.width + Math.min(img.width - 1, x)) * 3;
    px.push([img.data[p], img.data[p + 1], img.data[p + 2]]);
  }
  const med = (c: number) => px.map((v) => v[c]).sort((a, b) => a - b)[Math.floor(px.length / 2)];
  return [med(0), med(1), med(2)];
}
