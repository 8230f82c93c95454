/**
 * The shared data sets (`../shared/data/NAME` beside the checkout; a worktree under /work/wt/NAME has it two levels
 * up). Tests that need them say so and are skipped only where the data set is absent (never in CI, which lays
 * shared/ beside the clone).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export function sharedDataDir(name: string): string | null {
  for (const up of ['..', join('..', '..')]) {
    const dir = join(repoRoot, up, 'shared', 'data', name);
    if (existsSync(join(dir, 'truth.json'))) return dir;
  }
  return null;
}
