// 3×3 plane homographies (row-major, 9 numbers): the map between where a point of the scene was in the frozen frame and
// where it is in a later camera frame. Shared by the tracker (worker), the camera page and the console (drawing the
// same anchored annotation) and the tests (known motion).

export type Mat3 = readonly number[];
export type Point = readonly [number, number];

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Where H puts (x, y); null when the point maps behind the camera plane (w ≤ 0) or H is degenerate. */
export function applyH(H: Mat3, x: number, y: number): [number, number] | null {
  const w = H[6] * x + H[7] * y + H[8];
  if (!(w > 1e-9)) return null;
  return [(H[0] * x + H[1] * y + H[2]) / w, (H[3] * x + H[4] * y + H[5]) / w];
}

export function multiplyH(A: Mat3, B: Mat3): number[] {
  const r = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j] += A[i * 3 + k] * B[k * 3 + j];
  return r;
}

export function invertH(H: Mat3): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = H;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  const inv = [A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d];
  return inv.map((v) => v / det);
}

/** H in pixels of a w×h frame → the same map in normalised (0..1) frame coordinates, and back. */
export function toNormalised(H: Mat3, srcW: number, srcH: number, dstW: number, dstH: number): number[] {
  return multiplyH(multiplyH([1 / dstW, 0, 0, 0, 1 / dstH, 0, 0, 0, 1], H), [srcW, 0, 0, 0, srcH, 0, 0, 0, 1]);
}
export function toPixels(N: Mat3, srcW: number, srcH: number, dstW: number, dstH: number): number[] {
  return multiplyH(multiplyH([dstW, 0, 0, 0, dstH, 0, 0, 0, 1], N), [1 / srcW, 0, 0, 0, 1 / srcH, 0, 0, 0, 1]);
}

/** The homography mapping four source points onto four destination points (direct linear transform, h33 = 1). */
export function homographyFrom4(src: readonly Point[], dst: readonly Point[]): number[] {
  const A: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const [x, y] = src[k];
    const [u, v] = dst[k];
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gaussian elimination with partial pivoting on the 8×9 augmented matrix
  for (let col = 0; col < 8; col++) {
    let p = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(A[r][col]) > Math.abs(A[p][col])) p = r;
    [A[col], A[p]] = [A[p], A[col]];
    const pivot = A[col][col];
    if (Math.abs(pivot) < 1e-12) throw new Error('degenerate point configuration');
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = A[r][col] / pivot;
      for (let c = col; c < 9; c++) A[r][c] -= f * A[col][c];
    }
  }
  const h = A.map((row, i) => row[8] / row[i]);
  return [...h, 1];
}

/** Is H a plausible view change of a region (no mirror, no collapse, no explosion)? `area` = region area in dst units. */
export function plausible(H: Mat3, corners: readonly Point[], minArea: number, maxArea: number): boolean {
  const q = corners.map(([x, y]) => applyH(H, x, y));
  if (q.some((p) => !p)) return false;
  const pts = q as [number, number][];
  // signed area (shoelace) and convexity: every turn in the same direction as the source polygon
  let area = 0;
  for (let i = 0; i < pts.length; i++) {
    const [x1, y1] = pts[i];
    const [x2, y2] = pts[(i + 1) % pts.length];
    area += x1 * y2 - x2 * y1;
  }
  area /= 2;
  let srcArea = 0;
  for (let i = 0; i < corners.length; i++) srcArea += corners[i][0] * corners[(i + 1) % corners.length][1] - corners[(i + 1) % corners.length][0] * corners[i][1];
  if (Math.sign(area) !== Math.sign(srcArea)) return false;
  for (let i = 0; i < pts.length; i++) {
    const [ax, ay] = pts[i], [bx, by] = pts[(i + 1) % pts.length], [cx, cy] = pts[(i + 2) % pts.length];
    const cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx);
    if (Math.sign(cross) !== Math.sign(srcArea) && Math.abs(cross) > 1e-9) return false;
  }
  return Math.abs(area) >= minArea && Math.abs(area) <= maxArea;
}
