// Shapes anchored to the goods: the AR anchor's homography moves every shape with the scene; a box seen from another
// angle becomes the quadrilateral of its four moved corners (not a rectangle around them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapShapes, shapesBounds, type Shape } from './draw.ts';

const frame = { width: 1280, height: 720 };
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('a box follows a pan and zoom corner by corner', () => {
  // scale 2 about the origin, then move by (0.1, -0.05): x' = 2x + 0.1, y' = 2y - 0.05
  const H = [2, 0, 0.1, 0, 2, -0.05, 0, 0, 1];
  const [q] = mapShapes([{ type: 'box', x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.4 }], H, frame);
  assert.equal(q.type, 'quad');
  const pts = (q as { pts: [number, number][] }).pts;
  const want = [[0.3, 0.35], [0.7, 0.35], [0.7, 0.75], [0.3, 0.75]];
  pts.forEach(([x, y], i) => { near(x, want[i][0], `x${i}`); near(y, want[i][1], `y${i}`); });
});

test('under perspective the box is a true quadrilateral; a corner behind the view drops the box', () => {
  const H = [1, 0, 0, 0, 1, 0, 0.8, 0, 1]; // the right side recedes
  const [q] = mapShapes([{ type: 'box', x1: 0.1, y1: 0.2, x2: 0.5, y2: 0.6, color: '#00ff00' }], H, frame) as { type: 'quad'; pts: [number, number][]; color?: string }[];
  const [tl, tr, br, bl] = q.pts;
  near(tl[1], 0.2 / 1.08, 'left edge top');
  near(tr[1], 0.2 / 1.4, 'right edge top');
  assert.ok(br[1] - tr[1] < bl[1] - tl[1], 'the far edge is shorter');
  assert.equal(q.color, '#00ff00', 'the colour stays');
  assert.deepEqual(mapShapes([{ type: 'box', x1: 0.1, y1: 0.1, x2: 0.9, y2: 0.9 }], [1, 0, 0, 0, 1, 0, -2, 0, 1], frame), [], 'w <= 0 at a corner');
});

test('the region the tracker anchors covers a box', () => {
  const shapes: Shape[] = [{ type: 'box', x1: 0.2, y1: 0.3, x2: 0.6, y2: 0.5 }];
  const r = shapesBounds(shapes, frame);
  near(r.x, 0.2, 'x');
  near(r.y, 0.3, 'y');
  near(r.width, 0.4, 'width');
  near(r.height, 0.2, 'height');
});
