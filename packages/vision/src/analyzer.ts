/**
 * One image in, readings out: decode (EXIF orientation applied), OCR, barcodes, field extraction.
 * Runs wherever it is created: inside a worker thread (see engine.ts) or in-process.
 */
import { readBarcodes, type BarcodeReading } from './barcodes.ts';
import { extractFields, roundQuad, rowsForOutput, type ExtractedFields } from './extract.ts';
import type { Quad } from './ocr/geometry.ts';
import { PaddleOcr, type OcrLine, type OcrOptions } from './ocr/paddle.ts';
import { decodeImage, ImageDecodeError, rotateRaster, type RasterImage } from './ocr/raster.ts';

export interface ReadOptions {
  /** Skip barcode / QR decoding (saves time on frames known to carry none). */
  barcodes?: boolean;
  /** Longer side of the text detection input; more finds smaller text, costs time. */
  detMaxSide?: number;
}

export interface OutputLine {
  text: string;
  confidence: number;
  box: Quad;
}

export interface VisionReading {
  width: number;
  height: number;
  /** Verified ISO 6346 numbers (check digit holds), most confident first. */
  containerNumbers: string[];
  /** Container-number-like readings whose check digit fails or is missing; never to be trusted as numbers. */
  unverifiedContainerNumbers: string[];
  sizeType: string | null;
  sealNumbers: string[];
  /** ISO 3166-1 alpha-2. */
  origin: string | null;
  quantity: { value: number; unit: string | null } | null;
  netWeightKg: number | null;
  grossWeightKg: number | null;
  /** HS code as 6 digits (HS6), or 4 when only the heading is printed. */
  hsCode: string | null;
  barcodes: BarcodeReading[];
  lines: OutputLine[];
  /** Every field with its confidence and evidence (text + box), for overlays and suggested findings. */
  fields: ExtractedFields;
  /** Which OCR model produced this, stored with readings so they can be audited. */
  model: string;
  /** Degrees the image was turned before reading (0 unless it was found to be on its side). */
  rotation: 0 | 90 | 180 | 270;
  timingsMs: { decode: number; ocr: number; barcodes: number; total: number };
}

/**
 * Text detection input size. Labels and container markings are large; 640 px found every field in the
 * shared set and in blurred / shrunk / rotated variants of it, at about half the cost of 960 px.
 */
const DEFAULT_DET_MAX_SIDE = 640;

export class VisionAnalyzer {
  private constructor(private readonly ocr: PaddleOcr) {}

  static async create(options: { threads?: number } = {}): Promise<VisionAnalyzer> {
    return new VisionAnalyzer(await PaddleOcr.load(undefined, options.threads));
  }

  /** @throws ImageDecodeError when the bytes are not a readable image. */
  async analyze(input: Buffer, options: ReadOptions = {}): Promise<VisionReading> {
    const t0 = performance.now();
    let img = await decodeImage(input);
    const t1 = performance.now();
    const ocrOptions: OcrOptions = { detMaxSide: options.detMaxSide ?? DEFAULT_DET_MAX_SIDE };
    let lines = await this.ocr.read(img, ocrOptions);
    // Nothing found at the default scale: the text may be small in a large photo.
    if (lines.length === 0 && Math.max(img.width, img.height) > ocrOptions.detMaxSide! * 1.3) {
      ocrOptions.detMaxSide = Math.min(1600, Math.max(img.width, img.height));
      lines = await this.ocr.read(img, ocrOptions);
    }
    let rotation: VisionReading['rotation'] = 0;
    // A photo taken on its side: most text boxes are vertical. Turn the image and read again.
    if (isMostlyVertical(lines)) {
      const candidates: Array<{ deg: 90 | 270; img: RasterImage; lines: OcrLine[] }> = [];
      for (const deg of [90, 270] as const) {
        const turned = await rotateRaster(img, deg);
        candidates.push({ deg, img: turned, lines: await this.ocr.read(turned, ocrOptions) });
      }
      const best = candidates.sort((a, b) => score(b.lines) - score(a.lines))[0];
      if (score(best.lines) > score(lines)) {
        img = best.img;
        lines = best.lines;
        rotation = best.deg;
      }
    }
    const fields = await extractFields(lines, async (rects) => {
      const res = await this.ocr.recognize(img, rects.map((rect) => ({ rect })));
      return res.map((r) => ({ text: r.text, confidence: r.confidence }));
    });
    const t2 = performance.now();
    const barcodes = options.barcodes === false ? [] : await readBarcodes(img).catch(() => []);
    const t3 = performance.now();
    return {
      width: img.width,
      height: img.height,
      containerNumbers: fields.containerNumbers.map((c) => c.code),
      unverifiedContainerNumbers: fields.unverifiedContainerNumbers.map((c) => c.text),
      sizeType: fields.sizeType?.code ?? null,
      sealNumbers: fields.sealNumbers.map((s) => s.value),
      origin: fields.origin?.country ?? null,
      quantity: fields.quantity ? { value: fields.quantity.value, unit: fields.quantity.unit } : null,
      netWeightKg: fields.netWeight?.kg ?? null,
      grossWeightKg: fields.grossWeight?.kg ?? null,
      hsCode: fields.hsCode?.hs6 ?? null,
      barcodes: barcodes.map((b) => ({ ...b, box: roundQuad(b.box) })),
      lines: rowsForOutput(lines),
      fields,
      model: PaddleOcr.modelVersion,
      rotation,
      timingsMs: { decode: ms(t1 - t0), ocr: ms(t2 - t1), barcodes: ms(t3 - t2), total: ms(t3 - t0) },
    };
  }
}

function ms(n: number): number {
  return Math.round(n * 10) / 10;
}

function score(lines: OcrLine[]): number {
  return lines.reduce((s, l) => s + l.confidence * l.text.length, 0);
}

function isMostlyVertical(lines: OcrLine[]): boolean {
  const meaningful = lines.filter((l) => l.text.length >= 3);
  if (meaningful.length < 2) return false;
  const vertical = meaningful.filter((l) => Math.abs(l.rect.uy) > Math.abs(l.rect.ux));
  return vertical.length / meaningful.length > 0.5;
}

export { ImageDecodeError };
