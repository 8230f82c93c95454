/**
 * Model selection inside train.csv only (never on valid.csv): trains on the declarations dated
 * before DEV_SPLIT (with the trainer's own time-ordered holdout for early stopping) and reports
 * figures on the later months of train.csv. Pass a JSON object of options to compare variants:
 *   npx tsx bench/targeting/dev.ts '{"params":{"numLeaves":15},"encoder":{"smoothing":2},"refit":true}'
 */
import { resolve } from 'node:path';
import { readDeclarationsFile, trainModel, evaluateScores, type TrainOptions } from '@rvi/targeting';

const root = new URL('../..', import.meta.url).pathname;
const data = resolve(root, '../shared/data/customs-declarations');
const DEV_SPLIT = process.env.DEV_SPLIT ?? '2020-10-01';
const options: TrainOptions = JSON.parse(process.argv[2] ?? '{}');
const all = readDeclarationsFile(resolve(data, 'train.csv'), { requireLabels: true }).declarations;
const fit = all.filter((d) => d.date < DEV_SPLIT);
const test = all.filter((d) => d.date >= DEV_SPLIT);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const model = trainModel(fit, options);
const trainS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const trainCpuS = (cpu.user + cpu.system) / 1e6;
let scores = model.score(test);
let scoreMs = Infinity;
for (let rep = 0; rep < 20; rep++) {
  const t1 = performance.now();
  scores = model.score(test);
  scoreMs = Math.min(scoreMs, performance.now() - t1);
}
const m = evaluateScores(scores, test.map((d) => d.fraud!), test.map((d) => d.criticalFraud ?? 0));
const f = (v: number | null) => (v === null ? 'NA' : v.toFixed(4));
console.log(`holdout: ${JSON.stringify(model.info.holdout.metrics)}`);
console.log('top features:', model.featureImportance().slice(0, 12).map((i) => `${i.name}=${i.share.toFixed(3)}`).join(' '));
console.log(`dev: split=${DEV_SPLIT} rounds=${model.info.rounds} p1=${f(m.p1)} p2=${f(m.p2)} p5=${f(m.p5)} p10=${f(m.p10)} r10=${f(m.r10)} crit_r10=${f(m.crit_r10)} auc=${f(m.auc)} train_s=${trainS.toFixed(2)} train_cpu_s=${trainCpuS.toFixed(2)} score_ms=${scoreMs.toFixed(1)}`);
