/**
 * Spatial grouping of OCR boxes: words on one visual line become a row, and rows know their
 * neighbours to the right and below (a container number is often split over two lines, or has its
 * check digit in a box set apart).
 */
import { clusters } from './ocr/clusters.ts';
import type { Point, Quad, RotatedRect } from './ocr/geometry.ts';

/** What the parsers need of an OCR result line. */
export interface TextBox {
  text: string;
  confidence: number;
  box: Quad;
  rect: RotatedRect;
}

export interface Row extends TextBox {
  /** The OCR boxes of this row, left to right. */
  parts: TextBox[];
  index: number;
}

/** Position of `p` in the reading frame of `r` (u along the text, v downwards), relative to its centre. */
function toFrame(r: RotatedRect, p: Point): { u: number; v: number } {
  const dx = p[0] - r.cx, dy = p[1] - r.cy;
  return { u: dx * r.ux + dy * r.uy, v: -dx * r.uy + dy * r.ux };
}

function extentIn(r: RotatedRect, box: Quad): { u0: number; u1: number; v0: number; v1: number } {
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (const p of box) {
    const { u, v } = toFrame(r, p);
    if (u < u0) u0 = u;
    if (u > u1) u1 = u;
    if (v < v0) v0 = v;
    if (v > v1) v1 = v;
  }
  return { u0, u1, v0, v1 };
}

/**
 * Where `b` lies relative to `a`, in `a`'s reading frame: horizontal gap after a's right edge and
 * vertical offset, both in units of a's height.
 */
export function relativePosition(a: TextBox, b: TextBox): { gap: number; overlapV: number; dv: number; leftDelta: number; below: number } {
  const h = Math.max(1, a.rect.height);
  const eb = extentIn(a.rect, b.box);
  const ea = { u0: -a.rect.width / 2, u1: a.rect.width / 2, v0: -a.rect.height / 2, v1: a.rect.height / 2 };
  const overlap = Math.min(ea.v1, eb.v1) - Math.max(ea.v0, eb.v0);
  const overlapV = overlap / Math.min(h, Math.max(1, eb.v1 - eb.v0));
  return {
    gap: (eb.u0 - ea.u1) / h,
    overlapV,
    dv: ((eb.v0 + eb.v1) / 2) / h,
    leftDelta: (eb.u0 - ea.u0) / h,
    below: (eb.v0 - ea.v1) / h,
  };
}

/** Same visual line, b after a, with at most `maxGap` line heights between them. */
export function isRightNeighbour(a: TextBox, b: TextBox, maxGap: number): boolean {
  if (a === b) return false;
  const r = relativePosition(a, b);
  const hRatio = b.rect.height / Math.max(1, a.rect.height);
  // Boxes grown by the detector's unclip overlap their neighbours by up to ~0.6 heights on each side.
  return r.overlapV >= 0.5 && r.gap > -1 && r.gap <= maxGap && hRatio > 0.4 && hRatio < 2.5 && r.leftDelta > 0.3;
}

/** The next line of the same block: starts below a, left edges roughly aligned. */
export function isLineBelow(a: TextBox, b: TextBox, maxDistance = 1.6): boolean {
  if (a === b) return false;
  const r = relativePosition(a, b);
  const hRatio = b.rect.height / Math.max(1, a.rect.height);
  return r.below > -0.35 && r.below <= maxDistance && Math.abs(r.leftDelta) <= 2.5 && hRatio > 0.4 && hRatio < 2.5;
}

/** Smallest rectangle, in the frame of the first box's orientation, covering all boxes. */
export function mergeRects(boxes: TextBox[]): { rect: RotatedRect; box: Quad } {
  const ref = boxes.reduce((best, b) => (b.rect.width > best.rect.width ? b : best), boxes[0]).rect;
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (const b of boxes) {
    const e = extentIn(ref, b.box);
    u0 = Math.min(u0, e.u0); u1 = Math.max(u1, e.u1); v0 = Math.min(v0, e.v0); v1 = Math.max(v1, e.v1);
  }
  const cu = (u0 + u1) / 2, cv = (v0 + v1) / 2;
  const rect: RotatedRect = {
    cx: ref.cx + cu * ref.ux - cv * ref.uy,
    cy: ref.cy + cu * ref.uy + cv * ref.ux,
    width: u1 - u0,
    height: v1 - v0,
    ux: ref.ux,
    uy: ref.uy,
  };
  const p = (u: number, v: number): Point => [ref.cx + u * ref.ux - v * ref.uy, ref.cy + u * ref.uy + v * ref.ux];
  return { rect, box: [p(u0, v0), p(u1, v0), p(u1, v1), p(u0, v1)] };
}

interface WithChars {
  chars?: Array<{ char: string; step: number }>;
  steps?: number;
}

/** Position of a box's k-th character along the row's axis (from the recogniser's output step). */
function charPosition(b: TextBox & WithChars, k: number, frame: RotatedRect): number | null {
  const c = b.chars?.[k];
  if (!c || !b.steps) return null;
  const along = -b.rect.width / 2 + ((c.step + 0.5) / b.steps) * b.rect.width;
  return toFrame(frame, [b.rect.cx + along * b.rect.ux, b.rect.cy + along * b.rect.uy]).u;
}

/**
 * Two overlapping boxes that both read the character where they overlap ("SKHU9" + "950224" for SKHU 950224): the
 * same printed character, not two. Told by the recogniser's character positions: closer than a character pitch.
 */
function readTwice(a: TextBox & WithChars, b: TextBox & WithChars, frame: RotatedRect): boolean {
  const last = a.chars?.length ? a.chars.length - 1 : -1;
  if (last < 0 || !b.chars?.length || a.chars![last].char !== b.chars[0].char) return false;
  const pa = charPosition(a, last, frame), pb = charPosition(b, 0, frame);
  if (pa === null || pb === null) return false;
  const pitch = (a.rect.width / Math.max(1, a.chars!.length) + b.rect.width / Math.max(1, b.chars.length)) / 2;
  // 0.65: the positions come in recogniser steps (~1/3 of a character); a real double letter is a whole pitch apart.
  return Math.abs(pb - pa) < 0.65 * pitch;
}

/** Groups boxes into rows (words closer than `maxGap` line heights on the same line), top to bottom. */
export function groupIntoRows(lines: TextBox[], maxGap = 1.2): Row[] {
  const groups = clusters(lines, (a, b) => isRightNeighbour(a, b, maxGap) || isRightNeighbour(b, a, maxGap));
  const rows: Row[] = [];
  for (const parts of groups) {
    const { rect, box } = mergeRects(parts);
    parts.sort((a, b) => toFrame(rect, [a.rect.cx, a.rect.cy]).u - toFrame(rect, [b.rect.cx, b.rect.cy]).u);
    const chars = parts.reduce((s, p) => s + Math.max(1, p.text.length), 0);
    const confidence = parts.reduce((s, p) => s + p.confidence * Math.max(1, p.text.length), 0) / chars;
    const texts = parts.map((p) => p.text);
    for (let k = 1; k < parts.length; k++) if (readTwice(parts[k - 1], parts[k], rect)) texts[k] = texts[k].slice(1);
    rows.push({ text: texts.filter(Boolean).join(' '), confidence, box, rect, parts, index: 0 });
  }
  rows.sort((a, b) => a.rect.cy - b.rect.cy || a.rect.cx - b.rect.cx);
  rows.forEach((r, i) => (r.index = i));
  return rows;
}
