/**
 * Where the milliseconds of one reading go: decode, text detection (resize + tensor, network, DB post-processing),
 * recognition (crop sampling, network, CTC), direction classifier, and the rest (field extraction, stacks, merging).
 * Runs the analyzer in-process over the real container photos (and optionally 12 MP copies of some), with the
 * PaddleOcr methods and onnxruntime's run wrapped in timers.
 *   node --import tsx bench/vision/profile.ts [--no-objects] [--no-barcodes] [--12mp] [--repeat N] [--verbose]
 * Wall-clock figures on a shared machine: the load average is printed with them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { VisionAnalyzer } from '../../packages/vision/src/analyzer.ts';
import { PaddleOcr } from '../../packages/vision/src/ocr/paddle.ts';
import { sharedDataDir } from '../../packages/vision/src/testing/shared-data.ts';

const args = process.argv.slice(2);
const objects = !args.includes('--no-objects');
const barcodes = !args.includes('--no-barcodes');
const big = args.includes('--12mp');
const verbose = args.includes('--verbose');
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

type Bucket = 'detect' | 'recognize' | 'classify' | 'run:det' | 'run:rec' | 'run:cls';
let acc: Record<string, number> = {};
let counts: Record<string, number> = {};
const add = (k: string, ms: number, n = 1) => {
  acc[k] = (acc[k] ?? 0) + ms;
  counts[k] = (counts[k] ?? 0) + n;
};

// Wrap the OCR's methods. Nested calls (read → detect / recognize) are counted in each, so only leaves are summed.
const proto = PaddleOcr.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
for (const [name, bucket] of [['detect', 'detect'], ['recognize', 'recognize'], ['classifyUpsideDown', 'classify']] as Array<[string, Bucket]>) {
  const orig = proto[name];
  proto[name] = async function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    try {
      return await orig.apply(this, a);
    } finally {
      add(bucket, performance.now() - t);
      if (name === 'recognize') {
        // Own width of each line (as recognize computes it) by kind of call: first reading (squeezed), flipped, other.
        const rects = a[1] as Array<{ rect: { width: number; height: number }; flip?: boolean }>;
        const squeeze = (a[2] as number | undefined) ?? 1;
        const kind = rects.some((r) => r.flip) ? 'flip' : squeeze < 1 ? 'first' : 'reread';
        add('rec_lines', 0, rects.length);
        add(`px_${kind}`, 0, rects.reduce((s, r) => s + Math.max(16, Math.min(1600, Math.round((48 * r.rect.width * squeeze) / Math.max(1e-6, r.rect.height)))), 0));
      }
    }
  };
}
const sessionKind = new Map<unknown, string>();
const sessProto = (ort.InferenceSession as unknown as { prototype: Record<string, (...a: unknown[]) => Promise<unknown>> }).prototype;
const origRun = sessProto.run;
sessProto.run = async function (this: unknown, ...a: unknown[]) {
  const t = performance.now();
  try {
    return await origRun.apply(this, a);
  } finally {
    const kind = sessionKind.get(this) ?? 'other';
    add(`run:${kind}`, performance.now() - t);
    if (kind === 'rec') {
      const feeds = a[0] as Record<string, ort.Tensor>;
      const dims = Object.values(feeds)[0].dims;
      add('rec_px', 0, Number(dims[0]) * Number(dims[3]));
    }
  }
};

const analyzer = await VisionAnalyzer.create({ objects });
const ocr = (analyzer as unknown as { ocr: { det: unknown; rec: unknown; cls: unknown } }).ocr;
sessionKind.set(ocr.det, 'det');
sessionKind.set(ocr.rec, 'rec');
sessionKind.set(ocr.cls, 'cls');

const dir = sharedDataDir('container-photos');
if (!dir) throw new Error('no ../shared/data/container-photos');
const truth: Array<{ file: string; containerNumbers: string[] }> = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
let files = truth.map((t) => ({ path: join(dir, t.file), want: t.containerNumbers }));
const tmp = mkdtempSync(join(tmpdir(), 'rvi-profile-'));
if (big) {
  const out: typeof files = [];
  for (const f of files.slice(0, 8)) {
    const meta = await sharp(f.path).rotate().metadata();
    const portrait = (meta.height ?? 0) >= (meta.width ?? 0);
    const p = join(tmp, `12mp-${out.length}.jpg`);
    await sharp(f.path).rotate().resize(portrait ? 3000 : 4000, portrait ? 4000 : 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(p);
    out.push({ path: p, want: f.want });
  }
  files = out;
}

console.log(`profile: ${files.length} photos × ${repeat}, objects=${objects} barcodes=${barcodes}, load ${load()}`);
const rows: Array<Record<string, number>> = [];
let found = 0, want = 0, falses = 0;
for (let r = 0; r < repeat; r++) {
  for (const f of files) {
    acc = {};
    counts = {};
    const buf = readFileSync(f.path);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const reading = await analyzer.analyze(buf, { barcodes, objects });
    const total = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const leaves = (acc.detect ?? 0) + (acc.recognize ?? 0) + (acc.classify ?? 0);
    const row = {
      total,
      cpu: (c.user + c.system) / 1000,
      decode: reading.timingsMs.decode,
      ocr: reading.timingsMs.ocr,
      detect: acc.detect ?? 0,
      det_runs: counts.detect ?? 0,
      run_det: acc['run:det'] ?? 0,
      recognize: acc.recognize ?? 0,
      rec_calls: counts.recognize ?? 0,
      rec_lines: counts.rec_lines ?? 0,
      rec_kpx: (counts.rec_px ?? 0) / 1000,
      own_kpx_first: (counts.px_first ?? 0) / 1000,
      own_kpx_flip: (counts.px_flip ?? 0) / 1000,
      own_kpx_reread: (counts.px_reread ?? 0) / 1000,
      run_rec: acc['run:rec'] ?? 0,
      classify: acc.classify ?? 0,
      other_ocr: reading.timingsMs.ocr - leaves,
      barcodes: reading.timingsMs.barcodes,
      objects: reading.timingsMs.objects,
      wait_after_ocr: total - reading.timingsMs.decode - reading.timingsMs.ocr,
    };
    rows.push(row);
    if (r === 0) {
      want += f.want.length;
      for (const cn of f.want) if (reading.containerNumbers.includes(cn)) found++;
      for (const cn of reading.containerNumbers) if (!f.want.includes(cn)) falses++;
    }
    if (verbose) console.log(f.path.split('/').pop(), reading.width + 'x' + reading.height, Object.entries(row).map(([k, v]) => `${k}=${v.toFixed(0)}`).join(' '), reading.containerNumbers.join(','));
  }
}
await analyzer.close();
rmSync(tmp, { recursive: true, force: true });

const p50 = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(`recall ${found}/${want} false ${falses}`);
// Fastest of the repeats per photo: the figure least disturbed by other work on the machine.
const best = files.map((_, i) => Math.min(...rows.filter((_, k) => k % files.length === i).map((x) => x.total)));
console.log(`best_of_${repeat}_total_p50 ${p50(best).toFixed(1)}`);
console.log('field            p50     mean');
for (const k of Object.keys(rows[0])) console.log(`${k.padEnd(15)} ${p50(rows.map((x) => x[k])).toFixed(1).padStart(7)} ${mean(rows.map((x) => x[k])).toFixed(1).padStart(8)}`);
console.log(`load at the end ${load()}`);
