/**
 * npm run bench -- evidence [--files 10] [--file-mb 100]
 * Writes 10 × 100 MiB of pseudo-recordings (random bytes) to a temporary folder under /tmp, exports them as one
 * evidence package (streamed, hashed on the way, stored without deflate, fsynced), then verifies the package offline.
 * Export and verify each run in a separate process so their peak RSS is their own: constant memory shows as a
 * peak close to the process's baseline whatever the package size. Everything is removed at the end.
 * export_s includes fsyncing the package. verify_s reads the package the export just wrote, from the page cache (hashing
 * and zip-walking speed); verify_cold_s verifies again after evicting the package from the page cache (adds disk reads).
 * Last line:
 * evidence: export_s=… verify_s=… verify_mb_per_s=… verify_cold_s=… verify_cold_mb_per_s=… package_mb=… verify_peak_rss_mb=… …
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, fsyncSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { auditEntryHash, GENESIS_HASH, KeyRing, type AuditEntry } from '@rvi/evidence';

const root = resolve(import.meta.dirname, '../..');
const arg = (n: string, d: number) => {
  const i = process.argv.indexOf(n);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const fileCount = arg('--files', 10);
const fileMiB = arg('--file-mb', 100);
const MiB = 1 << 20;

function step(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/evidence/step.ts'), ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`step ${args[0]} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const dir = mkdtempSync('/tmp/rvi-evidence-bench-');
try {
  // Pseudo-recordings: one 4 MiB random block, each copy stamped with its file and chunk number so no two chunks repeat.
  const t0 = performance.now();
  const block = randomFillSync(Buffer.allocUnsafe(4 * MiB));
  const files = [];
  for (let f = 0; f < fileCount; f++) {
    const path = join(dir, `src-${f}.webm`);
    const fd = openSync(path, 'w');
    for (let c = 0; c < (fileMiB * MiB) / block.length; c++) {
      block.writeUInt32LE(f, 0);
      block.writeUInt32LE(c, 4);
      writeSync(fd, block);
    }
    fsyncSync(fd); // recordings are on disk before an export starts: the export's own fsync should not pay for them
    closeSync(fd);
    const start = Date.UTC(2025, 2, 1, 10, f * 10);
    files.push({ name: `session-${f}.webm`, path, kind: 'recording', timeRange: { start: new Date(start).toISOString(), end: new Date(start + 9 * 60_000).toISOString() } });
  }
  const totalBytes = fileCount * fileMiB * MiB;
  console.log(`generated ${fileCount} × ${fileMiB} MiB = ${(totalBytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // A global chain of 2,000 audit entries, of which the case holds every 7th.
  const audit: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= 2000; seq++) {
    const body = {
      seq, at: new Date(Date.UTC(2025, 2, 1) + seq * 1000).toISOString(), actorId: 'u-1', actorRole: 'inspector', orgId: 'office-1',
      action: 'finding.recorded', targetType: 'inspection', targetId: seq % 7 === 0 ? 'insp-bench' : `insp-${seq}`, summary: { seq }, requestId: null, prevHash: prev,
    };
    const e = { ...body, hash: auditEntryHash(body) };
    audit.push(e);
    prev = e.hash;
  }
  const keysDir = join(dir, 'keys');
  const ring = await KeyRing.open(keysDir);
  const [key] = await ring.listPublicKeys();
  const out = join(dir, 'case.zip');
  const job = join(dir, 'job.json');
  writeFileSync(job, JSON.stringify({
    out, keysDir, files, auditEntries: audit.filter((e) => e.targetId === 'insp-bench'),
    manifestBase: { inspectionId: 'insp-bench', records: { decision: { outcome: 'release' } } },
  }));

  const exp = step('export', job);
  console.log(`export: ${exp.seconds.toFixed(2)} s, ${(exp.bytes / 1e6).toFixed(0)} MB, peak RSS ${exp.peakRssMb} MB (baseline ${exp.baselineRssMb} MB)`);
  const ver = step('verify', out, key.publicKey);
  if (!ver.ok) throw new Error(`verification failed: ${ver.problems.join('; ')}`);
  const mbPerS = ver.bytesHashed / 1e6 / ver.seconds;
  console.log(`verify: ${ver.seconds.toFixed(2)} s, ${(ver.bytesHashed / 1e6).toFixed(0)} MB hashed = ${mbPerS.toFixed(0)} MB/s, peak RSS ${ver.peakRssMb} MB (baseline ${ver.baselineRssMb} MB)`);

  // Cold: drop the package from the page cache (this file only: dd's nocache flag, fadvise DONTNEED) and verify again,
  // so the figure includes reading the disk.
  let cold = '';
  const evict = spawnSync('dd', [`if=${out}`, 'iflag=nocache', 'count=0', 'status=none']);
  if (evict.status === 0) {
    const c = step('verify', out, key.publicKey);
    if (!c.ok) throw new Error(`cold verification failed: ${c.problems.join('; ')}`);
    const coldRate = c.bytesHashed / 1e6 / c.seconds;
    console.log(`verify (package evicted from page cache first): ${c.seconds.toFixed(2)} s = ${coldRate.toFixed(0)} MB/s, peak RSS ${c.peakRssMb} MB`);
    cold = ` verify_cold_s=${c.seconds.toFixed(2)} verify_cold_mb_per_s=${coldRate.toFixed(0)}`;
  }
  console.log(
    `evidence: export_s=${exp.seconds.toFixed(2)} verify_s=${ver.seconds.toFixed(2)} verify_mb_per_s=${mbPerS.toFixed(0)}${cold} package_mb=${(exp.bytes / 1e6).toFixed(0)}` +
      ` verify_peak_rss_mb=${ver.peakRssMb} verify_base_rss_mb=${ver.baselineRssMb} export_peak_rss_mb=${exp.peakRssMb} export_base_rss_mb=${exp.baselineRssMb}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
