/**
 * Vision benchmark: runs the CLI's code (readFiles + toContractJson) over the shared cargo-markings
 * photos and scores it against truth.json.
 *   npm run bench -- vision [DIR]
 * Last line: vision: container_recall=… container_false=… seal_recall=… carton_fields=… ms_per_image_p50=…
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVisionEngine, readFiles, toContractJson } from '@rvi/vision';

interface Truth {
  file: string;
  kind: 'container' | 'seal' | 'carton';
  containerNumbers?: string[];
  sealNumbers?: string[];
  quantity?: number;
  quantityUnit?: string;
  netWeightKg?: number;
  hsCode?: string;
  origin?: string;
}

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = resolve(process.argv[2] ?? join(root, '..', 'shared', 'data', 'cargo-markings'));
if (!existsSync(join(dir, 'truth.json'))) {
  console.error(`no truth.json in ${dir}`);
  process.exit(2);
}
const truth: Truth[] = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
const byFile = new Map(truth.map((t) => [t.file, t]));

let containersTotal = 0, containersFound = 0, containersFalse = 0;
let sealsTotal = 0, sealsFound = 0;
let cartonTotal = 0, cartonRight = 0, netTotal = 0, netRight = 0;
const times: number[] = [];
const misses: string[] = [];

const engine = await createVisionEngine({ inProcess: true });
let last = performance.now();
await readFiles(
  truth.map((t) => join(dir, t.file)),
  (path, result) => {
    const now = performance.now();
    times.push(now - last);
    const file = path.slice(dir.length + 1);
    const t = byFile.get(file)!;
    if (!('reading' in result)) {
      misses.push(`${file}: error ${String(result.error)}`);
      last = performance.now();
      return;
    }
    const out = toContractJson(file, result.reading) as {
      containerNumbers: string[]; sealNumbers: string[]; origin: string | null; quantity: { value: number; unit: string | null } | null;
      netWeightKg: number | null; hsCode: string | null; unverifiedContainerNumbers: string[];
    };
    const wantC = t.containerNumbers ?? [];
    containersTotal += wantC.length;
    for (const c of wantC) if (out.containerNumbers.includes(c)) containersFound++; else misses.push(`${file}: container ${c} missed (got ${out.containerNumbers.join(',') || '-'}; unverified ${out.unverifiedContainerNumbers.join(',') || '-'})`);
    for (const c of out.containerNumbers) if (!wantC.includes(c)) { containersFalse++; misses.push(`${file}: FALSE container ${c}`); }
    const wantS = t.sealNumbers ?? [];
    sealsTotal += wantS.length;
    for (const s of wantS) if (out.sealNumbers.includes(s)) sealsFound++; else misses.push(`${file}: seal ${s} missed (got ${out.sealNumbers.join(',') || '-'})`);
    if (t.kind === 'carton') {
      const checks: Array<[string, boolean, unknown]> = [
        ['origin', out.origin === t.origin, out.origin],
        ['quantity', out.quantity?.value === t.quantity && out.quantity?.unit === t.quantityUnit, out.quantity],
        ['hsCode', out.hsCode === t.hsCode, out.hsCode],
      ];
      for (const [name, ok, got] of checks) {
        cartonTotal++;
        if (ok) cartonRight++; else misses.push(`${file}: ${name} wrong (got ${JSON.stringify(got)})`);
      }
      netTotal++;
      if (out.netWeightKg !== null && Math.abs(out.netWeightKg - (t.netWeightKg ?? NaN)) < 0.01) netRight++;
      else misses.push(`${file}: netWeightKg wrong (got ${out.netWeightKg}, want ${t.netWeightKg})`);
    }
    last = performance.now();
  },
  { engine },
);
await engine.close();

times.sort((a, b) => a - b);
const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
for (const m of misses) console.log('  ' + m);
console.log(`images=${times.length} net_weight=${(netRight / Math.max(1, netTotal)).toFixed(3)} ms_p90=${p(0.9).toFixed(0)} ms_max=${times[times.length - 1].toFixed(0)}`);
console.log(
  `vision: container_recall=${(containersFound / Math.max(1, containersTotal)).toFixed(3)} container_false=${containersFalse} ` +
    `seal_recall=${(sealsFound / Math.max(1, sealsTotal)).toFixed(3)} carton_fields=${(cartonRight / Math.max(1, cartonTotal)).toFixed(3)} ` +
    `ms_per_image_p50=${p(0.5).toFixed(0)}`,
);
