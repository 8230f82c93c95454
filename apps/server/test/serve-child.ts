// A server process for crash tests: the real app (API, WebSocket signalling, media node, recorder) on a fixed port
// and a data directory that outlives it (PGlite on disk, recordings), so a test can kill it with SIGKILL and start it
// again on the same data. `seed` mode also creates the demo organisations and a live session of a booked remote
// order, and prints its id, the device link and the inspector's cookie. Prints one JSON line when listening.
//   node --import tsx apps/server/test/serve-child.ts DATA_DIR PORT seed|restart
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/platform/config.ts';
import { buildApp, createContext } from '../src/app.ts';
import { seedOnFirstStart } from '../src/modules/orgs/demo.ts';
import { organisations } from '../src/db/schema.ts';
import { bookedOrder, people } from '../src/modules/sessions/sessions.test-helpers.ts';
import { TEST_PASSWORD, type TestApp } from './harness.ts';

const [dataDir, port, mode] = process.argv.slice(2);
if (!dataDir || !port || !['seed', 'restart'].includes(mode)) throw new Error('usage: serve-child DATA_DIR PORT seed|restart');
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: port, RVI_REQUIRE_2FA: process.env.RVI_REQUIRE_2FA ?? '0', RVI_LIVE_READING: process.env.RVI_LIVE_READING ?? '0' } as NodeJS.ProcessEnv, { databaseUrl: process.env.DATABASE_URL || null });
const ctx = await createContext(config, { jobs: false });
if (mode === 'seed') await seedOnFirstStart(ctx.db, { demo: true, password: TEST_PASSWORD });
const app = await buildApp(ctx);
await app.listen({ port: Number(port), host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
let out: Record<string, unknown> = { base };
if (mode === 'seed') {
  const orgRows = await ctx.db.select().from(organisations);
  const byCode = (c: string) => orgRows.find((o) => o.code === c)?.id ?? '';
  const t = {
    app, ctx, config, orgs: { office: byCode('CUS-YS'), alpha: byCode('ENT-ALPHA'), beta: byCode('ENT-BETA') },
    async login(username: string, password = TEST_PASSWORD) {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      if (r.statusCode !== 200) throw new Error(`login ${username} failed: ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === 'rvi_session' || x.name === '__Host-rvi_session')!;
      return `${c.name}=${c.value}`;
    },
    close: async () => {},
  } as unknown as TestApp;
  const p = await people(t);
  const order = await bookedOrder(t, p);
  const r = await p.inspector1.post('/api/sessions', { orderId: order.id });
  if (r.status !== 201) throw new Error(`open session: ${r.status} ${JSON.stringify(r.body)}`);
  out = { ...out, sessionId: r.body.session.id, link: r.body.link.url, cookie: p.inspector1.cookie, orderNo: order.orderNo };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
