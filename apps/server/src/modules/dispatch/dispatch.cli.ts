// `rvi dispatch replay RUN_ID`: recomputes a recorded dispatch run from its stored input and seed.
// Exit 0 printing "replay: same result"; exit 1 naming the differences; exit 2 for usage errors or an unknown run.
import { loadConfig } from '../../platform/config.ts';
import { openDatabase } from '../../platform/db.ts';
import { systemActor } from '../../platform/actor.ts';
import { AppError } from '../../platform/errors.ts';
import { replayRun } from './dispatch.service.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
const stdio: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

export async function runDispatchCli(args: string[], io: CliIo = stdio): Promise<number> {
  const [sub, runId] = args;
  if (sub !== 'replay' || !runId || runId.startsWith('-')) {
    io.err('usage: rvi dispatch replay RUN_ID');
    return 2;
  }
  const c = loadConfig();
  const database = await openDatabase({ databaseUrl: c.databaseUrl, dataDir: c.dataDir });
  try {
    const r = await replayRun(database.db, systemActor('cli-dispatch-replay'), runId);
    if (r.same) {
      io.out(`replay: same result (run ${runId})`);
      return 0;
    }
    if (r.error) io.err(`replay: run ${runId} could not be recomputed: ${r.error.code}: ${r.error.message}`);
    io.err(`replay: DIFFERENT result for run ${runId}: ${r.differences.length} difference(s)`);
    for (const d of r.differences.slice(0, 50)) io.err(`  ${d.path}: recorded ${show(d.recorded)}, replayed ${show(d.replayed)}`);
    return 1;
  } catch (e) {
    if (e instanceof AppError && e.status === 404) {
      io.err(`error: dispatch run ${runId} not found`);
      return 2;
    }
    throw e;
  } finally {
    await database.close();
  }
}
