// The AR anchor tracker on a scene with known motion: a real cargo photo under a scripted pan, tilt and zoom; the
// annotation's point must stay where the known motion puts it, be declared lost while out of view and come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grayFrame, loadCv, loadPhoto, sceneH, SCENE, readCode, type Script } from '../testing/moving-scene.ts';
import { AnchorTracker, type Region } from './tracker.ts';
import { applyH, invertH, multiplyH } from './homography.ts';

const PHOTOS = new URL('../../../../../shared/data/cargo-markings/', import.meta.url).pathname;
const W = 320, H = 180;
const { cv } = await loadCv();
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function run(photoFile: string, script: Script, frames: number, region: Region, n0 = 10, referencePhoto = photoFile) {
  const photo = loadPhoto(PHOTOS + photoFile);
  const tracker = new AnchorTracker(cv, { width: W, height: H });
  tracker.setReference(grayFrame(cv, loadPhoto(PHOTOS + referencePhoto), n0, W, H, script), region);
  const p = [region.x + region.width / 2, region.y + region.height / 2];
  const inv = invertH(sceneH(n0, script))!;
  const rows: { n: number; visible: boolean; outside: boolean; state: string; reason: string | null; drift: number | null; ms: number }[] = [];
  for (let n = n0 + 1; n <= n0 + frames; n++) {
    const r = tracker.track(grayFrame(cv, photo, n, W, H, script));
    const truth = applyH(multiplyH(sceneH(n, script), inv), p[0] * SCENE.width, p[1] * SCENE.height)!;
    const visible = truth[0] >= 0 && truth[1] >= 0 && truth[0] < SCENE.width && truth[1] < SCENE.height;
    const edge = 12; // a point within the tolerance of the border may be either
    const outside = truth[0] < -edge || truth[1] < -edge || truth[0] > SCENE.width + edge || truth[1] > SCENE.height + edge;
    const q = r.H ? applyH(r.H, p[0], p[1]) : null;
    rows.push({ n, visible, outside, state: r.state, reason: r.reason, drift: q ? Math.hypot(q[0] * SCENE.width - truth[0], q[1] * SCENE.height - truth[1]) : null, ms: r.ms });
  }
  tracker.dispose();
  return rows;
}

test('an anchored point follows a pan, tilt and zoom of a real cargo photo within a few pixels', () => {
  // the inspector marks something recognisable (a marking on the door; on bare corrugation there is nothing to anchor to)
  const marks: [string, Region][] = [['img-0003.jpg', { x: 0.3, y: 0.35, width: 0.15, height: 0.15 }], ['img-0012.jpg', { x: 0.1, y: 0.2, width: 0.25, height: 0.12 }]];
  for (const [photo, region] of marks) {
    const rows = run(photo, 'orbit', SCENE.period, region);
    const drift = rows.filter((r) => r.drift !== null).map((r) => r.drift!);
    assert.ok(drift.length > 0, `${photo}: never tracked (${[...new Set(rows.map((r) => r.reason))]})`);
    const lost = rows.filter((r) => r.visible && r.state !== 'tracking').length / rows.filter((r) => r.visible).length;
    assert.ok(pct(drift, 0.95) <= 12, `${photo}: drift p95 ${pct(drift, 0.95).toFixed(1)} px at 1280×720`);
    assert.ok(lost <= 0.05, `${photo}: lost in view ${(lost * 100).toFixed(1)} %`);
  }
});

test('the spot leaving the view is reported as out of view, and re-acquired at the right place when it returns', () => {
  const rows = run('img-0003.jpg', 'leave', 2 * SCENE.period - 10, { x: 0.3, y: 0.35, width: 0.15, height: 0.15 });
  const out = rows.filter((r) => r.outside);
  assert.ok(out.length > 20, 'the script takes the spot out of view');
  assert.ok(out.every((r) => r.state !== 'tracking'), 'never drawn while out of view');
  assert.ok(out.filter((r) => r.reason === 'out_of_view').length / out.length > 0.8, `reason out_of_view: ${[...new Set(out.map((r) => r.reason))]}`);
  const back = rows.slice(rows.lastIndexOf(out.at(-1)!) + 1);
  const firstTracked = back.findIndex((r) => r.state === 'tracking');
  assert.ok(firstTracked >= 0 && firstTracked < 15, `re-acquired ${firstTracked} frames after returning`);
  const drift = back.filter((r) => r.drift !== null).map((r) => r.drift!);
  assert.ok(pct(drift, 0.95) <= 12, `after re-acquisition drift p95 ${pct(drift, 0.95).toFixed(1)} px (a repeated texture must not shift it)`);
});

test('a frozen frame of something else is never anchored in this scene', () => {
  const rows = run('img-0003.jpg', 'orbit', 60, { x: 0.3, y: 0.35, width: 0.15, height: 0.15 }, 10, 'img-0030.jpg');
  assert.equal(rows.filter((r) => r.state === 'tracking').length, 0, 'no false anchor');
  assert.ok(rows.every((r) => r.reason === 'not_found'));
});

test('the frame code of the moving scene reads back at tracking size', () => {
  const photo = loadPhoto(PHOTOS + 'img-0003.jpg');
  for (const n of [0, 1, 77, 149]) assert.equal(readCode(grayFrame(cv, photo, n, W, H), W, H), n);
});
