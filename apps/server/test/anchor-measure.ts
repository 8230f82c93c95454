// Measures AR anchoring in a live session (shared by the browser test and `npm run bench -- guidance`): the device's
// fake camera plays the moving scene (packages/media/src/testing/moving-scene.ts: a real cargo photo under a known pan,
// tilt and zoom, frame numbers drawn in); the inspector sends a drawing made on frame N0 of that scene; the camera
// page's tracker probe reports every tracked frame with its pixels, whose frame code gives the known truth.
import type { Page } from 'playwright-core';
import { applyH, invertH, multiplyH } from '../../../packages/media/src/anchor/homography.ts';
import { readCode, sceneH, SCENE } from '../../../packages/media/src/testing/moving-scene.ts';

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
export async function anchorFigures(device: Page, n0: number): Promise<AnchorFigures & { raw: number }> {
  const rows = (await device.evaluate(() => (window as unknown as { __anchor: { n: number | null; state: string; reason: string | null; H: number[] | null; ms: number }[] }).__anchor));
  const inv = invertH(sceneH(n0))!;
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

/** Writes the moving scene as the fake camera's y4m. */
export async function anchorScene(y4m: string): Promise<void> {
  const { loadCv, writeSceneY4m } = await import('../../../packages/media/src/testing/moving-scene.ts');
  const { cv } = await loadCv();
  writeSceneY4m(cv, new URL('../../../../shared/data/cargo-markings/img-0003.jpg', import.meta.url).pathname, y4m);
}

/**
 * The inspector freezes the frame the console's live video shows now (as DrawPad's freezeFrame does: a JPEG ≤ 640 px
 * wide of the decoded WebRTC frame) and sends a circle on the marked spot through the API. Returns which scene frame
 * was frozen (its frame code, read from the console's own decoded picture): the truth is relative to it.
 */
export async function sendAnchorDrawing(inspector: Page, sessionId: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // freeze: the JPEG to send and the bottom rows of the same picture (the frame code), read back here
    const f = await inspector.evaluate(() => {
      const v = document.querySelector('[data-testid="session-video"]') as HTMLVideoElement;
      const c = document.createElement('canvas');
      c.width = 640;
      c.height = Math.round((640 * v.videoHeight) / v.videoWidth);
      const ctx = c.getContext('2d')!;
      ctx.drawImage(v, 0, 0, c.width, c.height);
      const rows = 24;
      return { jpeg: c.toDataURL('image/jpeg', 0.75), w: c.width, h: c.height, rows, bottom: Array.from(ctx.getImageData(0, c.height - rows, c.width, rows).data), vw: v.videoWidth, vh: v.videoHeight };
    });
    const full = new Uint8Array(f.w * f.h * 4);
    full.set(f.bottom, (f.h - f.rows) * f.w * 4);
    const n = readCode(full, f.w, f.h, 4);
    if (n === null) {
      await new Promise((res) => setTimeout(res, 100));
      continue;
    }
    const status = await inspector.evaluate(async ({ sessionId, spot, jpeg, vw, vh }) => (await fetch(`/api/sessions/${sessionId}/guidance`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'drawing', frameJpeg: jpeg, frameWidth: vw, frameHeight: vh, shapes: [{ type: 'circle', cx: spot.x, cy: spot.y, r: spot.r }], clientId: `draw-${Date.now()}` }),
    })).status, { sessionId, spot: ANCHOR_SPOT, jpeg: f.jpeg, vw: f.vw, vh: f.vh });
    if (status >= 300) throw new Error(`drawing refused: HTTP ${status}`);
    return n;
  }
  throw new Error('the frame code of the console video did not read');
}
