/**
 * npm run bench -- csv-import [--copies 3]
 * Does a large CSV import freeze the server (issue 13.9)? Builds a large CSV in memory from
 * ../shared/data/customs-declarations/train.csv (read by path; `--copies` copies of its rows, each copy with its own
 * declaration numbers; 3 copies ≈ 11.6 MB, about the 10.8 MB file of the security review) and imports it through the
 * same service the API uses (parse and validate in a worker thread, insert, audit) into a fresh database (PGlite, or
 * Postgres when DATABASE_URL is set), while perf_hooks.monitorEventLoopDelay and a 10 ms timer watch the event loop.
 * For comparison it also times parsing the same text inline on the event loop (how it was before).
 * Last line:
 * csv-import: rows=… bytes=… db=… parse_ms=… parse_max_block_ms=… event_loop_max_block_ms=… event_loop_p99_ms=… inline_parse_ms=… import_ms=… inserted=…
 *   parse_ms                 the worker's parse + validation + hash, as the import waits for it
 *   parse_max_block_ms       the longest the event loop was blocked during that parse (rows arriving in chunks)
 *   event_loop_max_block_ms  the longest block during the whole import (parse, inserts, audit; PGlite runs its
 *                            queries on this thread, Postgres does not)
 *   inline_parse_ms          the same parse on the event loop: what a request then waited, at least
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../apps/server/src/platform/config.ts';
import { createContext } from '../../apps/server/src/app.ts';
import { seedOnFirstStart } from '../../apps/server/src/modules/orgs/demo.ts';
import { importDeclarations } from '../../apps/server/src/modules/declarations/declarations.service.ts';
import { parseDeclarationsCsv, parseDeclarationsCsvOffThread } from '../../apps/server/src/modules/declarations/declarations.csv.ts';
import { organisations } from '../../apps/server/src/db/schema.ts';
import { systemActor } from '../../apps/server/src/platform/actor.ts';
import { freshDatabaseUrl } from '../../apps/server/test/harness.ts';

const root = resolve(import.meta.dirname, '../..');
const arg = (n: string, d: number) => { const i = process.argv.indexOf(n); return i > 0 ? Number(process.argv[i + 1]) : d; };
const copies = arg('--copies', 3);
const file = [resolve(root, '../shared'), resolve(root, '../../shared')].map((d) => join(d, 'data/customs-declarations/train.csv')).find((f) => existsSync(f))
  ?? resolve(root, '../shared/data/customs-declarations/train.csv');
const src = readFileSync(file, 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
const [header, ...body] = src;
const out = [header];
for (let c = 0; c < copies; c++) for (const line of body) out.push(c === 0 ? line : `C${c}${line}`); // "C1" + id: a distinct declaration number
const csv = out.join('\n');
const rows = out.length - 1;
const bytes = Buffer.byteLength(csv);

/** Watches the event loop: the histogram of monitorEventLoopDelay and the largest gap between 10 ms ticks. */
function watch() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last - 10); last = now; }, 10);
  return () => {
    clearInterval(timer);
    h.disable();
    maxGap = Math.max(maxGap, performance.now() - last - 10);
    return { maxBlockMs: Math.max(h.max / 1e6 - 10, maxGap), p99Ms: h.percentile(99) / 1e6 };
  };
}

const pg = process.env.DATABASE_URL;
const dataDir = mkdtempSync(join(tmpdir(), 'rvi-bench-csv-'));
const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', RVI_DEMO: '0' };
const fresh = await freshDatabaseUrl();
if (fresh.url) env.DATABASE_URL = fresh.url;
const config = loadConfig({ ...process.env, ...env } as NodeJS.ProcessEnv);
const ctx = await createContext(config);
await seedOnFirstStart(ctx.db, { demo: false, password: 'bench-password-1' });
const [office] = await ctx.db.select().from(organisations);
await ctx.db.insert(organisations).values({ id: randomUUID(), kind: 'enterprise', name: 'Bench Enterprise', code: 'ENT-BENCH', supervisingOfficeId: office.id });

// 1. the parse alone, off the event loop (as the import does it), watched
let stop = watch();
let t0 = performance.now();
const parsed = await parseDeclarationsCsvOffThread(csv);
const parseMs = performance.now() - t0;
const parseWatch = stop();
if (!parsed.inWorker || parsed.rows.length !== rows) throw new Error(`parse: ${parsed.rows.length} rows (expected ${rows}), in worker ${parsed.inWorker}`);
console.log(`parse in a worker: ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB in ${parseMs.toFixed(0)} ms; event loop blocked at most ${parseWatch.maxBlockMs.toFixed(1)} ms`);

// 2. the whole import (parse, validate, insert, audit), watched
stop = watch();
t0 = performance.now();
const r = await importDeclarations(ctx.db, systemActor('bench'), { csv, fileName: 'train-x.csv', orgRef: 'ENT-BENCH', score: false });
const importMs = performance.now() - t0;
const importWatch = stop();
const invalid = r.invalid.length;
if (r.inserted + invalid + r.duplicates.length !== rows) throw new Error(`import: ${r.inserted} + ${invalid} + ${r.duplicates.length} != ${rows} (${r.message})`);
console.log(`import: ${r.inserted} inserted, ${invalid} invalid, ${r.duplicates.length} duplicates in ${importMs.toFixed(0)} ms; event loop blocked at most ${importWatch.maxBlockMs.toFixed(1)} ms (p99 delay ${importWatch.p99Ms.toFixed(1)} ms)`);

// 3. for comparison: the same parse inline, on the event loop
t0 = performance.now();
const inline = parseDeclarationsCsv(csv);
const inlineMs = performance.now() - t0;
if (inline.rows.length !== rows) throw new Error('inline parse differs');
console.log(`inline parse (before): ${inlineMs.toFixed(0)} ms on the event loop`);

await ctx.database.close();
await fresh.drop();
rmSync(dataDir, { recursive: true, force: true });
console.log(`csv-import: rows=${rows} bytes=${bytes} db=${pg ? 'postgres' : 'pglite'} parse_ms=${parseMs.toFixed(0)} parse_max_block_ms=${parseWatch.maxBlockMs.toFixed(1)} event_loop_max_block_ms=${importWatch.maxBlockMs.toFixed(1)} event_loop_p99_ms=${importWatch.p99Ms.toFixed(1)} inline_parse_ms=${inlineMs.toFixed(0)} import_ms=${importMs.toFixed(0)} inserted=${r.inserted}`);
process.exit(0);
