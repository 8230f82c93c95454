// Drawing shapes on a frozen frame: coordinates are fractions (0..1) of the frame, so the inspector's drawing lands
// on the same spot of the picture on any screen (phone, glasses, console), with object-fit: contain letterboxing.
import type { DrawingShape } from '@rvi/contracts';

export type Shape = DrawingShape;
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
export function drawShapes(canvas: HTMLCanvasElement, shapes: Shape[], box: { width: number; height: number }, frame: { width: number; height: number } | null): void {
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
    } else {
      ctx.font = `700 ${Math.round(unit * 9)}px system-ui, sans-serif`;
      ctx.lineWidth = unit * 1.5;
      ctx.strokeStyle = '#000';
      ctx.strokeText(s.text, X(s.x), Y(s.y));
      ctx.fillText(s.text, X(s.x), Y(s.y));
    }
  }
}
