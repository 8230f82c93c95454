// Measures AR anchoring in a live session (shared by the browser test and `npm run bench -- guidance`): the device's
// fake camera plays the moving scene (packages/media/src/testing/moving-scene.ts: a real cargo photo under a known pan,
// tilt and zoom, frame numbers drawn in); the inspector sends a drawing made on frame N0 of that scene; the camera
// page's tracker probe reports every tracked frame with its pixels, whose frame code gives the known truth.
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { applyH, invertH, multiplyH } from '../../../packages/media/src/anchor/homography.ts';
import { readCode, sceneH, SCENE } from '../../../packages/media/src/testing/moving-scene.ts';

export const ANCHOR_N0 = 20;
/** the marked spot: a circle on a marking of the photo (fractions of the frozen frame) */
export const ANCHOR_SPOT = { x: 0.375, y: 0.425, r: 0.06 };

/** Before the camera page loads: collect what the tracker reports, decoding the frame code in the page. */
export async function installAnchorProbe(device: Page): Promise<void> {
  await device.addInitScript(`window.__readCode = ${readCode.toString()};
    window.__anchor = [];
    window.rviAnchorProbe = (u, rgba, w, h) => { window.__anchor.push({ n: window.__readCode(rgba, w, h, 4), state: u.state, reason: u.reason, H: u.H, ms: u.ms }); };`);
}

export interface AnchorFigures { frames: number; driftP50: number; driftP95: number; lostPct: number; trackMsP50: number; consoleShapes: number }

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

/** Drift (px at 1280×720) and losses over what the probe collected since the drawing was sent. */
export async function anchorFigures(device: Page): Promise<AnchorFigures & { raw: number }> {
  const rows = (await device.evaluate(() => (window as unknown as { __anchor: { n: number | null; state: string; reason: string | null; H: number[] | null; ms: number }[] }).__anchor));
  const inv = invertH(sceneH(ANCHOR_N0))!;
  const drift: number[] = [], ms: number[] = [];
  let lost = 0, visible = 0, frames = 0;
  for (const r of rows) {
    ms.push(r.ms);
    if (r.n === null || r.n >= SCENE.period) continue; // a frame whose code did not read: no truth, not counted
    if (r.state === 'acquiring') continue; // finding the spot at first is not giving up on it
    frames++;
    const truth = applyH(multiplyH(sceneH(r.n), inv), ANCHOR_SPOT.x * SCENE.width, ANCHOR_SPOT.y * SCENE.height)!;
    const inView = truth[0] >= 0 && truth[1] >= 0 && truth[0] < SCENE.width && truth[1] < SCENE.height;
    if (inView) visible++;
    const q = r.H ? applyH(r.H, ANCHOR_SPOT.x, ANCHOR_SPOT.y) : null;
    if (q) drift.push(Math.hypot(q[0] * SCENE.width - truth[0], q[1] * SCENE.height - truth[1]));
    else if (inView && r.state === 'lost') lost++;
  }
  return { frames, raw: rows.length, driftP50: pct(drift, 0.5), driftP95: pct(drift, 0.95), lostPct: visible ? (100 * lost) / visible : NaN, trackMsP50: pct(ms, 0.5), consoleShapes: 0 };
}

/** Writes the moving scene as the fake camera's y4m and returns frame N0 as the JPEG the console would freeze and send. */
export async function anchorScene(y4m: string): Promise<string> {
  const { loadCv, writeSceneY4m } = await import('../../../packages/media/src/testing/moving-scene.ts');
  const { cv } = await loadCv();
  writeSceneY4m(cv, new URL('../../../../shared/data/cargo-markings/img-0003.jpg', import.meta.url).pathname, y4m);
  const jpeg = execFileSync('ffmpeg', ['-v', 'error', '-i', y4m, '-vf', `select=eq(n\\,${ANCHOR_N0}),scale=640:-2`, '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '4', '-']);
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/** The inspector sends a circle on the marked spot of frame N0 (as the console's DrawPad does, through the API). */
export async function sendAnchorDrawing(inspector: Page, sessionId: string, frameJpeg: string): Promise<void> {
  const status = await inspector.evaluate(async ({ sessionId, frameJpeg, spot }) => {
    const r = await fetch(`/api/sessions/${sessionId}/guidance`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'drawing', frameJpeg, frameWidth: 1280, frameHeight: 720, shapes: [{ type: 'circle', cx: spot.x, cy: spot.y, r: spot.r }], clientId: `draw-${Date.now()}` }) });
    return r.status;
  }, { sessionId, frameJpeg, spot: ANCHOR_SPOT });
  if (status >= 300) throw new Error(`drawing refused: HTTP ${status}`);
}
