/** Small plane-geometry helpers for text boxes (no OpenCV needed). */

export type Point = [number, number];
/** Four corners, clockwise from the top-left of the text as read: tl, tr, br, bl. */
export type Quad = [Point, Point, Point, Point];

/** A rotated rectangle: centre, side lengths, and the unit vector along the `width` side. */
export interface RotatedRect {
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** Unit vector along the width side. */
  ux: number;
  uy: number;
}

/** Andrew's monotone chain. Input points may repeat; output is counter-clockwise without repeats. */
export function convexHull(points: Point[]): Point[] {
  const pts = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts;
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** Minimum-area enclosing rectangle of a point set (rotating calipers over the hull edges). */
export function minAreaRect(points: Point[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) return { cx: 0, cy: 0, width: 0, height: 0, ux: 1, uy: 0 };
  if (hull.length === 1) return { cx: hull[0][0], cy: hull[0][1], width: 0, height: 0, ux: 1, uy: 0 };
  let best: RotatedRect | null = null;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const p of hull) {
      const u = p[0] * ux + p[1] * uy;
      const v = -p[0] * uy + p[1] * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = { cx: cu * ux - cv * uy, cy: cu * uy + cv * ux, width: maxU - minU, height: maxV - minV, ux, uy };
    }
  }
  return best ?? { cx: hull[0][0], cy: hull[0][1], width: 0, height: 0, ux: 1, uy: 0 };
}

/**
 * Puts a rotated rectangle in reading orientation: width along the text direction, the width vector
 * pointing rightwards (or downwards for vertical boxes). Boxes at least `tallRatio` times taller than wide
 * keep their vertical axis as the reading direction (rotated text lines).
 */
export function orientForReading(r: RotatedRect, tallRatio = 1.5): RotatedRect {
  let { width, height, ux, uy } = r;
  // Make u the axis closest to horizontal first.
  if (Math.abs(uy) > Math.abs(ux)) {
    [width, height] = [height, width];
    [ux, uy] = [uy, -ux];
  }
  if (ux < 0) { ux = -ux; uy = -uy; }
  if (height >= tallRatio * width) {
    // Vertical line: read along the vertical axis, top to bottom.
    [width, height] = [height, width];
    [ux, uy] = [-uy, ux];
    if (uy < 0) { ux = -ux; uy = -uy; }
  }
  return { cx: r.cx, cy: r.cy, width, height, ux, uy };
}

/** Grows a rectangle by `d` on every side. */
export function expandRect(r: RotatedRect, dw: number, dh = dw): RotatedRect {
  return { ...r, width: r.width + 2 * dw, height: r.height + 2 * dh };
}

/**
 * DB "unclip": offsets the box outward by area * ratio / perimeter, as PaddleOCR does with a polygon
 * offset (for a rectangle the offset is exact).
 */
export function unclipRect(r: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (r.width + r.height);
  if (perimeter === 0) return r;
  const d = (r.width * r.height * ratio) / perimeter;
  return expandRect(r, d);
}

/** Corners in reading order: top-left, top-right, bottom-right, bottom-left. */
export function rectCorners(r: RotatedRect): Quad {
  const hw = r.width / 2, hh = r.height / 2;
  const vx = -r.uy, vy = r.ux; // "down" in reading orientation
  const p = (su: number, sv: number): Point => [r.cx + su * hw * r.ux + sv * hh * vx, r.cy + su * hw * r.uy + sv * hh * vy];
  return [p(-1, -1), p(1, -1), p(1, 1), p(-1, 1)];
}

export function scaleRect(r: RotatedRect, sx: number, sy: number): RotatedRect {
  // Non-uniform scaling of a rotated rectangle is not a rectangle in general; detection maps are scaled
  // almost uniformly (within rounding to multiples of 32), so scale the axes by their projections.
  const wx = r.ux * r.width, wy = r.uy * r.width;
  const hx = -r.uy * r.height, hy = r.ux * r.height;
  const nwx = wx * sx, nwy = wy * sy, nhx = hx * sx, nhy = hy * sy;
  const width = Math.hypot(nwx, nwy);
  const height = Math.hypot(nhx, nhy);
  return { cx: r.cx * sx, cy: r.cy * sy, width, height, ux: width ? nwx / width : 1, uy: width ? nwy / width : 0 };
}

/** Axis-aligned bounds of a quad. */
export function quadBounds(q: Quad | Point[]): { minX: number; minY: number; maxX: number; maxY: number } {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of q) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}
