// The server process the interfaces bench kills with SIGKILL and starts again: the whole app (API, outbox dispatcher,
// webhook fan-out and sender) on a fixed port, on the bench's Postgres database and data directory (its secrets key
// unseals the webhook secrets after the restart). Prints one JSON line when listening.
//   node --import tsx bench/interfaces/server.ts DATA_DIR PORT seed|restart      (DATABASE_URL in the environment)
import { loadConfig } from '../../apps/server/src/platform/config.ts';
import { buildApp, createContext } from '../../apps/server/src/app.ts';
import { seedOnFirstStart } from '../../apps/server/src/modules/orgs/demo.ts';
import { TEST_PASSWORD } from '../../apps/server/test/harness.ts';

const [dataDir, port, mode] = process.argv.slice(2);
if (!dataDir || !port || !['seed', 'restart'].includes(mode)) throw new Error('usage: server.ts DATA_DIR PORT seed|restart');
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: port, RVI_REQUIRE_2FA: '0', RVI_WEBHOOK_ALLOW_NETWORKS: '127.0.0.1' } as NodeJS.ProcessEnv,
  { databaseUrl: process.env.DATABASE_URL || null });
const ctx = await createContext(config, {});
if (mode === 'seed') await seedOnFirstStart(ctx.db, { demo: true, password: TEST_PASSWORD });
const app = await buildApp(ctx);
await app.listen({ port: Number(port), host: '127.0.0.1' });
console.log(JSON.stringify({ listening: `http://127.0.0.1:${port}`, pid: process.pid }));
