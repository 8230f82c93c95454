/**
 * One image in, readings out: decode (EXIF orientation applied), OCR, barcodes, field extraction.
 * Runs wherever it is created: inside a worker thread (see engine.ts) or in-process.
 */
import sharp from 'sharp';
import { BarcodeReader, type BarcodeReading } from './barcodes.ts';
import { extractFields, roundQuad, rowsForOutput, type ExtractedFields } from './extract.ts';
import { hasHsLabel } from './parsers/hscode.ts';
import { hasOriginMarker } from './parsers/origin.ts';
import { findSealLabel } from './parsers/seal.ts';
import { rectCorners, type Point, type Quad, type RotatedRect } from './ocr/geometry.ts';
import { PaddleOcr, type OcrLine, type OcrOptions } from './ocr/paddle.ts';
import { decodeImage, ImageDecodeError, resizeRaster, rotateRaster, type RasterImage } from './ocr/raster.ts';
import { composeStackLine, cutStack, findStackColumns } from './ocr/stacks.ts';
import type { DetectedFace, DetectedObject } from './objects/detector.ts';
import { RemoteObjectDetector } from './objects/remote.ts';

export interface ReadOptions {
  /** Skip barcode / QR decoding (saves time on frames known to carry none). */
  barcodes?: boolean;
  /** Longer side of the text detection input; more finds smaller text, costs time. */
  detMaxSide?: number;
  /** Run the object detector (goods, persons; faces where persons are seen). Default true when it is loaded. */
  objects?: boolean;
}

export interface OutputLine {
  text: string;
  confidence: number;
  box: Quad;
}

export interface VisionReading {
  /** Size of the image as read (after its EXIF orientation); every box is in these pixels. */
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
  /** Clockwise turn (degrees) the text needed to be upright: 90 / 270 for a photo taken on its side. */
  rotation: 0 | 90 | 270;
  /** What is in view (COCO classes, CenterNet), most confident first; boxes [x, y, w, h] in image pixels. */
  objects: DetectedObject[];
  /** Faces (BlazeFace), looked for when a person is in view: what an exported still blurs. */
  faces: DetectedFace[];
  /**
   * Milliseconds. `total`: until this reading was complete; a label reading (analyzeLabels) is complete without its
   * objects (`objects` 0 there), a full reading (analyze) includes the wait for them.
   */
  timingsMs: { decode: number; ocr: number; barcodes: number; objects: number; total: number };
}

/**
 * What the object detector saw in one image (boxes in the image's pixels); `ms` from the end of the label reading to the
 * objects (the wait for the label path to be idle included).
 */
export interface ObjectsResult {
  objects: DetectedObject[];
  faces: DetectedFace[];
  ms: number;
}

const NO_OBJECTS: ObjectsResult = { objects: [], faces: [], ms: 0 };

/** A label reading completed with its objects; `totalMs` from the start of the reading to the objects. */
export function withObjects(reading: VisionReading, found: ObjectsResult, totalMs: number): VisionReading {
  return { ...reading, objects: found.objects, faces: found.faces, timingsMs: { ...reading.timingsMs, objects: ms(found.ms), total: ms(totalMs) } };
}

/**
 * Text detection input size. Labels and container markings are large: 512 px found every field in the
 * shared set and in blurred / shrunk / turned variants of it (as did 640 and 960), at ~80% of the time
 * of 640 px. Images with loose ends (a number that does not verify, a label without its value) get a
 * second, finer look.
 */
const DEFAULT_DET_MAX_SIDE = 512;

export class VisionAnalyzer {
  private readonly barcodeReader = new BarcodeReader();

  private constructor(private readonly ocr: PaddleOcr, private readonly detector: RemoteObjectDetector | null) {}

  static async create(options: { threads?: number; warm?: boolean; objects?: boolean } = {}): Promise<VisionAnalyzer> {
    const [ocr, detector] = await Promise.all([PaddleOcr.load(undefined, options.threads), options.objects === false ? null : RemoteObjectDetector.start()]);
    const analyzer = new VisionAnalyzer(ocr, detector);
    if (options.warm !== false) await analyzer.warmUp();
    return analyzer;
  }

  /**
   * One reading of a generated door before the first real one: onnxruntime sizes its buffers and the JIT compiles the
   * pre/post-processing on the first run (measured: the first reading of a session took seconds, later ones a fraction),
   * so the inspector's first live reading is as fast as the later ones.
   */
  async warmUp(): Promise<void> {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800"><rect width="600" height="800" fill="#1f4e8c"/>` +
      `<text x="250" y="130" font-family="DejaVu Sans Mono" font-weight="bold" font-size="36" fill="#eee">MSCU 123456 5</text>` +
      `<text x="350" y="180" font-family="DejaVu Sans Mono" font-weight="bold" font-size="36" fill="#eee">45G1</text></svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg().toBuffer();
    await this.analyze(jpeg, { barcodes: true });
  }

  /**
   * The whole reading, objects included (waits for the object detector). The CLI's and the live reader's call.
   * @throws ImageDecodeError when the bytes are not a readable image.
   */
  async analyze(input: Buffer, options: ReadOptions = {}): Promise<VisionReading> {
    const t0 = performance.now();
    const { reading, objects } = await this.analyzeLabels(input, options);
    return withObjects(reading, await objects, performance.now() - t0);
  }

  /**
   * Labels first: the text reading (numbers, seals, marks, barcodes) as soon as it is done, with `objects`/`faces`
   * empty, and the object detection as a promise of its own. The detector (CenterNet, ~300 ms of CPU a photo, more than
   * the whole OCR) starts only once no label reading is running on this analyzer, so it never slows the reading an
   * inspector waits for; a detector that failed rejects `objects` only.
   * @throws ImageDecodeError when the bytes are not a readable image.
   */
  async analyzeLabels(input: Buffer, options: ReadOptions = {}): Promise<{ reading: VisionReading; objects: Promise<ObjectsResult> }> {
    this.labelsRunning++;
    try {
      const t0 = performance.now();
      const img = await decodeImage(input);
      const reading = await this.readLabels(img, options, t0);
      const tLabels = performance.now();
      const objects = this.detector && options.objects !== false
        ? this.whenLabelsIdle().then(() => this.detectObjects(img)).then((r) => ({ ...r, ms: performance.now() - tLabels }))
        : Promise.resolve(NO_OBJECTS);
      // a caller that wants only the labels may drop it; close() waits for it
      const settled = objects.then(() => undefined, () => undefined);
      this.objectsInFlight.add(settled);
      void settled.then(() => this.objectsInFlight.delete(settled));
      return { reading, objects };
    } finally {
      this.labelsRunning--;
      if (this.labelsRunning === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private labelsRunning = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly objectsInFlight = new Set<Promise<void>>();

  /** Resolves once no label reading runs (checked after a turn of the event loop, so the next queued image goes first). */
  private async whenLabelsIdle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.labelsRunning > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async readLabels(img: RasterImage, options: ReadOptions, t0: number): Promise<VisionReading> {
    const t1 = performance.now();
    // Barcodes are decoded on their own thread while the OCR runs.
    const wantBarcodes = options.barcodes !== false;
    let barcodesDone = 0;
    let barcodes = wantBarcodes ? this.barcodeReader.read(img).finally(() => (barcodesDone = performance.now())) : Promise.resolve([]);

    const ocrOptions: OcrOptions = { detMaxSide: options.detMaxSide ?? DEFAULT_DET_MAX_SIDE };
    let lines = await this.ocr.read(img, ocrOptions);
    // Nothing found at the default scale: the text may be small in a large photo.
    if (lines.length === 0 && Math.max(img.width, img.height) > ocrOptions.detMaxSide! * 1.3) {
      ocrOptions.detMaxSide = Math.min(1600, Math.max(img.width, img.height));
      lines = await this.ocr.read(img, ocrOptions);
    }
    let rotation: VisionReading['rotation'] = 0;
    // A photo taken on its side: most text boxes are vertical. Read it turned upright, then map the
    // boxes back, so that everything stays in the coordinates of the image as given.
    if (isMostlyVertical(lines)) {
      let best: { deg: 90 | 270; lines: OcrLine[] } | null = null;
      for (const deg of [90, 270] as const) {
        const turned = await rotateRaster(img, deg);
        const read = await this.ocr.read(turned, ocrOptions);
        if (!best || score(read) > score(best.lines)) best = { deg, lines: read.map((l) => unturnLine(l, deg, img.width, img.height)) };
      }
      if (best && score(best.lines) > score(lines)) {
        lines = best.lines;
        rotation = best.deg;
        // Linear barcodes on a sideways photo need the rotated scan.
        if (wantBarcodes) barcodes = barcodes.then((found) => (found.length ? found : this.barcodeReader.read(img, { tryRotate: true })));
      }
    }
    // Characters stacked down a door post, read as one line.
    if (rotation === 0) lines = [...lines, ...(await this.readStacks(img, lines))];
    const reread = async (rects: RotatedRect[]) => {
      const res = await this.ocr.recognize(img, rects.map((rect) => ({ rect })));
      return res.map((r) => ({ text: r.text, confidence: r.confidence }));
    };
    let fields = await extractFields(lines, reread);
    // Partial evidence (a container number that does not verify, a label without its value): look
    // again with a finer text detection, and keep whichever reading verified more.
    const finer = Math.min(1280, Math.max(img.width, img.height));
    if (rotation === 0 && finer > ocrOptions.detMaxSide! * 1.25 && hasLooseEnds(fields, lines)) {
      let again = await this.ocr.read(img, { ...ocrOptions, detMaxSide: finer });
      again = [...again, ...(await this.readStacks(img, again))];
      const second = await extractFields(again, reread);
      if (fieldCount(second) > fieldCount(fields)) {
        fields = second;
        lines = again;
      }
    }
    const t2 = performance.now();
    const codes = await barcodes.catch(() => [] as BarcodeReading[]);
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
      barcodes: codes.map((b) => ({ ...b, box: roundQuad(b.box) })),
      lines: rowsForOutput(lines),
      fields,
      model: PaddleOcr.modelVersion,
      rotation,
      objects: [],
      faces: [],
      // Barcode time: how long decoding took on its thread (it overlaps the OCR), and the wait after.
      timingsMs: { decode: ms(t1 - t0), ocr: ms(t2 - t1), barcodes: ms(barcodesDone ? barcodesDone - t1 : t3 - t2), objects: 0, total: ms(t3 - t0) },
    };
  }

  /**
   * Columns of upright characters (a number down a door post) found among the detected boxes, each cut into its
   * characters and read as one horizontal line; the reading is placed on the column (read top to bottom).
   */
  private async readStacks(img: RasterImage, lines: OcrLine[]): Promise<OcrLine[]> {
    const out: OcrLine[] = [];
    // Pieces of one column found apart cut into the same stack: the one with the most characters is read.
    const stacks = findStackColumns(lines, img.width).map((c) => cutStack(img, c)).filter((s) => s !== null).sort((a, b) => b.cells.length - a.cells.length);
    const kept: typeof stacks = [];
    for (const s of stacks) if (!kept.some((k) => k.bounds.x0 < s.bounds.x1 && s.bounds.x0 < k.bounds.x1 && k.bounds.y0 < s.bounds.y1 && s.bounds.y0 < k.bounds.y1)) kept.push(s);
    for (const stack of kept) {
      const line = composeStackLine(img, stack);
      const [read] = await this.ocr.recognize(line, [{ rect: { cx: line.width / 2, cy: line.height / 2, width: line.width, height: line.height, ux: 1, uy: 0 } }]);
      if (read.text.replace(/[^0-9A-Za-z]/g, '').length < 4) continue;
      out.push({ text: read.text, confidence: read.confidence, chars: [], steps: read.steps, rect: stack.rect, box: rectCorners(stack.rect) });
    }
    return out;
  }

  /**
   * Objects on a 512×512 copy (the detector's input size), boxes scaled back; faces only where a person is seen. The
   * detector runs on its own thread: its wasm kernels are synchronous and, on this one, held up the OCR.
   */
  private async detectObjects(img: RasterImage): Promise<ObjectsResult> {
    const t0 = performance.now();
    const small = await resizeRaster(img, 512, 512);
    const sx = img.width / 512, sy = img.height / 512;
    const scale = ([x, y, w, h]: [number, number, number, number]): [number, number, number, number] => [Math.round(x * sx), Math.round(y * sy), Math.round(w * sx), Math.round(h * sy)];
    const found = await this.detector!.detect(small);
    return { objects: found.objects.map((o) => ({ ...o, box: scale(o.box) })), faces: found.faces.map((f) => ({ ...f, box: scale(f.box) })), ms: performance.now() - t0 };
  }

  /** Frees the models once the object detections already asked for have ended. */
  async close(): Promise<void> {
    await Promise.all([...this.objectsInFlight]);
    await Promise.all([this.barcodeReader.close(), this.ocr.release(), this.detector?.close()]);
  }
}

function ms(n: number): number {
  return Math.round(n * 10) / 10;
}

function score(lines: OcrLine[]): number {
  return lines.reduce((s, l) => s + l.confidence * l.text.length, 0);
}

/** Number of fields read (verified container numbers count double: they are what inspections hinge on). */
function fieldCount(f: ExtractedFields): number {
  return 2 * f.containerNumbers.length + f.sealNumbers.length + [f.origin, f.quantity, f.netWeight, f.grossWeight, f.hsCode].filter(Boolean).length;
}

/** Something was half read: worth a second, finer look. */
function hasLooseEnds(f: ExtractedFields, lines: OcrLine[]): boolean {
  if (f.unverifiedContainerNumbers.length && !f.containerNumbers.length) return true;
  const texts = lines.map((l) => l.text);
  if (!f.sealNumbers.length && texts.some((t) => findSealLabel(t))) return true;
  if (!f.hsCode && texts.some(hasHsLabel)) return true;
  if (!f.origin && texts.some(hasOriginMarker)) return true;
  return false;
}

function isMostlyVertical(lines: OcrLine[]): boolean {
  const meaningful = lines.filter((l) => l.text.length >= 3);
  if (meaningful.length < 2) return false;
  const vertical = meaningful.filter((l) => Math.abs(l.rect.uy) > Math.abs(l.rect.ux));
  return vertical.length / meaningful.length > 0.5;
}

/**
 * A point of an image turned clockwise by `deg` (as sharp's rotate does), mapped back to the image
 * before turning (`width` × `height`).
 */
export function unturnPoint([x, y]: Point, deg: 90 | 270, width: number, height: number): Point {
  return deg === 90 ? [y, height - x] : [width - y, x];
}

function unturnLine(l: OcrLine, deg: 90 | 270, width: number, height: number): OcrLine {
  const [cx, cy] = unturnPoint([l.rect.cx, l.rect.cy], deg, width, height);
  // Directions turn back by -deg: (ux, uy) → (uy, -ux) for 90°, (-uy, ux) for 270°.
  const [ux, uy] = deg === 90 ? [l.rect.uy, -l.rect.ux] : [-l.rect.uy, l.rect.ux];
  const rect: RotatedRect = { ...l.rect, cx, cy, ux, uy };
  return { ...l, rect, box: rectCorners(rect) };
}

export { ImageDecodeError };
