// Shared by the browser journeys: the web app they load, rebuilt when its sources are newer than the build, and the
// Chromium flags every journey starts with.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const webDist = join(repoRoot, 'apps/web/dist');

/** Headless Chromium without network chatter of its own (updates, sync, QUIC). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds apps/web (npm run build -w @rvi/web) when there is no build or a source file changed since. */
export function ensureWebBuilt(): void {
  if (existsSync(join(webDist, 'index.html')) && newestMtime(join(repoRoot, 'apps/web/src')) <= statSync(join(webDist, 'index.html')).mtimeMs) return;
  const r = spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: repoRoot, stdio: 'inherit' });
  assert.equal(r.status, 0, 'building the web app failed');
}
