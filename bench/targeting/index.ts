/**
 * Targeting benchmark: train on train.csv (12 months), score valid.csv (the next 3 months).
 * valid.csv is only scored here, never used to choose anything (model selection: dev.ts).
 *
 *   npm run bench -- targeting
 *
 * train_s: reading train.csv + training (the CLI `train` work, without writing the file).
 * score_rows_per_s: valid.csv rows / time of Model.score on the parsed declarations (features +
 * trees), steady state: median of 7 runs after 11 warm-up runs (the cold first run, the warm-up
 * total and an end-to-end parse + score figure are printed above the last line).
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { parseDeclarationsCsv, trainModel, evaluateScores } from '@rvi/targeting';

const root = new URL('../..', import.meta.url).pathname;
const data = resolve(root, '../shared/data/customs-declarations');
const f4 = (v: number | null) => (v === null ? 'NA' : v.toFixed(4));

const trainText = readFileSync(resolve(data, 'train.csv'), 'utf8');
const validText = readFileSync(resolve(data, 'valid.csv'), 'utf8');

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const train = parseDeclarationsCsv(trainText, { requireLabels: true });
if (train.problems.length) throw new Error(`train.csv has ${train.problems.length} bad rows`);
const model = trainModel(train.declarations);
const trainS = (performance.now() - t0) / 1000;
const cpu1 = process.cpuUsage(cpu0);
const trainCpuS = (cpu1.user + cpu1.system) / 1e6;

const c0 = performance.now();
const valid = parseDeclarationsCsv(validText);
const parseMs = performance.now() - c0;
const rows = valid.declarations;
const c1 = performance.now();
const scores = model.score(rows);
const coldMs = performance.now() - c1;
// Steady state, as in a server process: the generated tree functions need a few runs before
// V8's optimizing compiler has compiled them (about half a second of CPU, once per model).
let warmMs = 0;
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  model.score(rows);
  warmMs += performance.now() - t;
}
const times: number[] = [];
const cpuTimes: number[] = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  const c = process.cpuUsage();
  model.score(rows);
  times.push(performance.now() - t);
  const u = process.cpuUsage(c);
  cpuTimes.push((u.user + u.system) / 1000);
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
const scoreMs = times[3];

const m = evaluateScores(scores, rows.map((d) => d.fraud ?? 0), rows.map((d) => d.criticalFraud ?? 0));
const h = model.info.holdout;
console.log(`model ${model.id}: ${model.info.rounds} trees, ${model.features.length} features, ${(model.serialize().length / 1e6).toFixed(1)} MB, trained ${model.info.trainedFrom} .. ${model.info.trainedTo} (${model.info.trainingRows} rows)`);
if (h.metrics) console.log(`holdout inside train.csv (${h.from} .. ${h.to}, ${h.rows} rows): p5=${f4(h.metrics.p5)} p10=${f4(h.metrics.p10)} auc=${f4(h.metrics.auc)}`);
console.log('top features:', model.featureImportance().slice(0, 8).map((f) => `${f.name}=${f.share.toFixed(3)}`).join(' '));
console.log(`valid.csv: ${rows.length} rows, ${m.frauds} frauds; scoring cold ${coldMs.toFixed(1)} ms, next 10 runs ${warmMs.toFixed(0)} ms in all, then median ${scoreMs.toFixed(1)} ms (runs ${times.map((t) => t.toFixed(1)).join(' ')}), parse ${parseMs.toFixed(1)} ms, parse+score ${Math.round(rows.length / ((parseMs + scoreMs) / 1000))} rows/s`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; train CPU ${trainCpuS.toFixed(2)} s (wall ${trainS.toFixed(2)} s); scoring CPU median ${cpuTimes[3].toFixed(1)} ms = ${Math.round(rows.length / (cpuTimes[3] / 1000))} rows per CPU-second`);
console.log(`targeting: p1=${f4(m.p1)} p2=${f4(m.p2)} p5=${f4(m.p5)} p10=${f4(m.p10)} r5=${f4(m.r5)} r10=${f4(m.r10)} crit_r10=${f4(m.crit_r10)} auc=${f4(m.auc)} train_s=${trainS.toFixed(2)} score_rows_per_s=${Math.round(rows.length / (scoreMs / 1000))}`);
