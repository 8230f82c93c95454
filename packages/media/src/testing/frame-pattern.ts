// The frame-numbered test pattern shared by the browser page (which draws it into a canvas and publishes it) and
// Node (which renders the same frame as the reference and reads the number back from decoded video).
//
// Frame n = a texture (a photo, 2×W wide) panned left by (n * PAN_PX) mod W, with the frame number drawn over the top
// left corner as BITS black/white blocks (row 1) and their inverse (row 2). Everything is drawn at integer positions
// without scaling, so the canvas holds exactly what the reference computes; the number survives any encoder loss of
// detail (blocks are 48×32) and an ambiguous block is rejected, never guessed.

export const PATTERN = {
  width: 1280,
  height: 720,
  /** frame number bits (2^20 frames = 9.7 h at 30 fps) */
  bits: 20,
  blockW: 48,
  blockH: 32,
  /** horizontal pan per frame (px) */
  panPx: 4,
} as const;

export function panOffset(n: number, width: number = PATTERN.width): number {
  return (n * PATTERN.panPx) % width;
}

/** Block k of the number n: 1 = white in row 1 (black in row 2). Most significant bit first. */
export function bitOf(n: number, k: number): number {
  return Math.floor(n / 2 ** (PATTERN.bits - 1 - k)) % 2;
}
