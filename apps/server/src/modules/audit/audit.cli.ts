// `rvi audit verify [--checkpoint FILE]... [--key KEYS]` and `rvi audit checkpoint --out FILE`.
// verify: walks the chain and compares the log with the server's own checkpoints (DATA_DIR/audit/checkpoints.jsonl)
// and with every --checkpoint file (one signed checkpoint, a JSON list, or JSON Lines: a witness's copy, an evidence
// package's). Exit 0 "audit log verified"; 1 naming each problem (broken entry, log shorter than a checkpoint, log
// disagreeing with one, checkpoint not signed by a trusted key); 2 for usage errors.
// Checkpoints must be signed by a key of the server's ring, or with --key by one of the keys given (the GET /api/keys
// list, PEM or base64): pin keys obtained from outside the server when its data directory is not trusted either.
import { existsSync, promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { parseCheckpoints, parsePublicKey, type KeyRing, type PublicKeyInfo, type SignedCheckpoint } from '@rvi/evidence';
import type { Db } from '../../platform/db.ts';
import type { AuditCheckpoints } from './audit.checkpoints.ts';
import { verifyAuditLog } from './audit.service.ts';

export interface AuditCliDeps {
  db: Db;
  keys: KeyRing;
  checkpoints: AuditCheckpoints;
}
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
const stdio: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };
export const AUDIT_USAGE = 'usage: rvi audit verify [--checkpoint FILE]... [--key KEYS] | rvi audit checkpoint --out FILE';

class UsageError extends Error {}

async function readKeys(arg: string): Promise<(PublicKeyInfo | string)[]> {
  const text = existsSync(arg) ? await fs.readFile(arg, 'utf8') : arg;
  const t = text.trim();
  if (t.startsWith('[') || (t.startsWith('{') && t.includes('"keys"'))) {
    const parsed = JSON.parse(t) as unknown;
    const list = (Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys) as PublicKeyInfo[];
    if (!Array.isArray(list) || !list.length) throw new UsageError('--key: expected a non-empty list of keys');
    for (const k of list) parsePublicKey(String(k?.publicKey ?? ''));
    return list;
  }
  try {
    parsePublicKey(t);
  } catch (e) {
    throw new UsageError(`--key: ${(e as Error).message}`);
  }
  return [t];
}

export async function runAuditCli(args: string[], deps: AuditCliDeps, io: CliIo = stdio): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === 'checkpoint') {
      const i = rest.indexOf('--out');
      const out = i >= 0 ? rest[i + 1] : undefined;
      if (!out || out.startsWith('--')) throw new UsageError('--out FILE is required');
      const target = resolve(out);
      if (existsSync(target)) throw new UsageError(`${target} already exists (a checkpoint file is never overwritten)`);
      let signed: SignedCheckpoint;
      try {
        signed = await deps.checkpoints.create();
      } catch (e) {
        io.err(`error: ${(e as Error).message}`);
        return 1;
      }
      await fs.writeFile(target, JSON.stringify(signed, null, 2) + '\n', { flag: 'wx' });
      io.out(`checkpoint written to ${target}: ${signed.checkpoint.treeSize} entries, root ${signed.checkpoint.rootHash}, signed at ${signed.checkpoint.at} with key ${signed.keyId}`);
      io.out('keep a copy outside this server (another machine, a witness, an evidence archive)');
      return 0;
    }
    if (cmd !== 'verify') throw new UsageError(cmd ? `unknown command "${cmd}"` : 'missing command');
    const given: SignedCheckpoint[] = [];
    let pinned: (PublicKeyInfo | string)[] | null = null;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i];
      if (a === '--checkpoint') {
        const f = rest[++i];
        if (!f) throw new UsageError('--checkpoint needs a file');
        const text = await fs.readFile(f, 'utf8').catch(() => {
          throw new UsageError(`--checkpoint: cannot read ${f}`);
        });
        try {
          given.push(...parseCheckpoints(text));
        } catch (e) {
          throw new UsageError(`--checkpoint ${f}: ${(e as Error).message}`);
        }
      } else if (a === '--key') {
        const k = rest[++i];
        if (!k) throw new UsageError('--key needs a value');
        pinned = await readKeys(k);
      } else throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    }
    const stored = await deps.checkpoints.all();
    const r = await verifyAuditLog(deps.db, {
      checkpoints: [...stored, ...given],
      trustedKeys: pinned ?? (await deps.keys.listPublicKeys()),
    });
    if (r.ok) {
      io.out(`audit log verified: ${r.entries} entries; consistent with ${r.checkpointsChecked} checkpoint(s) (${stored.length} stored by the server, ${given.length} given)`);
      if (r.checkpointsChecked === 0) io.err('warning: no checkpoint was compared: a truncated or rewritten log cannot be told from an intact one without one');
      return 0;
    }
    io.out(`audit log NOT VERIFIED: ${(r.firstBroken ? 1 : 0) + r.checkpointProblems.length} problem(s)`);
    if (r.firstBroken) io.out(`  - entry ${r.firstBroken.seq}: ${r.firstBroken.message} (${r.firstBroken.problem}); ${r.entries} entries before it verified`);
    for (const p of r.checkpointProblems) io.out(`  - ${p.problem}: ${p.message}`);
    return 1;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`rvi audit: ${e.message}`);
      io.err(AUDIT_USAGE);
      return 2;
    }
    throw e;
  }
}
