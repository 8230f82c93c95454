import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { checkRoles, loadConfig, rolesOf, ConfigError, type Config } from '../platform/config.ts';
import { systemActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';

const USAGE = `Usage: rvi <command>

  serve [--roles api,worker,media]        start the server: api+media (web app, API, WebSocket, media node) and/or
                                          worker (jobs, outbox dispatch); default all three
  db migrate                              apply database migrations
  import declarations FILE.csv --org ORG  import declarations for an enterprise (id or code) [--skip-invalid]
  audit verify [--checkpoint FILE]... [--key KEYS]
                                          walk the audit chain and compare it with signed checkpoints; exit 1 naming
                                          each problem (broken entry, truncated or rewritten log)
  audit checkpoint --out FILE             sign a checkpoint of the audit log now and write it to FILE
  targeting train|score ...               risk model (see rvi targeting --help)
  vision read FILE... --json              read container/seal numbers and carton labels from images
  evidence verify FILE.zip [--key KEY]    verify an evidence package offline
  evidence export ORDER --out FILE.zip    write the evidence package of an inspection order (id or number)
  token create --org ORG --scope ACTION... [--role R] [--name N] [--days D] [--rate N]
                                          create an API token (prints its secret once); token list|rotate ID|revoke ID
  dispatch replay RUN_ID                  recompute a recorded dispatch run; exit 1 naming any difference

Configuration comes from environment variables (PORT, HOST, DATA_DIR, DATABASE_URL, RVI_DEMO, RVI_DEMO_PASSWORD, LOG_LEVEL); see README.`;

function config(): Config {
  return loadConfig();
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
}

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve': {
        const { serve } = await import('./serve.ts');
        const all = [sub, ...rest].filter((x): x is string => x !== undefined);
        const roles = all.includes('--roles') ? rolesOf(flag(all, '--roles')!, '--roles') : null;
        const c = roles ? { ...config(), roles } : config();
        checkRoles(c, roles ? '--roles' : 'RVI_ROLES');
        await serve(c);
        return 0;
      }
      case 'db': {
        if (sub !== 'migrate') throw new UsageError('rvi db migrate');
        const { openDatabase, migrate, appliedMigrations } = await import('../platform/db.ts');
        const c = config();
        const database = await openDatabase({ databaseUrl: c.databaseUrl, dataDir: c.dataDir });
        await migrate(database);
        console.log(`migrations applied: ${await appliedMigrations(database)} (${database.kind})`);
        await database.close();
        return 0;
      }
      case 'import': {
        if (sub !== 'declarations' || !rest[0] || rest[0].startsWith('--')) throw new UsageError('rvi import declarations FILE.csv --org ORG [--skip-invalid]');
        const file = rest[0];
        const org = flag(rest, '--org');
        if (!org) throw new UsageError('--org ORG is required (enterprise id or code)');
        if (!existsSync(file)) { console.error(`error: file not found: ${file}`); return 2; }
        const { createContext, closeContext } = await import('../app.ts');
        const { importDeclarations } = await import('../modules/declarations/declarations.service.ts');
        const ctx = await createContext({ ...config(), logLevel: 'silent' }, { dispatch: false });
        try {
          const r = await importDeclarations(ctx.db, systemActor('cli-import'), {
            csv: readFileSync(file, 'utf8'), fileName: basename(file), orgRef: org, skipInvalid: rest.includes('--skip-invalid'),
          });
          for (const p of r.invalid) console.error(`line ${p.line}${p.declarationNo ? ` (${p.declarationNo})` : ''}: ${p.reason}`);
          for (const p of r.duplicates) console.error(`line ${p.line} (${p.declarationNo}): ${p.reason}`);
          console.log(r.message);
          return r.refused ? 1 : 0;
        } finally {
          // the whole context: on Postgres its LISTEN connections (WebSocket fan-out, node bus) would keep the process alive
          await closeContext(ctx);
        }
      }
      case 'audit': {
        const { createContext, closeContext } = await import('../app.ts');
        const { runAuditCli, AUDIT_USAGE } = await import('../modules/audit/audit.cli.ts');
        if (sub !== 'verify' && sub !== 'checkpoint') throw new UsageError(AUDIT_USAGE);
        const ctx = await createContext({ ...config(), logLevel: 'silent' }, { jobs: false });
        try {
          return await runAuditCli([sub, ...rest], ctx);
        } finally {
          await closeContext(ctx);
        }
      }
      case 'targeting': {
        const { runTargetingCli } = await import('@rvi/targeting');
        return await runTargetingCli([sub, ...rest].filter((x) => x !== undefined));
      }
      case 'vision': {
        const { runVisionCli } = await import('@rvi/vision');
        return await runVisionCli([sub, ...rest].filter((x) => x !== undefined));
      }
      case 'evidence': {
        if (sub === 'verify') {
          const { runEvidenceVerifyCli } = await import('@rvi/evidence');
          return await runEvidenceVerifyCli(['verify', ...rest]);
        }
        if (sub === 'export') {
          const { createContext, closeContext } = await import('../app.ts');
          const { runEvidenceExportCli } = await import('../modules/evidence/evidence.cli.ts');
          const ctx = await createContext({ ...config(), logLevel: 'silent' }, { jobs: false });
          try {
            return await runEvidenceExportCli(rest, ctx);
          } finally {
            await closeContext(ctx);
          }
        }
        throw new UsageError('rvi evidence verify FILE.zip [--key KEY] | rvi evidence export INSPECTION_ID --out FILE.zip');
      }
      case 'token': {
        const { createContext, closeContext } = await import('../app.ts');
        const { runTokenCli } = await import('../modules/auth/tokens.cli.ts');
        const ctx = await createContext({ ...config(), logLevel: 'silent' }, { jobs: false, dispatch: false });
        try {
          return await runTokenCli([sub, ...rest].filter((x) => x !== undefined), ctx);
        } finally {
          await closeContext(ctx);
        }
      }
      case 'dispatch': {
        const { runDispatchCli } = await import('../modules/dispatch/dispatch.cli.ts');
        return await runDispatchCli([sub, ...rest].filter((x) => x !== undefined));
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return cmd ? 0 : 2;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) { console.error(`error: ${e.message}\n\n${USAGE}`); return 2; }
    if (e instanceof ConfigError) { console.error(`configuration error: ${e.message}`); return 2; }
    if (e instanceof AppError) { console.error(`error: ${e.message}`); return e.status >= 500 ? 1 : 2; }
    throw e;
  }
}
