import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from './config.ts';

test('config: defaults', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, null);
  assert.equal(c.demo, true);
  assert.ok(c.dataDir.endsWith('/data'));
});

test('config: bad values are named', () => {
  const bad: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT'], [{ PORT: '70000' }, 'PORT'], [{ RVI_DEMO: 'maybe' }, 'RVI_DEMO'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'], [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ RVI_DEMO_PASSWORD: 'short' }, 'RVI_DEMO_PASSWORD'], [{ RVI_ICE_SERVERS: '{nope' }, 'RVI_ICE_SERVERS'],
  ];
  for (const [env, name] of bad) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === name && e.message.startsWith(name));
  }
});
