// The deployment files in deploy/ stay true of the code: every process they start runs roles `rvi serve` knows, every
// readiness probe asks /api/health, and every RVI_ variable they set is one the server reads and the README documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { rolesOf } from './config.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const deploy = join(root, 'deploy');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
const source = files(join(root, 'apps/server/src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('deploy/k8s: every container runs known roles with a readiness probe on /api/health', () => {
  const docs = parseAllDocuments(readFileSync(join(deploy, 'k8s/customs-rvi.yaml'), 'utf8')).map((d) => d.toJS());
  const workloads = docs.filter((d) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(d.kind));
  assert.deepEqual(workloads.map((w) => w.metadata.name).sort(), ['rvi-api', 'rvi-media', 'rvi-worker']);
  for (const w of workloads) {
    for (const c of w.spec.template.spec.containers) {
      const args: string[] = c.args;
      const i = args.indexOf('--roles');
      assert.ok(args.includes('serve') && i > 0, `${w.metadata.name}: rvi serve --roles`);
      assert.doesNotThrow(() => rolesOf(args[i + 1]), `${w.metadata.name}: roles ${args[i + 1]}`);
      assert.equal(c.readinessProbe?.httpGet?.path, '/api/health', `${w.metadata.name}: readiness on /api/health`);
    }
  }
  const media = workloads.find((w) => w.metadata.name === 'rvi-media');
  assert.equal(media.spec.template.spec.hostNetwork, true, 'media nodes on the host network (WebRTC reaches their addresses)');
});

test('deploy/systemd: one unit per role, each starting rvi serve with that role', () => {
  for (const role of ['api', 'worker', 'media']) {
    const unit = readFileSync(join(deploy, `systemd/rvi-${role}.service`), 'utf8');
    assert.match(unit, new RegExp(`^ExecStart=.*rvi\\.mjs serve --roles ${role}$`, 'm'));
    assert.match(unit, /^Restart=always$/m);
  }
});

test('deploy/: every RVI_ variable set there is read by the server and documented in the README', () => {
  const names = new Set(files(deploy).flatMap((f) => readFileSync(f, 'utf8').match(/\bRVI_[A-Z0-9_]+\b/g) ?? []));
  assert.ok(names.size > 3);
  for (const n of names) {
    if (n.endsWith('_')) continue; // a prefix in a comment (RVI_S3_*)
    assert.ok(source.includes(n) || n === 'RVI_NODE1' || n === 'RVI_NODE2' || n === 'RVI_LB_BIND', `${n} is read by the server`);
    assert.ok(readme.includes(n), `${n} is in the README`);
  }
});
