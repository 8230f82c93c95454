import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runVisionCli, type CliIo } from './cli.ts';

const fixtures = fileURLToPath(new URL('../test-fixtures/', import.meta.url));

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

test('read --json: one contract object per line per file; bad files give an error object and the run continues', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vision-cli-'));
  try {
    const notImage = join(dir, 'manifest.pdf');
    await writeFile(notImage, '%PDF-1.4 not really');
    const container = join(fixtures, 'container-boxed-check-digit.jpg');
    const carton = join(fixtures, 'carton-kr.jpg');
    const io = capture();
    const code = await runVisionCli(['read', container, notImage, join(dir, 'missing.png'), carton, '--json'], io);
    assert.equal(code, 0);
    assert.equal(io.stdout.length, 4, 'one line per file');
    const [c, bad, missing, k] = io.stdout.map((l) => JSON.parse(l));

    // Contract keys, in order, with their types.
    assert.deepEqual(Object.keys(c).slice(0, 9), ['file', 'containerNumbers', 'sealNumbers', 'origin', 'quantity', 'netWeightKg', 'hsCode', 'barcodes', 'lines']);
    assert.equal(c.file, container);
    assert.deepEqual(c.containerNumbers, ['BMOU9668610']);
    assert.deepEqual(c.sealNumbers, []);
    assert.equal(c.origin, null);
    assert.equal(c.quantity, null);
    assert.equal(c.netWeightKg, null);
    assert.equal(c.hsCode, null);
    assert.deepEqual(c.barcodes, []);
    assert.ok(c.lines.length >= 2);
    for (const line of c.lines) {
      assert.deepEqual(Object.keys(line), ['text', 'confidence', 'box']);
      assert.equal(line.box.length, 4);
      for (const p of line.box) assert.ok(Number.isInteger(p[0]) && Number.isInteger(p[1]));
    }
    assert.equal(c.sizeType, '45G1');
    assert.deepEqual(c.unverifiedContainerNumbers, []);

    assert.equal(bad.file, notImage);
    assert.equal(bad.error.reason, 'unsupported_format');
    assert.equal(typeof bad.error.message, 'string');
    assert.equal(bad.containerNumbers, undefined);
    assert.equal(missing.error.reason, 'not_found');

    assert.equal(k.origin, 'KR');
    assert.deepEqual(k.quantity, { value: 12, unit: 'PCS' });
    assert.equal(k.netWeightKg, 232.7);
    assert.equal(k.hsCode, '326981');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 without reading anything', async () => {
  for (const argv of [[], ['scan', 'x.jpg'], ['read'], ['read', '--json'], ['read', 'x.jpg', '--bogus']]) {
    const io = capture();
    assert.equal(await runVisionCli(argv, io), 2, argv.join(' '));
    assert.equal(io.stdout.length, 0);
    assert.match(io.stderr.join('\n'), /usage: rvi vision read/);
  }
  const help = capture();
  assert.equal(await runVisionCli(['--help'], help), 0);
  assert.match(help.stdout[0], /usage/);
});

test('without --json: one summary line per file', async () => {
  const io = capture();
  assert.equal(await runVisionCli(['read', join(fixtures, 'seal-zh.jpg'), '--no-barcodes'], io), 0);
  assert.equal(io.stdout.length, 1);
  assert.match(io.stdout[0], /seal-zh\.jpg: .*seals=ML9989383/);
});
