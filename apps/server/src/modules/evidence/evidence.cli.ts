// `rvi evidence export INSPECTION_ID --out FILE.zip`: writes the evidence package of an inspection order (id or order
// number) with the server's key ring (DATA_DIR/keys). Exit 0 printing the path, size, manifest hash and key id;
// 1 when the export fails (e.g. media altered); 2 for usage errors or an unknown order.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { systemActor } from '../../platform/actor.ts';
import { AppError } from '../../platform/errors.ts';
import { exportCase, resolveOrderId, type EvidenceDeps } from './evidence.service.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
const stdio: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };
const USAGE = 'usage: rvi evidence export INSPECTION_ID --out FILE.zip';

/** Runs the export with the given context (the CLI opens one from the environment; tests pass theirs). */
export async function runEvidenceExportCli(args: string[], deps: EvidenceDeps, io: CliIo = stdio): Promise<number> {
  const [ref, ...rest] = args;
  const i = rest.indexOf('--out');
  const out = i >= 0 ? rest[i + 1] : undefined;
  if (!ref || ref.startsWith('-') || !out || out.startsWith('--')) {
    io.err(USAGE);
    return 2;
  }
  const target = resolve(out);
  if (existsSync(target)) {
    io.err(`error: ${target} already exists (choose another name; an evidence package is never overwritten)`);
    return 2;
  }
  const orderId = await resolveOrderId(deps.db, ref);
  if (!orderId) {
    io.err(`error: inspection order ${ref} not found`);
    return 2;
  }
  try {
    const r = await exportCase(deps, systemActor('cli-evidence-export'), orderId, target);
    io.out(`exported ${r.path}`);
    io.out(`  ${r.bytes} bytes, ${r.files.length} media file(s), ${r.auditEntries} audit entries`);
    io.out(`  manifest sha256 ${r.manifestSha256}, signed with key ${r.keyId}`);
    if (r.auditProblems.length) io.err(`warning: ${r.auditProblems.length} problem(s) in the audit entries as stored (exported as they are)`);
    return 0;
  } catch (e) {
    if (e instanceof AppError) {
      io.err(`error: ${e.message}`);
      return e.status === 404 ? 2 : 1;
    }
    io.err(`error: ${(e as Error).message}`);
    return 1;
  }
}
