#!/usr/bin/env node
// npm run bench -- NAME [ARGS...]: runs bench/NAME/index.ts (or bench/NAME.ts) with tsx.
// Its last line is `NAME: key=value ...`.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const root = new URL('..', import.meta.url).pathname;
const [name, ...args] = process.argv.slice(2);
if (!name) { console.error('usage: npm run bench -- NAME'); process.exit(2); }
const candidates = [`bench/${name}/index.ts`, `bench/${name}.ts`];
const file = candidates.find((f) => existsSync(root + f));
if (!file) { console.error(`no benchmark named ${name} (looked for ${candidates.join(', ')})`); process.exit(2); }
const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
