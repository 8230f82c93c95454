#!/usr/bin/env node
// Runs every *.test.ts under packages/*/src, apps/*/src and apps/*/test with node's test runner (through tsx).
// Usage: npm test [-- PATTERN...]   (PATTERN filters file paths by substring)
// Browser tests (*.browser.test.ts) run after the rest, one file at a time: each starts its own Chromium; a failing
// browser test file is retried once.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'apps'];
const skip = new Set(['node_modules', 'dist', 'data', '.test-data']);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const r of roots) walk(join(root, r));
const patterns = process.argv.slice(2);
const selected = files.filter((f) => patterns.length === 0 || patterns.some((p) => f.includes(p))).sort();
const browser = selected.filter((f) => f.endsWith('.browser.test.ts'));
const plain = selected.filter((f) => !f.endsWith('.browser.test.ts'));
const nodeArgs = ['--import', 'tsx', '--test', '--test-reporter=spec'];
let failed = false;
if (plain.length) {
  const r = spawnSync(process.execPath, [...nodeArgs, '--test-concurrency=2', ...plain], { stdio: 'inherit', cwd: root });
  failed ||= r.status !== 0;
}
// Browser journeys drive real Chromium and real WebRTC on a shared 2-core machine; a file that fails is run once more
// (said loudly in the output), and fails the suite if it fails again.
for (const file of browser) {
  let r = spawnSync(process.execPath, [...nodeArgs, file], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.log(`\n[test runner] ${file} failed; running it once more (browser tests only)\n`);
    r = spawnSync(process.execPath, [...nodeArgs, file], { stdio: 'inherit', cwd: root });
  }
  failed ||= r.status !== 0;
}
if (!selected.length) { console.error('no test files matched'); process.exit(1); }
process.exit(failed ? 1 : 0);
