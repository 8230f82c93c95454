#!/usr/bin/env node
// System packages the tests need (npm runs this as `pretest`; `.ci/run` runs it too). Chromium drives the browser
// journeys, ffmpeg/ffprobe make and check media, haproxy balances the cluster test's API nodes, the fonts render
// Latin and Chinese text in screenshots and videos,
// unzip and pdftotext check evidence packages and reports from outside.
//
// All present: exits 0 at once. Something missing: as root (a fresh CI machine or container) it installs the missing
// Debian/Ubuntu packages with apt-get (under `flock /tmp/apt.lock` when flock exists, so parallel runs on one machine
// do not collide); otherwise it stops at once with the one command to run.
//
// Environment (for CI and for checking this script without uninstalling anything):
//   RVI_SYSTEM_DEPS=skip      do nothing (e.g. a machine that runs only the unit tests)
//   RVI_SYSTEM_DEPS_DRY_RUN=1 print the commands it would run instead of running them (exit 0 as if they had worked)
//   RVI_SYSTEM_DEPS_ROOT=DIR  look for the files below DIR instead of / (binaries are looked up on PATH as usual)
//   RVI_SYSTEM_DEPS_UID=N     act as this user id (default: the real one)
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const env = process.env;
if (env.RVI_SYSTEM_DEPS === 'skip') process.exit(0);
const root = env.RVI_SYSTEM_DEPS_ROOT ?? '/';
const dry = env.RVI_SYSTEM_DEPS_DRY_RUN === '1';
const uid = env.RVI_SYSTEM_DEPS_UID !== undefined ? Number(env.RVI_SYSTEM_DEPS_UID) : (process.getuid?.() ?? -1);

const onPath = (cmd) => (env.PATH ?? '').split(delimiter).some((d) => {
  try { accessSync(join(d, cmd), constants.X_OK); return true; } catch { return false; }
});
const file = (p) => existsSync(join(root, p));
const anyFile = (dir, re) => {
  const walk = (d, depth) => {
    let names;
    try { names = readdirSync(d, { withFileTypes: true }); } catch { return false; }
    return names.some((n) => (n.isDirectory() ? depth > 0 && walk(join(d, n.name), depth - 1) : re.test(n.name)));
  };
  return walk(join(root, dir), 3);
};

/** [Debian package, is it there?] — the tests launch /usr/bin/chromium (playwright-core with executablePath). */
const NEEDS = [
  ['chromium', () => file('usr/bin/chromium')],
  ['ffmpeg', () => onPath('ffmpeg') && onPath('ffprobe')],
  ['fonts-dejavu-core', () => file('usr/share/fonts/truetype/dejavu/DejaVuSans.ttf')],
  ['fonts-noto-cjk', () => anyFile('usr/share/fonts', /^NotoSansCJK.*\.(ttc|otf)$/i)],
  ['unzip', () => onPath('unzip')],
  ['poppler-utils', () => onPath('pdftotext')],
  // the object-detector tests draw goods (bicycles) with the colour emoji font
  ['fonts-noto-color-emoji', () => anyFile('usr/share/fonts', /^NotoColorEmoji\.ttf$/i)],
  // the cluster test puts two API nodes behind a real load balancer configured by deploy/haproxy.cfg
  ['haproxy', () => file('usr/sbin/haproxy')],
  // the TURN test relays the device's media through a real coturn (networks that block UDP)
  ['coturn', () => file('usr/bin/turnserver')],
  // the LDAP sign-in test runs a real OpenLDAP server, seeded with ldapadd / ldapmodify
  ['slapd', () => file('usr/sbin/slapd')],
  ['ldap-utils', () => onPath('ldapadd') && onPath('ldapmodify') && onPath('ldapsearch')],
];

const missing = NEEDS.filter(([, present]) => !present()).map(([pkg]) => pkg);
if (!missing.length) process.exit(0);

const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
if (uid !== 0) {
  console.error(`\nThe tests need these system packages, which are missing: ${missing.join(', ')}.\nInstall them with:\n\n  sudo ${install.join(' ')}\n\nthen run the tests again (or set RVI_SYSTEM_DEPS=skip to try without them).\n`);
  process.exit(1);
}
if (!onPath('apt-get')) {
  console.error(`\nThe tests need ${missing.join(', ')} (Debian/Ubuntu package names) and there is no apt-get here: install them with your system's package manager.\n`);
  process.exit(1);
}
const locked = (argv) => (onPath('flock') ? ['flock', '/tmp/apt.lock', ...argv] : argv);
const steps = [locked(['apt-get', 'update', '-qq']), locked(install)];
console.error(`[system packages] installing ${missing.join(', ')} for the tests`);
for (const argv of steps) {
  if (dry) { console.log(`would run: ${argv.join(' ')}`); continue; }
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    console.error(`\n[system packages] "${argv.join(' ')}" failed (exit ${r.status}).\n`);
    process.exit(1);
  }
}
