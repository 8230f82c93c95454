import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parsePublicKey } from './keys.ts';
import { verifyEvidencePackage, type VerifyOptions } from './package-verify.ts';
import type { PublicKeyInfo } from './keys.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = 'usage: rvi evidence verify FILE.zip [--key PUBKEY_FILE_OR_BASE64]  (or RVI_EVIDENCE_KEYS=FILE: a pinned key ring)';

/**
 * Exit codes: 0 verified and signed by a key you gave; 1 not verified (each problem named); 2 usage error;
 * 3 intact, but the signer is not established (no --key and no RVI_EVIDENCE_KEYS: anyone can sign a package with a
 * key of their own, so this is NOT a verification).
 */
export const EXIT_VERIFIED = 0;
export const EXIT_NOT_VERIFIED = 1;
export const EXIT_USAGE = 2;
export const EXIT_SIGNER_UNKNOWN = 3;
const MAX_KEY_FILE = 1 << 20;

class UsageError extends Error {}

/**
 * Reads --key: a file (PEM, base64, one key JSON or the `GET /api/keys` list) or the key itself inline.
 */
async function readPinnedKey(arg: string): Promise<NonNullable<VerifyOptions['publicKey']>> {
  let text = arg;
  const st = await fs.stat(arg).catch(() => null);
  if (st?.isFile()) {
    if (st.size > MAX_KEY_FILE) throw new UsageError(`--key: ${arg} is larger than ${MAX_KEY_FILE} bytes`);
    text = await fs.readFile(arg, 'utf8');
  } else if (!/^[A-Za-z0-9+/=_\s-]+$/.test(arg) && !arg.trim().startsWith('-----BEGIN') && !arg.trim().startsWith('{') && !arg.trim().startsWith('[')) {
    throw new UsageError(`--key: ${arg} is neither a readable file nor a base64 key`);
  }
  const t = text.trim();
  try {
    if (t.startsWith('[') || (t.startsWith('{') && t.includes('"keys"'))) {
      const parsed = JSON.parse(t) as unknown;
      const list = (Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys) as PublicKeyInfo[] | undefined;
      if (!Array.isArray(list) || list.length === 0) throw new Error('expected a non-empty list of keys');
      for (const k of list) parsePublicKey(String(k?.publicKey ?? ''));
      return list;
    }
    parsePublicKey(t);
    return t;
  } catch (e) {
    throw new UsageError(`--key: ${(e as Error).message}`);
  }
}

function parseArgs(argv: readonly string[]): { file: string; key: string | null } {
  const args = [...argv];
  if (args[0] !== 'verify') throw new UsageError(args[0] === undefined ? 'missing command' : `unknown command ${JSON.stringify(args[0])}`);
  args.shift();
  let file: string | null = null;
  let key: string | null = null;
  while (args.length) {
    const a = args.shift()!;
    if (a === '--key' || a.startsWith('--key=')) {
      if (key !== null) throw new UsageError('--key given twice');
      const v = a === '--key' ? args.shift() : a.slice('--key='.length);
      if (!v) throw new UsageError('--key needs a value');
      key = v;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else if (file === null) file = a;
    else throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
  }
  if (file === null) throw new UsageError('missing FILE.zip');
  return { file, key };
}

/**
 * `verify FILE.zip [--key PUBKEY]` (argv are the words after `rvi evidence`). Returns the exit code (EXIT_* above):
 * 0 and "verified" only when the package is intact and signed by a key the user gave (--key, or the key ring file
 * named by RVI_EVIDENCE_KEYS); 3 when intact but nobody vouched for the signing key; 1 naming each problem;
 * 2 for a usage error (bad arguments, unreadable key, no such file).
 */
export async function runEvidenceVerifyCli(
  argv: readonly string[],
  io: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  let file: string;
  let publicKey: VerifyOptions['publicKey'];
  try {
    const parsed = parseArgs(argv);
    file = parsed.file;
    const ring = env.RVI_EVIDENCE_KEYS?.trim();
    if (parsed.key !== null) publicKey = await readPinnedKey(parsed.key);
    else if (ring) {
      if (!(await fs.stat(ring).catch(() => null))?.isFile()) throw new UsageError(`RVI_EVIDENCE_KEYS: ${ring} is not a readable file`);
      publicKey = await readPinnedKey(ring);
    }
    const st = await fs.stat(file).catch(() => null);
    if (!st) throw new UsageError(`${file}: no such file`);
    if (!st.isFile()) throw new UsageError(`${file}: not a file`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`rvi evidence: ${e.message}`);
    io.err(USAGE);
    return 2;
  }
  const r = await verifyEvidencePackage(file, { publicKey });
  if (!r.ok) {
    io.out(`NOT VERIFIED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${file}`);
    for (const p of r.problems) io.out(`  - ${p}`);
    return EXIT_NOT_VERIFIED;
  }
  const detail = `${r.files} files, ${r.auditEntries} audit entries, ${(r.bytesHashed / 1e6).toFixed(1)} MB hashed; signed by key ${r.keyId}` +
    (r.checkpoint ? `; audit excerpt proven against the checkpoint of ${r.checkpoint.treeSize} entries signed at ${r.checkpoint.at}` : '');
  if (!r.pinned) {
    io.out(`INTACT, SIGNER NOT ESTABLISHED: ${file} is unchanged since key ${r.keyId} signed it, but nothing says that key is the server's`);
    io.out("  pass --key with the server's published keys (GET /api/keys, obtained from a source you trust) or set RVI_EVIDENCE_KEYS");
    io.err(detail);
    return EXIT_SIGNER_UNKNOWN;
  }
  io.out('verified');
  io.err(`${detail} (pinned)`);
  return EXIT_VERIFIED;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEvidenceVerifyCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`rvi evidence: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
