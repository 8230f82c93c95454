/**
 * Privacy for exported stills: the faces (or, where no face is found, the heads of persons) of bystanders are blurred
 * in the copy that leaves the evidence store. The original is never changed: it stays under the evidence access rules.
 */
import sharp, { type OverlayOptions } from 'sharp';

export type Box = [number, number, number, number];

/**
 * Regions to blur: every face, and the upper fifth of every person without a face inside it (a head turned away is
 * still a person who can be recognised).
 */
export function privacyRegions(persons: Box[], faces: Box[]): Box[] {
  const out: Box[] = [...faces];
  for (const [x, y, w, h] of persons) {
    const hasFace = faces.some(([fx, fy, fw, fh]) => fx + fw / 2 >= x && fx + fw / 2 <= x + w && fy + fh / 2 >= y && fy + fh / 2 <= y + h);
    if (!hasFace) out.push([x, y, w, Math.max(1, Math.round(h / 5))]);
  }
  return out;
}

/** A JPEG copy of `image` with each region blurred beyond recognition (Gaussian σ scaled to the region). */
export async function blurRegions(image: Buffer, regions: Box[]): Promise<Buffer> {
  const base = sharp(image).rotate();
  const { width = 0, height = 0 } = await sharp(await base.clone().toBuffer()).metadata();
  const upright = await base.toBuffer();
  const overlays: OverlayOptions[] = [];
  for (const [x0, y0, w0, h0] of regions) {
    const left = Math.max(0, Math.floor(x0)), top = Math.max(0, Math.floor(y0));
    const w = Math.min(width - left, Math.ceil(w0)), h = Math.min(height - top, Math.ceil(h0));
    if (w < 2 || h < 2) continue;
    const sigma = Math.max(4, Math.min(w, h) / 6);
    const tile = await sharp(upright).extract({ left, top, width: w, height: h }).blur(sigma).toBuffer();
    overlays.push({ input: tile, left, top });
  }
  return sharp(upright).composite(overlays).jpeg({ quality: 90 }).toBuffer();
}
