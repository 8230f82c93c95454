/**
 * Object recognition of the goods in view: CenterNet (MobileNetV3 backbone, 80 COCO classes, 512×512 input) shipped
 * as a TensorFlow.js graph model inside `@vladmandic/human`, run offline on `@tensorflow/tfjs-backend-wasm` (the
 * wasm binaries ship in that package; `tfjs-node` would download libtensorflow and cannot install here). Faces for
 * privacy blurring come from BlazeFace, shipped in the same package.
 *
 * One detector per thread (tfjs keeps a global backend); the vision worker holds it next to the OCR models.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { RasterImage } from '../ocr/raster.ts';

/** COCO-80 labels in the model's class order (as `@vladmandic/human` lists them). */
export const COCO_CLASSES = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant',
  'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
  'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork',
  'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut',
  'cake', 'chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
  'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
] as const;

export interface DetectedObject {
  class: string;
  score: number;
  /** [x, y, width, height] in pixels of the image as given. */
  box: [number, number, number, number];
}

export interface DetectedFace {
  score: number;
  box: [number, number, number, number];
}

export interface ObjectDetectorOptions {
  /** Detections below this score are dropped (Human's default 0.2 keeps too many guesses for a finding). */
  minScore?: number;
  maxDetections?: number;
  iouThreshold?: number;
  /** wasm threads (SharedArrayBuffer); default 1 — the OCR sessions use the other core. */
  threads?: number;
}

export const OBJECT_MODEL_VERSION = 'CenterNet-MobileNetV3-COCO80(@vladmandic/human 3.3)';

/** Folder of an installed package (its exports hide package.json): walk up from its entry point. */
function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
  return dir;
}

function modelsDir(): string {
  return join(packageDir('@vladmandic/human'), 'models');
}

async function loadModel(file: string): Promise<GraphModel> {
  const dir = modelsDir();
  const json = JSON.parse(await readFile(join(dir, file), 'utf8'));
  const manifest = json.weightsManifest as Array<{ paths: string[]; weights: unknown[] }>;
  const buffers = await Promise.all(manifest.flatMap((m) => m.paths).map((p) => readFile(join(dir, p))));
  const total = Buffer.concat(buffers);
  const weightData = total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength);
  return loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
      weightSpecs: manifest.flatMap((m) => m.weights) as never,
      weightData,
    }),
  });
}

let backendReady: Promise<void> | null = null;
function initBackend(threads: number): Promise<void> {
  backendReady ??= (async () => {
    const dist = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/';
    setWasmPaths(dist);
    setThreadsCount(threads);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return backendReady;
}

export class ObjectDetector {
  private constructor(private readonly model: GraphModel, private readonly faces: GraphModel | null, private readonly opts: Required<Omit<ObjectDetectorOptions, 'threads'>>) {}

  static async load(options: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
    await initBackend(options.threads ?? 1);
    const [model, faces] = await Promise.all([loadModel('centernet.json'), loadModel('blazeface.json')]);
    const d = new ObjectDetector(model, faces, { minScore: options.minScore ?? 0.3, maxDetections: options.maxDetections ?? 50, iouThreshold: options.iouThreshold ?? 0.4 });
    // First run compiles the kernels: done here, not on the inspector's first snapshot.
    await d.detect({ data: Buffer.alloc(64 * 64 * 3, 128), width: 64, height: 64 });
    await d.detectFaces({ data: Buffer.alloc(64 * 64 * 3, 128), width: 64, height: 64 });
    return d;
  }

  /** Objects in view, most confident first; boxes in pixels of `img`. */
  async detect(img: RasterImage): Promise<DetectedObject[]> {
    const size = 512;
    const input = tf.tidy(() => {
      const t = tf.tensor3d(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), [img.height, img.width, 3], 'int32');
      return tf.image.resizeBilinear(tf.expandDims(tf.cast(t, 'float32'), 0) as tf.Tensor4D, [size, size]);
    });
    const out = this.model.execute(input, ['tower_0/detections']) as tf.Tensor;
    input.dispose();
    const det = (await out.array()) as number[][][];
    const boxes = tf.tensor2d(det[0].map(([x1, y1, x2, y2]) => [y1, x1, y2, x2]));
    const scores = tf.tensor1d(det[0].map((d) => d[4]));
    const keep = await tf.image.nonMaxSuppressionAsync(boxes, scores, this.opts.maxDetections, this.opts.iouThreshold, this.opts.minScore);
    const idx = Array.from(await keep.data());
    tf.dispose([out, boxes, scores, keep]);
    const sx = img.width / size, sy = img.height / size;
    const found: DetectedObject[] = [];
    for (const i of idx) {
      const [x1, y1, x2, y2, score, cls] = det[0][i];
      const label = COCO_CLASSES[Math.round(cls)];
      if (!label || !Number.isFinite(score)) continue;
      const x = Math.max(0, x1 * sx), y = Math.max(0, y1 * sy);
      const w = Math.min(img.width, x2 * sx) - x, h = Math.min(img.height, y2 * sy) - y;
      if (w <= 1 || h <= 1) continue;
      found.push({ class: label, score: Math.round(score * 1000) / 1000, box: [Math.round(x), Math.round(y), Math.round(w), Math.round(h)] });
    }
    return found.sort((a, b) => b.score - a.score);
  }

  /**
   * Faces (BlazeFace, 256×256 "back" model as Human ships it), for blurring bystanders in exported stills. Boxes are
   * grown by a fifth on each side: the blur must cover hair and ears too.
   */
  async detectFaces(img: RasterImage, minScore = 0.5): Promise<DetectedFace[]> {
    if (!this.faces) return [];
    const inputShape = this.faces.inputs[0].shape ?? [1, 256, 256, 3];
    const size = inputShape[1] && inputShape[1] > 0 ? inputShape[1] : 256;
    const input = tf.tidy(() => {
      const t = tf.tensor3d(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), [img.height, img.width, 3], 'int32');
      const r = tf.image.resizeBilinear(tf.expandDims(tf.cast(t, 'float32'), 0) as tf.Tensor4D, [size, size]);
      return tf.sub(tf.div(r, 127.5), 1);
    });
    const res = this.faces.execute(input) as tf.Tensor | tf.Tensor[];
    input.dispose();
    const out = Array.isArray(res) ? res : [res];
    // Outputs per anchor layer: regressors [1, n, 16] (box + 6 keypoints) and logits [1, n, 1]; the stride-16 layer
    // (more anchors) comes first in the anchor order.
    const byCount = (a: tf.Tensor, b: tf.Tensor) => (b.shape[1] ?? 0) - (a.shape[1] ?? 0);
    const regs = out.filter((o) => o.shape[o.shape.length - 1] === 16).sort(byCount);
    const logits = out.filter((o) => o.shape[o.shape.length - 1] === 1).sort(byCount);
    if (!regs.length || regs.length !== logits.length) {
      tf.dispose(out);
      return [];
    }
    const t = tf.tidy(() => tf.concat([tf.concat(regs, 1), tf.concat(logits, 1)], 2));
    const raw = (await t.array()) as number[][][];
    tf.dispose([...out, t]);
    const rows = raw[0];
    const anchors = blazeAnchors(size, rows.length);
    if (!anchors) return [];
    const boxes: number[][] = [], scores: number[] = [];
    rows.forEach((r, i) => {
      const score = 1 / (1 + Math.exp(-r[r.length - 1]));
      if (score < minScore) return;
      const [ax, ay] = anchors[i];
      const cx = ax + r[0] / size, cy = ay + r[1] / size, w = r[2] / size, h = r[3] / size;
      boxes.push([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2]);
      scores.push(score);
    });
    if (!boxes.length) return [];
    const bt = tf.tensor2d(boxes), st = tf.tensor1d(scores);
    const keep = await tf.image.nonMaxSuppressionAsync(bt, st, 20, 0.3, minScore);
    const idx = Array.from(await keep.data());
    tf.dispose([bt, st, keep]);
    return idx.map((i) => {
      const [y1, x1, y2, x2] = boxes[i];
      const gw = (x2 - x1) * 0.2, gh = (y2 - y1) * 0.2;
      const x = Math.max(0, (x1 - gw) * img.width), y = Math.max(0, (y1 - gh) * img.height);
      const w = Math.min(img.width, (x2 + gw) * img.width) - x, h = Math.min(img.height, (y2 + gh) * img.height) - y;
      return { score: Math.round(scores[i] * 1000) / 1000, box: [Math.round(x), Math.round(y), Math.round(w), Math.round(h)] as [number, number, number, number] };
    });
  }
}

/**
 * BlazeFace anchors (the MediaPipe SSD layout): strides 16 and 32 for the 128 px front model (2 and 6 anchors per
 * cell, 896 in all), strides 16/32/32/32 for the 256 px back model (2304 + 576×… ): built for whichever count the
 * model answers, or null when the layout is not one of these.
 */
function blazeAnchors(size: number, count: number): Array<[number, number]> | null {
  const layouts: Array<Array<[number, number]>> = [
    [[16, 2], [32, 6]],
    [[16, 2], [32, 2], [32, 2], [32, 2]],
    [[8, 2], [16, 6]],
  ];
  for (const layout of layouts) {
    const out: Array<[number, number]> = [];
    for (const [stride, per] of layout) {
      const n = Math.ceil(size / stride);
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) for (let k = 0; k < per; k++) out.push([(x + 0.5) / n, (y + 0.5) / n]);
    }
    if (out.length === count) return out;
  }
  return null;
}
