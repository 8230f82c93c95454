// Remote-eligibility rule engine: may this order be inspected remotely (video) or must it be on site?
//
// Rules are data (JSON), stored and versioned in the database and edited by an administrator without code changes.
// Each rule has a condition over facts about the order (declaration, enterprise, goods…) and an outcome.
//
// Decision, designed to fail safe:
// - A rule *fires* when its condition is true. A condition that cannot be decided because a fact is missing or has
//   the wrong type is "unknown" (three-valued logic: `any` with one true branch is still true, `all` with one false
//   branch is still false). An unknown **onsite** rule fires too, and says which facts were missing: not knowing
//   whether the enterprise has a working camera must not yield a remote recommendation. An unknown remote rule does
//   not fire.
// - Among fired rules, the highest `priority` wins (default 0); on a tie, onsite wins. No rule fired → the default
//   outcome (remote unless configured otherwise). Every fired rule is listed, so the inspector sees all reasons.
//
// Condition grammar:
//   { "all": [cond, …] } | { "any": [cond, …] } | { "not": cond }
//   { "fact": "goods.containerCount", "op": "gt", "value": 5 }
// ops: eq neq in notIn gt gte lt lte startsWith. When the fact is a list (e.g. the HS codes of every declaration
// line) eq/in/gt/…/startsWith hold if ANY element matches, neq/notIn hold if NO element matches.

import { DomainValidationError, type Issue } from './errors.ts';
import { IssueList, describe, isPlainObject } from './validate.ts';

export type EligibilityOutcome = 'onsite' | 'remote';
export const ELIGIBILITY_OUTCOMES: readonly EligibilityOutcome[] = ['onsite', 'remote'];

export type ComparisonOp = 'eq' | 'neq' | 'in' | 'notIn' | 'gt' | 'gte' | 'lt' | 'lte' | 'startsWith';
export const COMPARISON_OPS: readonly ComparisonOp[] = ['eq', 'neq', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'startsWith'];

export type FactValue = string | number | boolean;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { fact: string; op: ComparisonOp; value: FactValue | FactValue[] };

export interface EligibilityRule {
  /** Stable id, letters/digits/`.`/`_`/`-`, e.g. `live-animals`. */
  id: string;
  /** Shown to the inspector as the reason. */
  description: string;
  when: Condition;
  outcome: EligibilityOutcome;
  /** Higher wins when fired rules disagree. Integer −1000…1000, default 0. */
  priority?: number;
  /** false keeps the rule in the set but skips it. Default true. */
  enabled?: boolean;
}

export type FactType = 'string' | 'number' | 'boolean';
export interface FactDefinition {
  type: FactType;
  description: string;
}
export type FactCatalog = Record<string, FactDefinition>;

/**
 * Facts the server provides to the engine. Rules naming other paths are rejected at validation, so a typo such as
 * `enterprise.creditRatng` is caught when the administrator saves the rule, not discovered in production.
 */
export const DEFAULT_FACT_CATALOG: FactCatalog = {
  'declaration.hs6': { type: 'string', description: 'HS codes (6 digits) of the declaration lines; a list when several' },
  'declaration.goodsCount': { type: 'number', description: 'number of declared goods items (lines)' },
  'declaration.originCountry': { type: 'string', description: 'ISO 3166-1 alpha-2 country of origin' },
  'order.channel': { type: 'string', description: 'risk channel: green, yellow or red' },
  'order.inspectOnArrival': { type: 'boolean', description: 'goods are to be inspected on arrival' },
  'risk.score': { type: 'number', description: 'targeting risk score, 0–1' },
  'enterprise.creditRating': { type: 'string', description: 'customs credit rating: AA, A, B, C or D' },
  'enterprise.aeoCertified': { type: 'boolean', description: 'Authorised Economic Operator' },
  'enterprise.hasRegisteredDevice': { type: 'boolean', description: 'the enterprise has a registered camera device' },
  'enterprise.connectionTestPassed': { type: 'boolean', description: 'a recent connection test from its site passed' },
  'goods.containerCount': { type: 'number', description: 'number of containers' },
  'goods.hazardous': { type: 'boolean', description: 'dangerous goods (UN number declared)' },
};

/** A sensible starting rule set: everything that makes a remote inspection unsafe or impractical → on site. */
export const DEFAULT_ELIGIBILITY_RULES: EligibilityRule[] = [
  {
    id: 'live-animals',
    description: 'Live animals (HS chapter 01) must be inspected on site',
    when: { fact: 'declaration.hs6', op: 'startsWith', value: '01' },
    outcome: 'onsite',
  },
  {
    id: 'hazardous-goods',
    description: 'Hazardous goods must be inspected on site',
    when: { fact: 'goods.hazardous', op: 'eq', value: true },
    outcome: 'onsite',
  },
  {
    id: 'red-channel',
    description: 'Red-channel orders are inspected on site',
    when: { fact: 'order.channel', op: 'eq', value: 'red' },
    outcome: 'onsite',
  },
  {
    id: 'low-credit-rating',
    description: 'Enterprises with a low credit rating (C or D) are inspected on site',
    when: { fact: 'enterprise.creditRating', op: 'in', value: ['C', 'D'] },
    outcome: 'onsite',
  },
  {
    id: 'container-limit',
    description: 'More than 5 containers cannot be inspected remotely',
    when: { fact: 'goods.containerCount', op: 'gt', value: 5 },
    outcome: 'onsite',
  },
  {
    id: 'goods-count-limit',
    description: 'More than 50 declared goods items cannot be inspected remotely',
    when: { fact: 'declaration.goodsCount', op: 'gt', value: 50 },
    outcome: 'onsite',
  },
  {
    id: 'no-registered-device',
    description: 'The enterprise has no registered camera device',
    when: { fact: 'enterprise.hasRegisteredDevice', op: 'neq', value: true },
    outcome: 'onsite',
  },
  {
    id: 'no-connection-test',
    description: 'The enterprise has not passed a connection test',
    when: { fact: 'enterprise.connectionTestPassed', op: 'neq', value: true },
    outcome: 'onsite',
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Validation

const LIMITS = { rules: 500, depth: 12, branches: 100, listValues: 1000, string: 500 };
const RULE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FACT_PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const RULE_KEYS = new Set(['id', 'description', 'when', 'outcome', 'priority', 'enabled']);
const COMPARISON_KEYS = new Set(['fact', 'op', 'value']);

export interface RuleValidationOptions {
  /** Fact paths (and types) rules may use. Default DEFAULT_FACT_CATALOG; null accepts any well-formed path. */
  facts?: FactCatalog | null;
}

/** Validates a rule set. Returns every problem (up to 100), each with the path of the bad field, e.g. `rules[2].when.all[0].op`. */
export function validateEligibilityRules(rules: unknown, options: RuleValidationOptions = {}): Issue[] {
  const catalog = options.facts === undefined ? DEFAULT_FACT_CATALOG : options.facts;
  const issues = new IssueList();
  if (!Array.isArray(rules)) {
    issues.add('rules', `must be an array of rules, got ${describe(rules)}`);
    return issues.issues;
  }
  if (rules.length > LIMITS.rules) {
    issues.add('rules', `must have at most ${LIMITS.rules} rules, got ${rules.length}`);
    return issues.issues;
  }
  const ids = new Set<string>();
  rules.forEach((r, i) => {
    const p = `rules[${i}]`;
    if (!isPlainObject(r)) return issues.add(p, `must be an object, got ${describe(r)}`);
    for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) issues.add(`${p}.${k}`, `unknown field (allowed: ${[...RULE_KEYS].join(', ')})`);
    if (typeof r.id !== 'string' || !RULE_ID_RE.test(r.id)) {
      issues.add(`${p}.id`, `must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit, got ${describe(r.id)}`);
    } else if (ids.has(r.id)) issues.add(`${p}.id`, `duplicate rule id ${JSON.stringify(r.id)}`);
    else ids.add(r.id);
    if (typeof r.description !== 'string' || r.description.trim() === '' || r.description.length > LIMITS.string) {
      issues.add(`${p}.description`, `must be a non-empty text of at most ${LIMITS.string} characters`);
    }
    if (!ELIGIBILITY_OUTCOMES.includes(r.outcome as EligibilityOutcome)) {
      issues.add(`${p}.outcome`, `must be "onsite" or "remote", got ${describe(r.outcome)}`);
    }
    if (r.priority !== undefined && (typeof r.priority !== 'number' || !Number.isInteger(r.priority) || Math.abs(r.priority) > 1000)) {
      issues.add(`${p}.priority`, `must be an integer from -1000 to 1000, got ${describe(r.priority)}`);
    }
    if (r.enabled !== undefined && typeof r.enabled !== 'boolean') issues.add(`${p}.enabled`, `must be true or false, got ${describe(r.enabled)}`);
    if (r.when === undefined) issues.add(`${p}.when`, 'is required (the condition of the rule)');
    else validateCondition(r.when, `${p}.when`, 0, catalog, issues);
  });
  return issues.issues;
}

function validateCondition(c: unknown, p: string, depth: number, catalog: FactCatalog | null, issues: IssueList): void {
  if (issues.full) return;
  if (depth > LIMITS.depth) return issues.add(p, `conditions may nest at most ${LIMITS.depth} levels`);
  if (!isPlainObject(c)) return issues.add(p, `must be a condition object ({all}, {any}, {not} or {fact, op, value}), got ${describe(c)}`);
  const kinds = ['all', 'any', 'not', 'fact'].filter((k) => k in c);
  if (kinds.length !== 1) {
    return issues.add(p, kinds.length === 0
      ? 'must have one of "all", "any", "not" or "fact"'
      : `must have exactly one of "all", "any", "not" or "fact", found ${kinds.join(' and ')}`);
  }
  const kind = kinds[0];
  if (kind === 'all' || kind === 'any') {
    for (const k of Object.keys(c)) if (k !== kind) issues.add(`${p}.${k}`, `unknown field next to "${kind}"`);
    const list = c[kind];
    if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.branches) {
      return issues.add(`${p}.${kind}`, `must be a non-empty array of at most ${LIMITS.branches} conditions, got ${describe(list)}`);
    }
    list.forEach((x, i) => validateCondition(x, `${p}.${kind}[${i}]`, depth + 1, catalog, issues));
    return;
  }
  if (kind === 'not') {
    for (const k of Object.keys(c)) if (k !== 'not') issues.add(`${p}.${k}`, 'unknown field next to "not"');
    return validateCondition(c.not, `${p}.not`, depth + 1, catalog, issues);
  }
  for (const k of Object.keys(c)) if (!COMPARISON_KEYS.has(k)) issues.add(`${p}.${k}`, 'unknown field (a comparison has fact, op and value)');
  const fact = c.fact;
  let factType: FactType | null = null;
  if (typeof fact !== 'string' || !FACT_PATH_RE.test(fact) || fact.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s))) {
    issues.add(`${p}.fact`, `must be a dotted path such as "goods.containerCount", got ${describe(fact)}`);
  } else if (catalog) {
    const def = Object.hasOwn(catalog, fact) ? catalog[fact] : undefined;
    if (!def) issues.add(`${p}.fact`, `unknown fact ${JSON.stringify(fact)} (known: ${Object.keys(catalog).join(', ')})`);
    else factType = def.type;
  }
  const op = c.op;
  if (!COMPARISON_OPS.includes(op as ComparisonOp)) {
    return issues.add(`${p}.op`, `must be one of ${COMPARISON_OPS.join(', ')}, got ${describe(op)}`);
  }
  const v = c.value;
  const vp = `${p}.value`;
  const scalarOk = (x: unknown) =>
    (typeof x === 'string' && x.length <= LIMITS.string) || (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'boolean';
  const typeMatches = (x: unknown) => factType === null || typeof x === factType;
  switch (op as ComparisonOp) {
    case 'eq':
    case 'neq':
      if (!scalarOk(v)) issues.add(vp, `must be a string, number or boolean for "${op}", got ${describe(v)}`);
      else if (!typeMatches(v)) issues.add(vp, `must be a ${factType} (fact ${fact} is a ${factType}), got ${describe(v)}`);
      break;
    case 'in':
    case 'notIn':
      if (!Array.isArray(v) || v.length === 0 || v.length > LIMITS.listValues || !v.every(scalarOk)) {
        issues.add(vp, `must be a non-empty array of at most ${LIMITS.listValues} strings, numbers or booleans for "${op}", got ${describe(v)}`);
      } else {
        v.forEach((x, i) => {
          if (!typeMatches(x)) issues.add(`${vp}[${i}]`, `must be a ${factType} (fact ${fact} is a ${factType}), got ${describe(x)}`);
        });
      }
      break;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof v !== 'number' || !Number.isFinite(v)) issues.add(vp, `must be a finite number for "${op}", got ${describe(v)}`);
      if (factType !== null && factType !== 'number') issues.add(`${p}.op`, `"${op}" needs a number fact, but ${fact} is a ${factType}`);
      break;
    case 'startsWith':
      if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.string) issues.add(vp, `must be a non-empty string for "startsWith", got ${describe(v)}`);
      if (factType !== null && factType !== 'string') issues.add(`${p}.op`, `"startsWith" needs a string fact, but ${fact} is a ${factType}`);
      break;
  }
}

/** Throws DomainValidationError (code `validation_failed`, `issues`) when the rule set is invalid. */
export function assertValidEligibilityRules(rules: unknown, options: RuleValidationOptions = {}): asserts rules is EligibilityRule[] {
  const issues = validateEligibilityRules(rules, options);
  if (issues.length) throw new DomainValidationError('eligibility rules', issues);
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

export type Facts = Record<string, unknown>;

export interface FiredRule {
  ruleId: string;
  description: string;
  outcome: EligibilityOutcome;
  priority: number;
  /** 'matched': the condition held. 'missing_facts': it could not be decided and the rule fired to be safe. */
  basis: 'matched' | 'missing_facts';
  /** Facts that were missing or of the wrong type, when basis is 'missing_facts'. */
  missingFacts?: string[];
}

export interface EligibilityResult {
  recommendation: EligibilityOutcome;
  /** Every rule that fired, in rule-set order. */
  fired: FiredRule[];
  /** The rule whose outcome was taken, or null when none fired and the default applied. */
  decidedBy: string | null;
  /** Facts referenced by enabled rules that were missing or of the wrong type. */
  missingFacts: string[];
}

export interface EvaluateOptions extends RuleValidationOptions {
  /** Outcome when no rule fires. Default 'remote'. */
  defaultOutcome?: EligibilityOutcome;
}

type Tri = true | false | 'unknown';

/** Reads an own-property dotted path; undefined when any step is missing (never walks the prototype chain). */
function readFact(facts: unknown, path: string): unknown {
  let cur: unknown = facts;
  for (const seg of path.split('.')) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function compareScalar(op: ComparisonOp, x: FactValue, value: FactValue | FactValue[]): Tri {
  switch (op) {
    case 'eq':
      return x === value;
    case 'neq':
      return x !== value;
    case 'in':
      return (value as FactValue[]).includes(x);
    case 'notIn':
      return !(value as FactValue[]).includes(x);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof x !== 'number' || !Number.isFinite(x)) return 'unknown';
      const v = value as number;
      return op === 'gt' ? x > v : op === 'gte' ? x >= v : op === 'lt' ? x < v : x <= v;
    }
    case 'startsWith':
      return typeof x === 'string' ? x.startsWith(value as string) : 'unknown';
  }
}

function evaluateCondition(c: Condition, facts: Facts, catalog: FactCatalog | null, missing: Set<string>): Tri {
  if ('all' in c) {
    let result: Tri = true;
    for (const x of c.all) {
      const r = evaluateCondition(x, facts, catalog, missing);
      if (r === false) return false;
      if (r === 'unknown') result = 'unknown';
    }
    return result;
  }
  if ('any' in c) {
    let result: Tri = false;
    for (const x of c.any) {
      const r = evaluateCondition(x, facts, catalog, missing);
      if (r === true) return true;
      if (r === 'unknown') result = 'unknown';
    }
    return result;
  }
  if ('not' in c) {
    const r = evaluateCondition(c.not, facts, catalog, missing);
    return r === 'unknown' ? r : !r;
  }
  const raw = readFact(facts, c.fact);
  const type = catalog && Object.hasOwn(catalog, c.fact) ? catalog[c.fact].type : null;
  const ok = (x: unknown): x is FactValue =>
    type ? typeof x === type && (type !== 'number' || Number.isFinite(x)) : typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
  const values = Array.isArray(raw) ? raw : [raw];
  if (raw === undefined || raw === null || !values.every(ok)) {
    missing.add(c.fact);
    return 'unknown';
  }
  const negative = c.op === 'neq' || c.op === 'notIn';
  // Lists: positive ops hold if any element matches; negative ops hold if every element passes (no element matches).
  let result: Tri = negative;
  for (const x of values) {
    const r = compareScalar(c.op, x, c.value);
    if (r === 'unknown') {
      missing.add(c.fact);
      return 'unknown';
    }
    if (negative && !r) result = false;
    if (!negative && r) result = true;
  }
  return result;
}

/**
 * Recommends remote or on-site inspection for one order's facts and lists every rule that fired.
 * Throws DomainValidationError if the rules are invalid (they are checked on every call; rule sets are small).
 */
export function evaluateEligibility(rules: EligibilityRule[], facts: Facts, options: EvaluateOptions = {}): EligibilityResult {
  assertValidEligibilityRules(rules, options);
  const catalog = options.facts === undefined ? DEFAULT_FACT_CATALOG : options.facts;
  const defaultOutcome = options.defaultOutcome ?? 'remote';
  if (!ELIGIBILITY_OUTCOMES.includes(defaultOutcome)) {
    throw new DomainValidationError('eligibility options', [{ path: 'defaultOutcome', message: 'must be "onsite" or "remote"' }]);
  }
  const safeFacts: Facts = isPlainObject(facts) ? facts : {};
  const fired: FiredRule[] = [];
  const allMissing = new Set<string>();
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    const missing = new Set<string>();
    const r = evaluateCondition(rule.when, safeFacts, catalog, missing);
    for (const m of missing) allMissing.add(m);
    const priority = rule.priority ?? 0;
    if (r === true) {
      fired.push({ ruleId: rule.id, description: rule.description, outcome: rule.outcome, priority, basis: 'matched' });
    } else if (r === 'unknown' && rule.outcome === 'onsite') {
      fired.push({
        ruleId: rule.id,
        description: rule.description,
        outcome: rule.outcome,
        priority,
        basis: 'missing_facts',
        missingFacts: [...missing].sort(),
      });
    }
  }
  let decided: FiredRule | null = null;
  for (const f of fired) {
    if (!decided || f.priority > decided.priority || (f.priority === decided.priority && f.outcome === 'onsite' && decided.outcome !== 'onsite')) {
      decided = f;
    }
  }
  return {
    recommendation: decided ? decided.outcome : defaultOutcome,
    fired,
    decidedBy: decided ? decided.ruleId : null,
    missingFacts: [...allMissing].sort(),
  };
}
