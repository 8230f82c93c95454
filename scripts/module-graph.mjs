#!/usr/bin/env node
// The server's module graph, one line per module (modules/<m>, platform, db, adapters, cli, app.ts), from
// dependency-cruiser's analysis of apps/server/src (type-only imports included, tests excluded), with the cycles
// between modules and the modules that import app.ts. Usage: node scripts/module-graph.mjs [REPO_DIR]
// (REPO_DIR: another checkout, e.g. to compare with an older commit). The rules CI enforces are in
// .dependency-cruiser.cjs (`npm run lint:deps`); this script is the readable picture.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const repo = resolve(process.argv[2] ?? here);
const bin = resolve(here, 'node_modules/.bin/depcruise');
const r = spawnSync(bin, ['apps/server/src', '--no-config', '--ts-config', 'tsconfig.json', '--ts-pre-compilation-deps',
  '--do-not-follow', 'node_modules', '--exclude', '(\\.test\\.ts|test-helpers\\.ts)$', '--output-type', 'json'],
{ cwd: repo, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
const { modules } = JSON.parse(r.stdout);

const unitOf = (file) => {
  const m = /^apps\/server\/src\/(?:(modules\/[^/]+)|(platform|db|adapters|cli)\/|(app\.ts)$)/.exec(file);
  return m ? (m[1] ?? m[2] ?? m[3]).replace(/^modules\//, '') : null;
};
const edges = new Map();
const appImporters = new Set();
for (const mod of modules) {
  const from = unitOf(mod.source);
  if (!from) continue;
  if (!edges.has(from)) edges.set(from, new Set());
  for (const d of mod.dependencies) {
    const to = unitOf(d.resolved);
    if (!to || to === from) continue;
    edges.get(from).add(to);
    if (to === 'app.ts' && !['cli', 'platform', 'db', 'adapters'].includes(from)) appImporters.add(from);
  }
}

// Strongly connected components (Tarjan): every component of more than one module is a cycle.
const cyclesOf = (skip) => {
let index = 0;
const idx = new Map(), low = new Map(), stack = [], on = new Set(), sccs = [];
const visit = (v) => {
  idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
  for (const w of edges.get(v) ?? []) {
    if (w === skip) continue;
    if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v);
    if (c.length > 1) sccs.push(c.sort());
  }
};
for (const v of edges.keys()) if (v !== skip && !idx.has(v)) visit(v);
return sccs.map((c) => `{${c.join(', ')}}`).join('  ') || 'none';
};

const units = [...edges.keys()].sort();
const n = [...edges.values()].reduce((a, s) => a + s.size, 0);
console.log(`module graph of apps/server/src: ${units.length} units, ${n} edges`);
for (const u of units) console.log(`  ${u.padEnd(14)} → ${[...edges.get(u)].sort().join(', ') || '(nothing)'}`);
console.log(`cycles between modules: ${cyclesOf(null)}`);
console.log(`cycles not through app.ts: ${cyclesOf('app.ts')}`);
console.log(`modules importing app.ts: ${appImporters.size ? [...appImporters].sort().join(', ') : 'none'}`);
