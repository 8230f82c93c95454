/**
 * One measured step of the evidence benchmark, run in its own process so its peak RSS is its own:
 *   node --import tsx bench/evidence/step.ts export JOB.json
 *   node --import tsx bench/evidence/step.ts verify ZIP [PUBKEY]
 * Prints one JSON line: {seconds, baselineRssMb, peakRssMb, sampledPeakRssMb, ...}.
 */
import { readFileSync } from 'node:fs';
import { KeyRing, exportEvidencePackage, verifyEvidencePackage, type ExportOptions } from '@rvi/evidence';

const [mode, arg, key] = process.argv.slice(2);
const mb = (bytes: number) => Math.round((bytes / 1e6) * 10) / 10;
// Warm the code paths first so the baseline includes loaded modules, not just an empty heap.
const baselineRss = process.memoryUsage().rss;
let sampledPeak = baselineRss;
const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss)), 20);

const t0 = performance.now();
let extra: Record<string, unknown>;
if (mode === 'export') {
  const job = JSON.parse(readFileSync(arg, 'utf8')) as Omit<ExportOptions, 'keyRing'> & { keysDir: string };
  const keyRing = await KeyRing.open(job.keysDir);
  const r = await exportEvidencePackage({ ...job, keyRing });
  extra = { bytes: r.bytes, keyId: r.keyId, auditProblems: r.auditProblems.length };
} else if (mode === 'verify') {
  const r = await verifyEvidencePackage(arg, key ? { publicKey: key } : {});
  extra = { ok: r.ok, problems: r.problems, bytesHashed: r.bytesHashed, files: r.files, pinned: r.pinned };
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    seconds,
    baselineRssMb: mb(baselineRss),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    sampledPeakRssMb: mb(sampledPeak),
    ...extra,
  }),
);
