import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTargetingCli } from './cli.ts';
import { readModelFile } from './model.ts';

const fixture = fileURLToPath(new URL('../test-fixtures/declarations-sample.csv', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'targeting-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const lines = readFileSync(fixture, 'utf8').trimEnd().split('\n');
const header = lines[0].split(',');

async function run(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await runTargetingCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function write(name: string, rows: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, rows.join('\n') + '\n');
  return p;
}

const withoutLabels = (line: string) => line.split(',').slice(0, -2).join(',');
const model = join(dir, 'model.json');
const half = Math.floor(lines.length / 2);
const partA = write('a.csv', lines.slice(0, half));
const partB = write('b.csv', [lines[0], ...lines.slice(half)]);

test('train on two files writes a model and prints time and in-sample figures', async () => {
  const r = await run('train', '--data', `${partA},${partB}`, '--model', model);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /training time: \d+\.\d+ s/);
  assert.match(r.out, /in-sample .*p5=\d\.\d{4} .*auc=\d\.\d{4}/);
  assert.match(r.out, /748 declarations \(2020-01-01 \.\. 2020-12-31/);
  assert.equal(readModelFile(model).info.trainingRows, 748);
});

test('score writes one line per input row, in order, with or without labels', async () => {
  const rows = lines.slice(1, 200);
  const odd = rows[0].split(',');
  odd[0] = 'ODD-1'; odd[9] = 'NEVER-SEEN-IMPORTER'; odd[10] = ''; odd[12] = '000000'; odd[18] = '1e300'; odd[19] = '';
  const input = write('in.csv', [withoutLabels(lines[0]), ...rows.map(withoutLabels), withoutLabels(odd.join(','))]);
  const out = join(dir, 'out.csv');
  const r = await run('score', '--model', model, '--data', input, '--out', out);
  assert.equal(r.code, 0, r.err);
  const got = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(got[0], 'Declaration ID,score');
  assert.equal(got.length, rows.length + 2);
  got.slice(1, -1).forEach((l, i) => assert.equal(l.split(',')[0], rows[i].split(',')[0]));
  assert.equal(got.at(-1)!.split(',')[0], 'ODD-1');
  for (const l of got.slice(1)) {
    const s = Number(l.split(',')[1]);
    assert.ok(s >= 0 && s <= 1, l);
  }
  // The label columns are ignored when present.
  const labelled = write('in-labelled.csv', [lines[0], ...rows]);
  const out2 = join(dir, 'out2.csv');
  assert.equal((await run('score', '--model', model, '--data', labelled, '--out', out2)).code, 0);
  assert.deepEqual(readFileSync(out2, 'utf8').trimEnd().split('\n'), got.slice(0, -1));
});

test('scoring reports bad rows by line but still scores them', async () => {
  const bad = lines[5].split(',');
  bad[18] = '-12';
  const input = write('bad-score.csv', [lines[0], lines[1], bad.join(','), lines[3]]);
  const out = join(dir, 'bad-out.csv');
  const r = await run('score', '--model', model, '--data', input, '--out', out);
  assert.equal(r.code, 0);
  assert.match(r.err, /line 3: Net Mass is negative/);
  assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 4);
});

test('training input without labels, with a wrong header or bad rows fails with code 2', async () => {
  const noLabels = write('nolabels.csv', lines.slice(0, 50).map(withoutLabels));
  let r = await run('train', '--data', noLabels, '--model', join(dir, 'x.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /missing column: "Fraud"/);
  assert.ok(!existsSync(join(dir, 'x.json')));

  const hsIndex = header.indexOf('HS6 Code');
  const wrong = write('wrong.csv', lines.slice(0, 50).map((l) => l.split(',').filter((_, i) => i !== hsIndex).join(',')));
  r = await run('train', '--data', wrong, '--model', join(dir, 'x.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /wrong\.csv: missing column: "HS6 Code"/);

  const rows = lines.slice(0, 60);
  rows[7] = rows[7].replace(/^(\d+),2020-\d\d-\d\d/, '$1,2020-13-45');
  const price = rows[9].split(','); price[19] = '-100'; rows[9] = price.join(',');
  const badRows = write('badrows.csv', rows);
  r = await run('train', '--data', badRows, '--model', join(dir, 'x.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /line 8: Date is not a valid YYYY-MM-DD date/);
  assert.match(r.err, /line 10: Item Price is negative/);
  assert.match(r.err, /refusing to train: 2 row\(s\)/);
  r = await run('train', '--data', badRows, '--model', join(dir, 'x.json'), '--skip-bad-rows');
  assert.equal(r.code, 0, r.err);
  assert.equal(readModelFile(join(dir, 'x.json')).info.trainingRows, 57);
});

test('a corrupted model or bad arguments fail with code 2', async () => {
  const text = readFileSync(model, 'utf8');
  const corrupted = join(dir, 'corrupted.json');
  writeFileSync(corrupted, text.replace('"trainingRows":748', '"trainingRows":749'));
  const input = write('few.csv', lines.slice(0, 5));
  let r = await run('score', '--model', corrupted, '--data', input, '--out', join(dir, 'o.csv'));
  assert.equal(r.code, 2);
  assert.match(r.err, /checksum does not match/);
  writeFileSync(corrupted, text.slice(0, 1000));
  r = await run('score', '--model', corrupted, '--data', input, '--out', join(dir, 'o.csv'));
  assert.equal(r.code, 2);
  assert.match(r.err, /not valid JSON/);
  r = await run('score', '--model', join(dir, 'missing.json'), '--data', input, '--out', join(dir, 'o.csv'));
  assert.equal(r.code, 2);
  assert.equal((await run('score', '--model', model, '--data', input)).code, 2);
  assert.equal((await run('frobnicate')).code, 2);
  assert.equal((await run()).code, 2);
  assert.equal((await run('train', '--data', input, '--model', model, '--bogus')).code, 2);
  r = await run('score', '--model', model, '--data', join(dir, 'nope.csv'), '--out', join(dir, 'o.csv'));
  assert.equal(r.code, 2);
  assert.match(r.err, /file not found/);
  assert.equal((await run('targeting', 'score', '--model', model, '--data', input, '--out', join(dir, 'o.csv'))).code, 0);
});
