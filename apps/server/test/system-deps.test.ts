import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The `pretest` step (scripts/system-deps.mjs) on a simulated fresh machine: an empty file tree (RVI_SYSTEM_DEPS_ROOT)
// and a PATH without the tools, so nothing has to be uninstalled from the shared machine to check it.
const script = new URL('../../../scripts/system-deps.mjs', import.meta.url).pathname;
const run = (env: Record<string, string>) => spawnSync(process.execPath, [script], { encoding: 'utf8', env: { HOME: tmpdir(), ...env } });
const ALL = 'chromium ffmpeg fonts-dejavu-core fonts-noto-cjk unzip poppler-utils fonts-noto-color-emoji haproxy coturn slapd ldap-utils';

test('this machine has everything: the check is a silent no-op', () => {
  const r = run({ PATH: process.env.PATH ?? '' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('fresh machine, not root: stops at once with the one command to run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-deps-'));
  try {
    const r = run({ PATH: join(dir, 'bin'), RVI_SYSTEM_DEPS_ROOT: join(dir, 'root'), RVI_SYSTEM_DEPS_UID: '1000' });
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`sudo apt-get install -y --no-install-recommends ${ALL}`), r.stderr);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('fresh machine as root: installs exactly what is missing with apt-get (update, then install)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-deps-'));
  try {
    const bin = join(dir, 'bin');
    const rootDir = join(dir, 'root');
    mkdirSync(bin, { recursive: true });
    // Chromium and the Latin fonts are there already; ffmpeg, unzip, pdftotext, the CJK and the emoji fonts, haproxy, coturn, slapd and ldap-utils are not.
    mkdirSync(join(rootDir, 'usr/bin'), { recursive: true });
    writeFileSync(join(rootDir, 'usr/bin/chromium'), '');
    mkdirSync(join(rootDir, 'usr/share/fonts/truetype/dejavu'), { recursive: true });
    writeFileSync(join(rootDir, 'usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'), '');
    const log = join(dir, 'apt.log');
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> ${log}\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    const r = run({ PATH: bin, RVI_SYSTEM_DEPS_ROOT: rootDir, RVI_SYSTEM_DEPS_UID: '0' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      'noninteractive update -qq',
      'noninteractive install -y --no-install-recommends ffmpeg fonts-noto-cjk unzip poppler-utils fonts-noto-color-emoji haproxy coturn slapd ldap-utils',
    ]);
    // A dry run says what it would do (with flock when the machine has it).
    writeFileSync(join(bin, 'flock'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(bin, 'flock'), 0o755);
    const dry = run({ PATH: bin, RVI_SYSTEM_DEPS_ROOT: rootDir, RVI_SYSTEM_DEPS_UID: '0', RVI_SYSTEM_DEPS_DRY_RUN: '1' });
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /would run: flock \/tmp\/apt\.lock apt-get install -y --no-install-recommends ffmpeg fonts-noto-cjk unzip poppler-utils fonts-noto-color-emoji haproxy coturn slapd ldap-utils/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('as root without apt-get, or when apt-get fails: a clear message and a failing exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-deps-'));
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const none = run({ PATH: bin, RVI_SYSTEM_DEPS_ROOT: join(dir, 'root'), RVI_SYSTEM_DEPS_UID: '0' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no apt-get here/);
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 100\n');
    chmodSync(join(bin, 'apt-get'), 0o755);
    const failing = run({ PATH: bin, RVI_SYSTEM_DEPS_ROOT: join(dir, 'root'), RVI_SYSTEM_DEPS_UID: '0' });
    assert.equal(failing.status, 1);
    assert.match(failing.stderr, /apt-get update -qq" failed \(exit 100\)/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
