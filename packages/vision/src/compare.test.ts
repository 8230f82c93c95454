import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithDeclaration, hsMatchLevel } from './compare.ts';
import { extractFields } from './extract.ts';
import type { TextBox } from './layout.ts';
import { rectCorners, type RotatedRect } from './ocr/geometry.ts';

function box(text: string, x: number, y: number, w: number, h: number, confidence = 0.97): TextBox {
  const rect: RotatedRect = { cx: x + w / 2, cy: y + h / 2, width: w, height: h, ux: 1, uy: 0 };
  return { text, confidence, rect, box: rectCorners(rect) };
}

const carton = () =>
  extractFields([
    box('QTY: 24 PCS', 80, 100, 300, 40),
    box('N.W.: 12.5 KG', 80, 160, 300, 40),
    box('HS CODE: 8517.62', 80, 220, 300, 40),
    box('MADE IN VIETNAM', 80, 280, 300, 40),
  ]);

test('HS match levels', () => {
  assert.equal(hsMatchLevel('851762', '8517.62.00'), 6);
  assert.equal(hsMatchLevel('851769', '851762'), 4);
  assert.equal(hsMatchLevel('852100', '851762'), 2);
  assert.equal(hsMatchLevel('610910', '851762'), 0);
  assert.equal(hsMatchLevel('8517', '851762'), 4);
});

test('everything as declared: matches only, with evidence boxes', async () => {
  const fields = await carton();
  const r = compareWithDeclaration(fields, { countryOfOrigin: 'VN', items: [{ hsCode: '8517.62.00', quantity: { value: 240, unit: 'PCS' }, netMassKg: 125, packages: 10 }] });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.matches.map((m) => m.field).sort(), ['hsCode', 'netWeight', 'origin', 'quantity']);
  const origin = r.matches.find((m) => m.field === 'origin')!;
  assert.equal(origin.evidence.text, 'MADE IN VIETNAM');
  assert.deepEqual(origin.evidence.box, [[80, 280], [380, 280], [380, 320], [80, 320]]);
});

test('mismatches become suggested findings with declared, observed, confidence and evidence', async () => {
  const fields = await carton();
  const r = compareWithDeclaration(fields, { countryOfOrigin: 'CN', items: [{ hsCode: '851769', quantity: { value: 200, unit: 'PCS' }, netMassKg: 100, packages: 10 }] });
  const byField = Object.fromEntries(r.findings.map((f) => [f.field, f]));
  assert.equal(byField.origin.rule, 'origin_differs');
  assert.equal(byField.origin.declared, 'CN');
  assert.equal(byField.origin.observed, 'VN');
  assert.ok(byField.origin.confidence > 0.9);
  assert.equal(byField.origin.evidence.text, 'MADE IN VIETNAM');
  assert.equal(byField.hsCode.rule, 'hs_subheading_differs', 'same heading 8517, other subheading');
  assert.equal(byField.quantity.rule, 'quantity_differs');
  assert.equal(byField.netWeight.rule, 'net_weight_differs');
});

test('HS code in another chapter; weight only compared where it means something', async () => {
  const fields = await carton();
  const r = compareWithDeclaration(fields, { items: [{ hsCode: '6109.10', netMassKg: 5000 }] });
  assert.deepEqual(r.findings.map((f) => f.rule), ['hs_chapter_differs']);
  // 12.5 kg on one carton against 5000 kg declared in total, package count unknown: no finding, no match.
  assert.equal(r.matches.length, 0);
  const heavy = compareWithDeclaration(fields, { items: [{ hsCode: '851762', netMassKg: 10 }] });
  assert.deepEqual(heavy.findings.map((f) => f.rule), ['net_weight_exceeds_declared']);
});

test('container numbers against the arrival notice', async () => {
  const fields = await extractFields([box('CSQU3054383', 50, 50, 300, 40), box('MAEU1234567', 50, 150, 300, 40), box('TGHU7654322', 50, 250, 300, 40)]);
  const r = compareWithDeclaration(fields, {}, { containerNumbers: ['CSQU 305438 3', 'TGHU7654321'] });
  assert.deepEqual(r.matches.map((m) => [m.field, m.observed]), [['containerNumber', 'CSQU3054383']]);
  const rules = r.findings.map((f) => [f.rule, f.observed]);
  assert.deepEqual(rules, [['container_not_in_notice', 'MAEU1234567']], 'TGHU7654322 fails its check digit and is one digit from a noticed number: no finding');
  const far = compareWithDeclaration(fields, {}, { containerNumbers: ['CSQU3054383'] });
  const unverified = far.findings.find((f) => f.rule === 'unverified_container_number')!;
  assert.equal(unverified.observed, 'TGHU7654322');
  assert.ok(unverified.confidence < 0.5, 'an unverified reading is a weak suggestion');
});

test('seal numbers against the notice; nothing to compare gives nothing', async () => {
  const fields = await extractFields([box('SEAL NO: SH9212330', 50, 50, 400, 40)]);
  assert.deepEqual(compareWithDeclaration(fields, {}, { sealNumbers: ['SH9212330'] }).findings, []);
  assert.deepEqual(compareWithDeclaration(fields, {}, { sealNumbers: ['SH9212331'] }).findings.map((f) => f.rule), ['seal_not_declared']);
  assert.deepEqual(compareWithDeclaration(fields), { findings: [], matches: [] });
});

test('declaration goods fields (issue 18): Rec. 20 units, gross weight per package, the office\'s weight tolerance', async () => {
  const fields = await extractFields([
    box('QTY: 24 PCS', 80, 100, 300, 40),
    box('N.W.: 12.5 KG', 80, 160, 300, 40),
    box('G.W.: 13.8 KG', 80, 220, 300, 40),
  ]);
  // A goods line in PCE (Rec. 20) compares with a label in PCS; 10 cartons × 13.8 kg gross = 138 kg.
  const ok = compareWithDeclaration(fields, { items: [{ quantity: { value: 240, unit: 'PCE' }, netMassKg: 125, grossMassKg: 138, packages: 10 }] });
  assert.deepEqual(ok.findings, []);
  assert.deepEqual(ok.matches.map((m) => m.field).sort(), ['grossWeight', 'netWeight', 'quantity']);
  // 300 kg net declared for 10 cartons of 12.5 kg (125 kg read): a finding at any tolerance below 58 %.
  const light = compareWithDeclaration(fields, { items: [{ netMassKg: 300, grossMassKg: 320, packages: 10 }] }, {}, { weightTolerance: 0.05 });
  assert.deepEqual(light.findings.map((f) => f.rule).sort(), ['gross_weight_differs', 'net_weight_differs']);
  // 130 kg declared: 3.8 % off — no finding at 5 %, a finding at 2 %.
  assert.deepEqual(compareWithDeclaration(fields, { items: [{ netMassKg: 130, packages: 10 }] }, {}, { weightTolerance: 0.05 }).findings, []);
  assert.deepEqual(compareWithDeclaration(fields, { items: [{ netMassKg: 130, packages: 10 }] }, {}, { weightTolerance: 0.02 }).findings.map((f) => f.rule), ['net_weight_differs']);
});
