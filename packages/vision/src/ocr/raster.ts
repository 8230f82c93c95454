/** Image decoding and pixel sampling used by the OCR pipeline. */
import sharp from 'sharp';
import type { RotatedRect } from './geometry.ts';

/** Packed 8-bit RGB pixels. */
export interface RasterImage {
  data: Buffer;
  width: number;
  height: number;
}

export class ImageDecodeError extends Error {
  readonly reason: 'unsupported_format' | 'corrupt' | 'too_large' | 'empty';
  constructor(reason: ImageDecodeError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
    this.reason = reason;
  }
}

/** Upper bound on decoded pixels, to refuse decompression bombs before decoding. */
const MAX_INPUT_PIXELS = 80_000_000;

/**
 * Decodes an image (JPEG, PNG, WebP, TIFF, GIF, AVIF…), applies its EXIF orientation and scales it so
 * that its longer side is at most `maxSide` (OCR gains nothing from more pixels than that).
 */
export async function decodeImage(input: Buffer, maxSide = 2048): Promise<RasterImage> {
  if (!input.length) throw new ImageDecodeError('empty', 'the file is empty');
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(msg)) throw new ImageDecodeError('too_large', `image is larger than ${MAX_INPUT_PIXELS} pixels`, { cause: err });
    if (looksLikeImage(input)) throw new ImageDecodeError('corrupt', `image is damaged: ${msg}`, { cause: err });
    throw new ImageDecodeError('unsupported_format', 'not a readable image (unsupported format)', { cause: err });
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError('corrupt', 'image has no dimensions');
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'none' })
      .rotate() // EXIF orientation
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new ImageDecodeError('corrupt', `image could not be decoded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Starts with the signature of a common image format (so a decoding failure means a damaged file). */
function looksLikeImage(b: Buffer): boolean {
  const hex = b.subarray(0, 12).toString('hex');
  const ascii = b.subarray(0, 12).toString('latin1');
  return (
    hex.startsWith('ffd8ff') || // JPEG
    hex.startsWith('89504e470d0a1a0a') || // PNG
    ascii.startsWith('GIF8') ||
    (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') ||
    hex.startsWith('49492a00') || hex.startsWith('4d4d002a') || // TIFF
    ascii.slice(4, 12) === 'ftypavif' || ascii.slice(4, 12) === 'ftypheic' ||
    ascii.startsWith('BM')
  );
}

/** Resizes to exactly width × height (aspect not kept). */
export async function resizeRaster(img: RasterImage, width: number, height: number): Promise<RasterImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize({ width, height, fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Rotates by a multiple of 90° clockwise. */
export async function rotateRaster(img: RasterImage, degrees: 90 | 180 | 270): Promise<RasterImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .rotate(degrees)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Samples the rotated rectangle `r` of `img` (bilinear, edges replicated) into `out` as a
 * normalised BGR planar tensor of size outH × outW, placed at column 0 of a plane `planeW` wide.
 * Normalisation: (v / 255 - mean) / std, per channel in B, G, R order.
 */
export function sampleRectToTensor(
  img: RasterImage,
  r: RotatedRect,
  out: Float32Array,
  offset: number,
  outW: number,
  outH: number,
  planeW: number,
  mean: [number, number, number],
  std: [number, number, number],
  flip = false,
): void {
  const { data, width, height } = img;
  const plane = outH * planeW;
  const ux = flip ? -r.ux : r.ux, uy = flip ? -r.uy : r.uy;
  const vx = -uy, vy = ux;
  const sx = r.width / outW, sy = r.height / outH;
  const x0 = r.cx - (r.width / 2) * ux - (r.height / 2) * vx;
  const y0 = r.cy - (r.width / 2) * uy - (r.height / 2) * vy;
  const sB = 1 / (255 * std[0]), sG = 1 / (255 * std[1]), sR = 1 / (255 * std[2]);
  const mB = mean[0] / std[0], mG = mean[1] / std[1], mR = mean[2] / std[2];
  for (let j = 0; j < outH; j++) {
    const dv = (j + 0.5) * sy;
    for (let i = 0; i < outW; i++) {
      const du = (i + 0.5) * sx;
      let x = x0 + du * ux + dv * vx - 0.5;
      let y = y0 + du * uy + dv * vy - 0.5;
      if (x < 0) x = 0; else if (x > width - 1) x = width - 1;
      if (y < 0) y = 0; else if (y > height - 1) y = height - 1;
      const xi = x | 0, yi = y | 0;
      const fx = x - xi, fy = y - yi;
      const xi1 = xi + 1 < width ? xi + 1 : xi;
      const yi1 = yi + 1 < height ? yi + 1 : yi;
      const p00 = (yi * width + xi) * 3, p10 = (yi * width + xi1) * 3;
      const p01 = (yi1 * width + xi) * 3, p11 = (yi1 * width + xi1) * 3;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      const R = data[p00] * w00 + data[p10] * w10 + data[p01] * w01 + data[p11] * w11;
      const G = data[p00 + 1] * w00 + data[p10 + 1] * w10 + data[p01 + 1] * w01 + data[p11 + 1] * w11;
      const B = data[p00 + 2] * w00 + data[p10 + 2] * w10 + data[p01 + 2] * w01 + data[p11 + 2] * w11;
      const o = offset + j * planeW + i;
      out[o] = B * sB - mB;
      out[o + plane] = G * sG - mG;
      out[o + 2 * plane] = R * sR - mR;
    }
  }
}
