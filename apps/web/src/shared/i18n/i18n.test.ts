// Every user-visible string is translated: both languages have the same keys, Chinese values really are Chinese,
// every key the code asks for exists, and every value the UI translates by name (statuses, roles, fields, the
// server's error codes) has an entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DECLARATION_SORT_FIELDS, DECLARATION_STATUSES, DeclarationInput, PACKAGE_KIND_CODES, QUANTITY_UNIT_CODES, ROLES } from '@rvi/contracts';
import { METRIC_KEYS } from '../../features/risk/figures.ts';

const here = new URL('.', import.meta.url).pathname;
const src = join(here, '../..');
const serverSrc = join(here, '../../../../server/src');
const en = JSON.parse(readFileSync(join(here, 'locales/en.json'), 'utf8'));
const zh = JSON.parse(readFileSync(join(here, 'locales/zh-CN.json'), 'utf8'));

type Tree = { [k: string]: string | Tree };
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(PLURAL, '');
const enKeys = flatten(en);
const zhKeys = flatten(zh);
const has = (keys: Map<string, string>, k: string) => keys.has(k) || keys.has(`${k}_other`);

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

test('en and zh-CN have the same keys (plural forms aside) and no empty values', () => {
  const a = new Set([...enKeys.keys()].map(base));
  const b = new Set([...zhKeys.keys()].map(base));
  assert.deepEqual([...a].filter((k) => !b.has(k)), [], 'missing in zh-CN');
  assert.deepEqual([...b].filter((k) => !a.has(k)), [], 'missing in en');
  for (const [k, v] of [...enKeys, ...zhKeys]) assert.ok(v.trim(), `empty value ${k}`);
});

test('Chinese values are translated, not copied', () => {
  const sameAllowed = new Set(['common.none', 'orders.listSeparator']);
  for (const [k, v] of zhKeys) {
    if (sameAllowed.has(k)) continue;
    assert.match(v, /[\u4e00-\u9fff]/, `zh-CN ${k} has no Chinese text: ${v}`);
  }
});

test('every key used in the code exists, with the same {{placeholders}} in both languages', () => {
  const used = new Set<string>();
  for (const f of files(src)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z][\w.]*)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/\btitle: '([a-z]+\.[\w.]+)'/g)) used.add(m[1]); // section titles translated later
  }
  assert.ok(used.size > 100, `found only ${used.size} keys: the scan is broken`);
  for (const k of used) assert.ok(has(enKeys, k) && has(zhKeys, k), `key ${k} is not translated`);
  const vars = (s: string) => [...s.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort().join(',');
  for (const [k, v] of enKeys) {
    const z = zhKeys.get(k) ?? zhKeys.get(`${base(k)}_other`);
    if (z !== undefined) assert.equal(vars(z), vars(v), `placeholders differ in ${k}`);
  }
});

test('values translated by name have entries', () => {
  const need = [
    ...DECLARATION_STATUSES.map((s) => `status.${s}`),
    ...ROLES.map((r) => `roles.${r}`),
    ...Object.keys(DeclarationInput.properties).map((f) => `fields.${f}`),
    ...DECLARATION_SORT_FIELDS.map((f) => `fields.${f}`),
    ...['form', 'api', 'csv'].map((s) => `source.${s}`),
    ...['first', 'previous', 'next', 'last'].map((c) => `pagination.${c}`),
    ...['remote', 'onsite'].map((m) => `apply.mode.${m}`),
    // targeting: channels, model statuses, figures and the window they come from
    ...['green', 'yellow', 'red'].map((c) => `risk.channel.${c}`),
    ...['active', 'candidate', 'rejected', 'retired'].map((s) => `riskModel.status.${s}`),
    ...METRIC_KEYS.map((k) => `riskModel.metric.${k}`),
    ...['holdout', 'validation'].flatMap((w) => [`riskModel.figures.${w}`, `riskModel.figures.${w}Short`]),
    // code lists the declaration form offers, and the code-list problems it shows
    ...PACKAGE_KIND_CODES.map((c) => `codes.packageKind.${c}`),
    ...QUANTITY_UNIT_CODES.map((c) => `codes.unit.${c}`),
    ...['container_format', 'check_digit', 'duplicate_container', 'duplicate_seal', 'country', 'currency', 'package_kind', 'unit'].map((c) => `validation.codes.${c}`),
    ...['expected', 'arrived', 'cleared'].map((s) => `arrival.status.${s}`),
  ];
  // Error codes the server sends: the UI titles errors by code.
  const codes = new Set<string>(['network', 'validation', 'internal', 'bad_request', 'bad_body', 'body_too_large', 'unsupported_media_type']);
  for (const f of files(serverSrc)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:badRequest|conflict|new AppError)\('([a-z_]+)'/g)) codes.add(m[1]);
    for (const m of text.matchAll(/code: '([a-z_]+)'/g)) codes.add(m[1]);
  }
  assert.ok(codes.has('duplicate_declaration') && codes.has('forbidden'), 'server error codes not found: scan broken');
  for (const c of codes) need.push(`errors.${c}`);
  for (const k of need) assert.ok(has(enKeys, k) && has(zhKeys, k), `key ${k} is not translated`);
});
