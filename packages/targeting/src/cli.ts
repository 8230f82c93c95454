/**
 * Command line of the targeting model (contract used from outside; keep it stable):
 *
 *   train --data A.csv[,B.csv] --model OUT.json
 *   score --model MODEL.json --data IN.csv --out OUT.csv
 *
 * Exit codes: 0 done, 2 bad input (usage, missing columns or labels, bad rows in training data,
 * unreadable or corrupted model), 1 unexpected failure. Messages go to stderr.
 */
import { renameSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { readDeclarationsFile, formatProblems, type ParsedDeclarations } from './csv.ts';
import type { Declaration, RowProblem } from './declaration.ts';
import { TargetingError } from './errors.ts';
import type { TargetingMetrics } from './metrics.ts';
import { readModelFile } from './model.ts';
import { trainModel } from './train.ts';

const USAGE = `usage:
  targeting train --data A.csv[,B.csv] --model OUT.json [--skip-bad-rows]
  targeting score --model MODEL.json --data IN.csv --out OUT.csv`;

class UsageError extends Error {}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function parseArgs(args: string[], allowed: Record<string, 'value' | 'flag'>): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const kind = allowed[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'flag') { out[name] = true; continue; }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`option --${name} needs a value`);
    if (name in out) throw new UsageError(`option --${name} given twice`);
    out[name] = value;
  }
  return out;
}

function need(opts: Record<string, string | true>, name: string): string {
  const v = opts[name];
  if (typeof v !== 'string') throw new UsageError(`missing --${name}`);
  return v;
}

function readInput(path: string, requireLabels: boolean): ParsedDeclarations {
  if (!existsSync(path)) throw new TargetingError('invalid_argument', `${path}: file not found`);
  if (!statSync(path).isFile()) throw new TargetingError('invalid_argument', `${path}: not a file`);
  try {
    return readDeclarationsFile(path, { requireLabels });
  } catch (e) {
    if (e instanceof TargetingError) throw new TargetingError(e.code, `${path}: ${e.message}`, e.details);
    throw e;
  }
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(4);
}

function figures(m: TargetingMetrics): string {
  return `p1=${fmt(m.p1)} p2=${fmt(m.p2)} p5=${fmt(m.p5)} p10=${fmt(m.p10)} r5=${fmt(m.r5)} r10=${fmt(m.r10)} crit_r10=${fmt(m.crit_r10)} auc=${fmt(m.auc)} (${m.rows} declarations, ${m.frauds} frauds)`;
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    throw new TargetingError('invalid_argument', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function reportProblems(io: Io, file: string, problems: readonly RowProblem[]): void {
  for (const line of formatProblems(problems, 50).split('\n')) io.err(`${file}: ${line}`);
}

async function train(args: string[], io: Io): Promise<number> {
  const opts = parseArgs(args, { data: 'value', model: 'value', 'skip-bad-rows': 'flag' });
  const files = need(opts, 'data').split(',').map((f) => f.trim()).filter(Boolean);
  const modelPath = need(opts, 'model');
  if (files.length === 0) throw new UsageError('--data needs at least one CSV file');
  const started = performance.now();
  const rows: Declaration[] = [];
  let bad = 0;
  for (const file of files) {
    const parsed = readInput(file, true);
    if (parsed.problems.length) {
      reportProblems(io, file, parsed.problems);
      const badLines = new Set(parsed.problems.map((p) => p.line));
      bad += badLines.size;
      if (!opts['skip-bad-rows']) continue;
      parsed.declarations.forEach((d, i) => { if (!badLines.has(parsed.lines[i])) rows.push(d); });
    } else rows.push(...parsed.declarations);
  }
  if (bad > 0 && !opts['skip-bad-rows']) {
    io.err(`refusing to train: ${bad} row(s) with impossible or missing values (fix them, or pass --skip-bad-rows to leave them out)`);
    return 2;
  }
  if (bad > 0) io.err(`left out ${bad} bad row(s)`);
  const model = trainModel(rows);
  writeAtomically(modelPath, model.serialize());
  const seconds = (performance.now() - started) / 1000;
  const info = model.info;
  io.out(`trained model ${model.id} on ${info.trainingRows} declarations (${info.trainedFrom} .. ${info.trainedTo}, ${info.trainingFrauds} frauds), ${info.rounds} trees`);
  io.out(`training time: ${seconds.toFixed(2)} s`);
  if (info.holdout.metrics) io.out(`holdout ${info.holdout.from} .. ${info.holdout.to} (early stopping): ${figures(info.holdout.metrics)}`);
  if (info.inSample) io.out(`in-sample (out-of-fold features): ${figures(info.inSample)}`);
  io.out(`model written to ${modelPath}`);
  return 0;
}

async function score(args: string[], io: Io): Promise<number> {
  const opts = parseArgs(args, { model: 'value', data: 'value', out: 'value' });
  const modelPath = need(opts, 'model');
  const dataPath = need(opts, 'data');
  const outPath = need(opts, 'out');
  const model = readModelFile(modelPath);
  const parsed = readInput(dataPath, false);
  if (parsed.problems.length) {
    reportProblems(io, dataPath, parsed.problems);
    io.err(`${new Set(parsed.problems.map((p) => p.line)).size} row(s) had invalid values; they were scored with those values treated as missing`);
  }
  const started = performance.now();
  const scores = model.score(parsed.declarations);
  const ms = performance.now() - started;
  const lines = ['Declaration ID,score'];
  for (let i = 0; i < scores.length; i++) lines.push(`${csvCell(parsed.declarations[i].declarationId)},${scores[i]}`);
  writeAtomically(outPath, lines.join('\n') + '\n');
  io.out(`scored ${scores.length} declarations with model ${model.id} in ${ms.toFixed(0)} ms; written to ${outPath}`);
  return 0;
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * Runs `train` or `score` (an optional leading `targeting` is accepted). Returns the exit code;
 * never throws.
 */
export async function runTargetingCli(argv: string[], io: Io = defaultIo): Promise<number> {
  const args = argv[0] === 'targeting' ? argv.slice(1) : argv;
  const [command, ...rest] = args;
  try {
    if (command === 'train') return await train(rest, io);
    if (command === 'score') return await score(rest, io);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      (command === undefined ? io.err : io.out)(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (e) {
    if (e instanceof UsageError) { io.err(`targeting: ${e.message}\n${USAGE}`); return 2; }
    if (e instanceof TargetingError) { io.err(`targeting: ${e.message}`); return 2; }
    io.err(`targeting: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}
