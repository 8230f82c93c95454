/**
 * `rvi vision read FILE... [--json] [--no-barcodes]`
 *
 * With --json, prints one JSON object per line per file, in the order given (a stable contract used
 * from outside):
 *   {"file", "containerNumbers", "sealNumbers", "origin", "quantity", "netWeightKg", "hsCode",
 *    "barcodes", "lines", …extra fields, "objects": [{class, score, box: [x, y, w, h]}], "faces"}
 * A file that cannot be read gives {"file", "error": {"reason", "message"}} and the run continues.
 * Exit code: 0 when every file was processed (per-file errors are in the output), 2 on bad usage.
 */
import { createVisionEngine, VisionError, type VisionEngine } from './engine.ts';
import { withObjects, type VisionReading } from './analyzer.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

const USAGE = `usage: rvi vision read FILE... [--json] [--no-barcodes]
  Reads container and seal numbers, origin marks, quantities, weights, HS codes and barcodes.
  --json          one JSON object per line per file
  --no-barcodes   skip barcode / QR decoding`;

/** The contract shape of one file's result (key order is part of the contract's readability). */
export function toContractJson(file: string, r: VisionReading): Record<string, unknown> {
  return {
    file,
    containerNumbers: r.containerNumbers,
    sealNumbers: r.sealNumbers,
    origin: r.origin,
    quantity: r.quantity,
    netWeightKg: r.netWeightKg,
    hsCode: r.hsCode,
    barcodes: r.barcodes.map((b) => ({
      format: b.format,
      text: b.text,
      ...(b.gtin !== undefined ? { gtin: b.gtin, gtinValid: b.gtinValid } : {}),
      ...(b.gs1 ? { gs1: b.gs1 } : {}),
      box: b.box,
    })),
    lines: r.lines,
    sizeType: r.sizeType,
    unverifiedContainerNumbers: r.unverifiedContainerNumbers,
    grossWeightKg: r.grossWeightKg,
    hsCodeDigits: r.fields.hsCode?.digits ?? null,
    width: r.width,
    height: r.height,
    rotation: r.rotation,
    model: r.model,
    objects: r.objects.map((o) => ({ class: o.class, score: o.score, box: o.box })),
    faces: r.faces,
    ms: r.timingsMs.total,
  };
}

export function errorJson(file: string, err: unknown): Record<string, unknown> {
  const reason = err instanceof VisionError ? err.reason : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  return { file, error: { reason, message } };
}

function summary(file: string, r: VisionReading): string {
  const parts = [
    r.containerNumbers.length ? `containers=${r.containerNumbers.join(',')}` : '',
    r.unverifiedContainerNumbers.length ? `unverified=${r.unverifiedContainerNumbers.join(',')}` : '',
    r.sizeType ? `sizeType=${r.sizeType}` : '',
    r.sealNumbers.length ? `seals=${r.sealNumbers.join(',')}` : '',
    r.origin ? `origin=${r.origin}` : '',
    r.quantity ? `qty=${r.quantity.value}${r.quantity.unit ? ' ' + r.quantity.unit : ''}` : '',
    r.netWeightKg !== null ? `nw=${r.netWeightKg}kg` : '',
    r.grossWeightKg !== null ? `gw=${r.grossWeightKg}kg` : '',
    r.hsCode ? `hs=${r.hsCode}` : '',
    r.barcodes.length ? `barcodes=${r.barcodes.map((b) => `${b.format}:${b.text}`).join(',')}` : '',
    r.objects.length ? `objects=${r.objects.map((o) => `${o.class}:${o.score}`).join(',')}` : '',
  ].filter(Boolean);
  return `${file}: ${parts.join(' ') || '(nothing recognised)'}`;
}

/**
 * Processes files one after another with one engine, calling `onResult` for each with the whole reading, objects
 * included (used by the CLI and by the benchmark, so both run the same code). `onLabels` is called before, as soon as
 * the file's label reading is there (what the inspector's console shows first; objects still empty). A file's objects
 * are awaited before the next file is read, as snapshots of a session come one at a time.
 */
export async function readFiles(
  files: string[],
  onResult: (file: string, result: { reading: VisionReading } | { error: unknown }) => void | Promise<void>,
  options: { barcodes?: boolean; objects?: boolean; engine?: VisionEngine; onLabels?: (file: string, reading: VisionReading) => void } = {},
): Promise<void> {
  const engine = options.engine ?? (await createVisionEngine({ inProcess: true }));
  try {
    for (const file of files) {
      try {
        const t0 = performance.now();
        const { reading, objects } = await engine.readLabels(file, { barcodes: options.barcodes, objects: options.objects });
        options.onLabels?.(file, reading);
        await onResult(file, { reading: withObjects(reading, await objects, performance.now() - t0) });
      } catch (error) {
        await onResult(file, { error });
      }
    }
  } finally {
    if (!options.engine) await engine.close();
  }
}

export async function runVisionCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command !== 'read') {
    io.err(command ? `unknown vision command "${command}"` : 'missing vision command');
    io.err(USAGE);
    return 2;
  }
  let json = false;
  let barcodes = true;
  const files: string[] = [];
  let onlyFiles = false;
  for (const arg of rest) {
    if (!onlyFiles && arg === '--') onlyFiles = true;
    else if (!onlyFiles && arg === '--json') json = true;
    else if (!onlyFiles && arg === '--no-barcodes') barcodes = false;
    else if (!onlyFiles && arg.startsWith('--')) {
      io.err(`unknown option ${arg}`);
      io.err(USAGE);
      return 2;
    } else files.push(arg);
  }
  if (!files.length) {
    io.err('no files given');
    io.err(USAGE);
    return 2;
  }
  try {
    await readFiles(
      files,
      (file, result) => {
        if ('reading' in result) io.out(json ? JSON.stringify(toContractJson(file, result.reading)) : summary(file, result.reading));
        else if (json) io.out(JSON.stringify(errorJson(file, result.error)));
        else io.err(`${file}: error: ${result.error instanceof Error ? result.error.message : String(result.error)}`);
      },
      { barcodes },
    );
  } catch (err) {
    // The engine itself could not start (models missing): every file fails the same way.
    for (const file of files) {
      if (json) io.out(JSON.stringify(errorJson(file, err)));
    }
    io.err(`vision engine failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  return 0;
}
