import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ELIGIBILITY_RULES,
  evaluateEligibility,
  validateEligibilityRules,
  type EligibilityRule,
  type Facts,
} from './eligibility.ts';
import { DomainValidationError } from './errors.ts';

/** Facts for an order every default rule is happy with. */
function cleanFacts(): Facts {
  return {
    declaration: { hs6: ['851712', '392690'], goodsCount: 3, originCountry: 'CN' },
    order: { channel: 'yellow', inspectOnArrival: false },
    risk: { score: 0.42 },
    enterprise: { creditRating: 'A', aeoCertified: false, hasRegisteredDevice: true, connectionTestPassed: true },
    goods: { containerCount: 2, hazardous: false },
  };
}

function withFacts(patch: (f: any) => void): Facts {
  const f = cleanFacts();
  patch(f);
  return f;
}

const firedIds = (r: ReturnType<typeof evaluateEligibility>) => r.fired.map((f) => f.ruleId);

test('the default rule set validates and recommends remote when nothing stands in the way', () => {
  assert.deepEqual(validateEligibilityRules(DEFAULT_ELIGIBILITY_RULES), []);
  const r = evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, cleanFacts());
  assert.equal(r.recommendation, 'remote');
  assert.deepEqual(r.fired, []);
  assert.equal(r.decidedBy, null);
  assert.deepEqual(r.missingFacts, []);
});

test('each default rule fires on its own condition and sends the order on site', () => {
  const cases: [string, (f: any) => void][] = [
    ['live-animals', (f) => (f.declaration.hs6 = ['851712', '010121'])], // any line in chapter 01
    ['hazardous-goods', (f) => (f.goods.hazardous = true)],
    ['red-channel', (f) => (f.order.channel = 'red')],
    ['low-credit-rating', (f) => (f.enterprise.creditRating = 'D')],
    ['container-limit', (f) => (f.goods.containerCount = 6)],
    ['goods-count-limit', (f) => (f.declaration.goodsCount = 51)],
    ['no-registered-device', (f) => (f.enterprise.hasRegisteredDevice = false)],
    ['no-connection-test', (f) => (f.enterprise.connectionTestPassed = false)],
  ];
  for (const [id, patch] of cases) {
    const r = evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, withFacts(patch));
    assert.equal(r.recommendation, 'onsite', id);
    assert.deepEqual(firedIds(r), [id]);
    assert.equal(r.fired[0].basis, 'matched');
    assert.equal(r.fired[0].description, DEFAULT_ELIGIBILITY_RULES.find((x) => x.id === id)!.description);
  }
  // Limits are strict: exactly 5 containers and 50 goods are still fine.
  const edge = evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, withFacts((f) => { f.goods.containerCount = 5; f.declaration.goodsCount = 50; }));
  assert.equal(edge.recommendation, 'remote');
});

test('every rule that fired is listed, in rule-set order', () => {
  const r = evaluateEligibility(
    DEFAULT_ELIGIBILITY_RULES,
    withFacts((f) => {
      f.order.channel = 'red';
      f.declaration.hs6 = '010290';
      f.enterprise.connectionTestPassed = false;
    }),
  );
  assert.deepEqual(firedIds(r), ['live-animals', 'red-channel', 'no-connection-test']);
  assert.equal(r.recommendation, 'onsite');
});

test('missing facts never yield a remote recommendation: on-site rules that cannot be decided fire, flagged', () => {
  const r = evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, withFacts((f) => delete f.enterprise.hasRegisteredDevice));
  assert.equal(r.recommendation, 'onsite');
  assert.deepEqual(r.fired, [
    {
      ruleId: 'no-registered-device',
      description: 'The enterprise has no registered camera device',
      outcome: 'onsite',
      priority: 0,
      basis: 'missing_facts',
      missingFacts: ['enterprise.hasRegisteredDevice'],
    },
  ]);
  assert.deepEqual(r.missingFacts, ['enterprise.hasRegisteredDevice']);
  // A fact of the wrong type counts as missing too.
  const wrong = evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, withFacts((f) => (f.goods.containerCount = 'seven')));
  assert.deepEqual(firedIds(wrong), ['container-limit']);
  assert.equal(wrong.fired[0].basis, 'missing_facts');
  // No facts at all: every default rule fires as undecidable.
  const none = evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, {});
  assert.equal(none.fired.length, DEFAULT_ELIGIBILITY_RULES.length);
});

test('rules are data: a changed rule set takes effect on the next evaluation', () => {
  const facts = withFacts((f) => (f.goods.containerCount = 7));
  assert.equal(evaluateEligibility(DEFAULT_ELIGIBILITY_RULES, facts).recommendation, 'onsite');
  // The administrator raises the container limit to 10 (as stored JSON, not code).
  const edited: EligibilityRule[] = JSON.parse(JSON.stringify(DEFAULT_ELIGIBILITY_RULES));
  const rule = edited.find((x) => x.id === 'container-limit')!;
  rule.when = { fact: 'goods.containerCount', op: 'gt', value: 10 };
  rule.description = 'More than 10 containers cannot be inspected remotely';
  assert.equal(evaluateEligibility(edited, facts).recommendation, 'remote');
  // … and disables the red-channel rule.
  edited.find((x) => x.id === 'red-channel')!.enabled = false;
  assert.equal(evaluateEligibility(edited, withFacts((f) => (f.order.channel = 'red'))).recommendation, 'remote');
});

test('combinators, operators, priorities and remote overrides', () => {
  const rules: EligibilityRule[] = [
    ...DEFAULT_ELIGIBILITY_RULES,
    {
      id: 'risky-origin-big-shipment',
      description: 'High-risk origin with many goods lines',
      when: {
        all: [
          { fact: 'declaration.originCountry', op: 'in', value: ['XX', 'YY'] },
          { any: [{ fact: 'declaration.goodsCount', op: 'gte', value: 20 }, { fact: 'risk.score', op: 'gt', value: 0.9 }] },
          { not: { fact: 'enterprise.aeoCertified', op: 'eq', value: true } },
        ],
      },
      outcome: 'onsite',
    },
    {
      id: 'aeo-green-override',
      description: 'AEO enterprises in the green channel stay remote despite the container limit',
      when: { all: [{ fact: 'enterprise.aeoCertified', op: 'eq', value: true }, { fact: 'order.channel', op: 'eq', value: 'green' }] },
      outcome: 'remote',
      priority: 10,
    },
  ];
  const risky = withFacts((f) => { f.declaration.originCountry = 'XX'; f.declaration.goodsCount = 25; });
  assert.deepEqual(firedIds(evaluateEligibility(rules, risky)), ['risky-origin-big-shipment']);
  const aeo = withFacts((f) => { f.declaration.originCountry = 'XX'; f.declaration.goodsCount = 25; f.enterprise.aeoCertified = true; });
  assert.deepEqual(firedIds(evaluateEligibility(rules, aeo)), []);
  const lowRisk = withFacts((f) => { f.declaration.originCountry = 'XX'; });
  assert.deepEqual(firedIds(evaluateEligibility(rules, lowRisk)), []);

  // The priority-10 remote rule beats the priority-0 container rule; both are listed.
  const override = evaluateEligibility(rules, withFacts((f) => { f.goods.containerCount = 8; f.enterprise.aeoCertified = true; f.order.channel = 'green'; }));
  assert.deepEqual(firedIds(override), ['container-limit', 'aeo-green-override']);
  assert.equal(override.recommendation, 'remote');
  assert.equal(override.decidedBy, 'aeo-green-override');
  // At equal priority on-site wins.
  const tie = rules.map((r) => (r.id === 'aeo-green-override' ? { ...r, priority: 0 } : r));
  const tied = evaluateEligibility(tie, withFacts((f) => { f.goods.containerCount = 8; f.enterprise.aeoCertified = true; f.order.channel = 'green'; }));
  assert.equal(tied.recommendation, 'onsite');
  assert.equal(tied.decidedBy, 'container-limit');

  // notIn / lt / lte / neq on lists.
  const ops: EligibilityRule[] = [
    { id: 'a', description: 'not from EU', when: { fact: 'declaration.originCountry', op: 'notIn', value: ['DE', 'FR'] }, outcome: 'onsite' },
    { id: 'b', description: 'small', when: { fact: 'goods.containerCount', op: 'lt', value: 2 }, outcome: 'onsite' },
    { id: 'c', description: 'at most 2', when: { fact: 'goods.containerCount', op: 'lte', value: 2 }, outcome: 'onsite' },
    { id: 'd', description: 'no line is 851712', when: { fact: 'declaration.hs6', op: 'neq', value: '851712' }, outcome: 'onsite' },
  ];
  assert.deepEqual(firedIds(evaluateEligibility(ops, cleanFacts())), ['a', 'c']);
  // A configurable default outcome.
  assert.equal(evaluateEligibility([], cleanFacts(), { defaultOutcome: 'onsite' }).recommendation, 'onsite');
});

test('validation names the bad field', () => {
  const issuesOf = (rules: unknown) => validateEligibilityRules(rules).map((i) => `${i.path}: ${i.message}`);
  const bad = [
    { id: 'ok', description: 'fine', when: { fact: 'goods.hazardous', op: 'eq', value: true }, outcome: 'onsite' },
    { id: 'ok', description: '', when: { fact: 'goods.hazardous', op: 'equals', value: true }, outcome: 'offsite' },
    { id: 'nested', description: 'x', when: { all: [{ fact: 'goods.containerCount', op: 'gt', value: 5 }, { fact: 'goods.containerCount', op: 'gt', value: '5' }] }, outcome: 'onsite' },
    { id: 'typo', description: 'x', when: { fact: 'enterprise.creditRatng', op: 'eq', value: 'C' }, outcome: 'onsite', outcom: 'onsite' },
    { id: 'types', description: 'x', when: { any: [{ fact: 'order.channel', op: 'gt', value: 3 }, { fact: 'goods.hazardous', op: 'in', value: ['yes'] }] }, outcome: 'onsite' },
    { id: 'shape', description: 'x', when: { all: [], not: {} }, outcome: 'onsite' },
    { id: 'bad id!', description: 'x', when: { fact: '__proto__.polluted', op: 'eq', value: true }, outcome: 'remote', priority: 1.5 },
  ];
  const issues = issuesOf(bad);
  const expect = [
    /^rules\[1\]\.id: duplicate rule id "ok"/,
    /^rules\[1\]\.description: must be a non-empty text/,
    /^rules\[1\]\.outcome: must be "onsite" or "remote", got "offsite"/,
    /^rules\[1\]\.when\.op: must be one of eq, neq, in, notIn, gt, gte, lt, lte, startsWith, got "equals"/,
    /^rules\[2\]\.when\.all\[1\]\.value: must be a finite number for "gt", got "5"/,
    /^rules\[3\]\.outcom: unknown field/,
    /^rules\[3\]\.when\.fact: unknown fact "enterprise\.creditRatng"/,
    /^rules\[4\]\.when\.any\[0\]\.op: "gt" needs a number fact, but order\.channel is a string/,
    /^rules\[4\]\.when\.any\[1\]\.value\[0\]: must be a boolean \(fact goods\.hazardous is a boolean\), got "yes"/,
    /^rules\[5\]\.when: must have exactly one of "all", "any", "not" or "fact", found all and not/,
    /^rules\[6\]\.id: must be 1–64 letters/,
    /^rules\[6\]\.priority: must be an integer/,
    /^rules\[6\]\.when\.fact: must be a dotted path/,
  ];
  for (const re of expect) assert.ok(issues.some((i) => re.test(i)), `no issue matching ${re}\n${issues.join('\n')}`);
  assert.equal(issues.length, expect.length, issues.join('\n'));
  assert.deepEqual(issuesOf('nope'), ['rules: must be an array of rules, got "nope"']);
  assert.deepEqual(issuesOf([{ id: 'x', description: 'x', outcome: 'onsite' }]), ['rules[0].when: is required (the condition of the rule)']);

  // evaluateEligibility refuses an invalid rule set with the stable code and the issues.
  assert.throws(
    () => evaluateEligibility(bad as unknown as EligibilityRule[], cleanFacts()),
    (e: unknown) => e instanceof DomainValidationError && e.code === 'validation_failed' && e.issues.length === expect.length,
  );
  // Without the catalogue any well-formed path is accepted (for deployments with their own facts).
  assert.deepEqual(validateEligibilityRules([{ id: 'x', description: 'x', when: { fact: 'port.code', op: 'eq', value: 'DEHAM' }, outcome: 'onsite' }], { facts: null }), []);
});

test('facts are read as own properties only (no prototype walking) and bad facts do not crash', () => {
  const rules: EligibilityRule[] = [{ id: 'x', description: 'x', when: { fact: 'order.channel', op: 'eq', value: 'red' }, outcome: 'onsite' }];
  const proto = Object.create({ channel: 'red' });
  const r = evaluateEligibility(rules, { order: proto });
  assert.equal(r.fired[0].basis, 'missing_facts');
  assert.equal(evaluateEligibility(rules, null as unknown as Facts).fired[0].basis, 'missing_facts');
  assert.equal(evaluateEligibility(rules, { order: 'red' }).fired[0].basis, 'missing_facts');
});
