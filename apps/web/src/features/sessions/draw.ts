// Drawing shapes on a frozen frame: coordinates are fractions (0..1) of the frame, so the inspector's drawing lands
// on the same spot of the picture on any screen (phone, glasses, console), with object-fit: contain letterboxing.
import type { DrawingShape } from '@rvi/contracts';

export type Shape = DrawingShape;
/** What is painted: the shapes as drawn, or a box seen in perspective (its four corners moved by an AR anchor). */
export type DrawnShape = Shape | { type: 'quad'; pts: [number, number][]; color?: string };
export const DEFAULT_COLOR = '#ff3b30';

/** The rectangle a frame of `frame` size occupies inside a box of `box` size with object-fit: contain. */
export function containRect(box: { width: number; height: number }, frame: { width: number; height: number } | null) {
  if (!frame || !frame.width || !frame.height) return { x: 0, y: 0, width: box.width, height: box.height };
  const scale = Math.min(box.width / frame.width, box.height / frame.height);
  const width = frame.width * scale;
  const height = frame.height * scale;
  return { x: (box.width - width) / 2, y: (box.height - height) / 2, width, height };
}

/** Paints shapes on a canvas covering `box` (CSS pixels), with the frame letterboxed inside it. */
export function drawShapes(canvas: HTMLCanvasElement, shapes: DrawnShape[], box: { width: number; height: number }, frame: { width: number; height: number } | null): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(box.width * dpr));
  canvas.height = Math.max(1, Math.round(box.height * dpr));
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, box.width, box.height);
  const r = containRect(box, frame);
  const X = (f: number) => r.x + f * r.width;
  const Y = (f: number) => r.y + f * r.height;
  const unit = Math.max(2, Math.min(r.width, r.height) / 120);
  for (const s of shapes) {
    const color = s.color ?? DEFAULT_COLOR;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = unit;
    ctx.lineCap = 'round';
    if (s.type === 'arrow') {
      const [x1, y1, x2, y2] = [X(s.x1), Y(s.y1), X(s.x2), Y(s.y2)];
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
      ctx.stroke();
      const a = Math.atan2(y2 - y1, x2 - x1);
      const head = unit * 6;
      ctx.beginPath();
      ctx.moveTo(x2, y2);
      ctx.lineTo(x2 - head * Math.cos(a - 0.45), y2 - head * Math.sin(a - 0.45));
      ctx.lineTo(x2 - head * Math.cos(a + 0.45), y2 - head * Math.sin(a + 0.45));
      ctx.closePath();
      ctx.fill();
    } else if (s.type === 'circle') {
      ctx.beginPath();
      ctx.arc(X(s.cx), Y(s.cy), Math.max(2, s.r * Math.min(r.width, r.height)), 0, Math.PI * 2);
      ctx.stroke();
    } else if (s.type === 'box' || s.type === 'quad') {
      const pts: [number, number][] = s.type === 'quad' ? s.pts : [[s.x1, s.y1], [s.x2, s.y1], [s.x2, s.y2], [s.x1, s.y2]];
      ctx.lineJoin = 'round';
      ctx.beginPath();
      pts.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
      ctx.closePath();
      ctx.stroke();
    } else {
      ctx.font = `700 ${Math.round(unit * 9)}px system-ui, sans-serif`;
      ctx.lineWidth = unit * 1.5;
      ctx.strokeStyle = '#000';
      ctx.strokeText(s.text, X(s.x), Y(s.y));
      ctx.fillText(s.text, X(s.x), Y(s.y));
    }
  }
}

/**
 * The shapes of a drawing made on a frozen frame, moved to where an AR anchor homography `H` (frozen frame → current
 * frame, normalised coordinates) puts them; circles keep their size relative to the goods. Null where a point falls
 * behind the view.
 */
export function mapShapes(shapes: Shape[], H: readonly number[], frame: { width: number; height: number }): DrawnShape[] {
  const at = (x: number, y: number): [number, number] | null => {
    const w = H[6] * x + H[7] * y + H[8];
    return w > 1e-9 ? [(H[0] * x + H[1] * y + H[2]) / w, (H[3] * x + H[4] * y + H[5]) / w] : null;
  };
  const min = Math.min(frame.width, frame.height) || 1;
  const out: DrawnShape[] = [];
  for (const s of shapes) {
    if (s.type === 'arrow') {
      const a = at(s.x1, s.y1), b = at(s.x2, s.y2);
      if (a && b) out.push({ ...s, x1: a[0], y1: a[1], x2: b[0], y2: b[1] });
    } else if (s.type === 'circle') {
      const c = at(s.cx, s.cy), e = at(s.cx + (s.r * min) / (frame.width || 1), s.cy);
      if (c && e) out.push({ ...s, cx: c[0], cy: c[1], r: Math.hypot((e[0] - c[0]) * frame.width, (e[1] - c[1]) * frame.height) / min });
    } else if (s.type === 'box') {
      // a box on a surface seen from another angle is a quadrilateral: each corner moves with the goods
      const pts = ([[s.x1, s.y1], [s.x2, s.y1], [s.x2, s.y2], [s.x1, s.y2]] as const).map(([x, y]) => at(x, y));
      if (pts.every(Boolean)) out.push({ type: 'quad', pts: pts as [number, number][], color: s.color });
    } else {
      const p = at(s.x, s.y);
      if (p) out.push({ ...s, x: p[0], y: p[1] });
    }
  }
  return out;
}

/** The part of the frame a drawing marks (fractions), with a little room around text. */
export function shapesBounds(shapes: Shape[], frame: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const xs: number[] = [], ys: number[] = [];
  const min = Math.min(frame.width, frame.height) || 1;
  for (const s of shapes) {
    if (s.type === 'arrow' || s.type === 'box') {
      xs.push(s.x1, s.x2);
      ys.push(s.y1, s.y2);
    } else if (s.type === 'circle') {
      const rx = (s.r * min) / (frame.width || 1), ry = (s.r * min) / (frame.height || 1);
      xs.push(s.cx - rx, s.cx + rx);
      ys.push(s.cy - ry, s.cy + ry);
    } else {
      xs.push(s.x, s.x + 0.12);
      ys.push(s.y - 0.05, s.y);
    }
  }
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const x0 = clamp(Math.min(...xs)), x1 = clamp(Math.max(...xs)), y0 = clamp(Math.min(...ys)), y1 = clamp(Math.max(...ys));
  return { x: x0, y: y0, width: Math.max(0.02, x1 - x0), height: Math.max(0.02, y1 - y0) };
}
