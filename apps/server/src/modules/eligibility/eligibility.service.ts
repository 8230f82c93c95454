// Remote eligibility: the office's active rule set (versioned data, edited by an administrator, effective at once)
// evaluated by @rvi/dispatch over facts gathered from the declaration, the order, the enterprise, its devices and
// the arrival notice; the assigned inspector decides, with a reason when going against the recommendation.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import {
  DEFAULT_ELIGIBILITY_RULES, DEFAULT_FACT_CATALOG, evaluateEligibility, validateEligibilityRules, type EligibilityRule, type Facts,
} from '@rvi/dispatch';
import type { DecideEligibilityBody, EligibilityView, InspectionOrder, RuleSetInput, RuleSetView } from '@rvi/contracts';
import {
  arrivalNotices, connectionTests, declarations, eligibilityDecisions, eligibilityRuleSets, enterpriseDevices, organisations, riskScores,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import { isCustoms, requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { authorizeOrder } from '../orders/orders.policy.ts';
import { presentOrders } from '../orders/orders.presenter.ts';
import { loadOrder, officeUsers } from '../orders/orders.service.ts';
import { lockOrder, toAppError, transitionOrder, type OrderRow } from '../orders/orders.state.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';

type RuleSetRow = typeof eligibilityRuleSets.$inferSelect;

/** A connection test counts for this long (the site's network or equipment may have changed since). */
export const CONNECTION_TEST_VALID_DAYS = 30;

/** The office's active rule set; the first call for an office stores DEFAULT_ELIGIBILITY_RULES as version 1. */
export async function activeRuleSet(db: Db, officeId: string): Promise<RuleSetRow> {
  const [row] = await db.select().from(eligibilityRuleSets).where(and(eq(eligibilityRuleSets.officeId, officeId), eq(eligibilityRuleSets.active, true))).limit(1);
  if (row) return row;
  await db.insert(eligibilityRuleSets).values({
    id: randomUUID(), officeId, version: 1, rules: DEFAULT_ELIGIBILITY_RULES, active: true, note: 'default rules',
  }).onConflictDoNothing();
  const [again] = await db.select().from(eligibilityRuleSets).where(and(eq(eligibilityRuleSets.officeId, officeId), eq(eligibilityRuleSets.active, true))).limit(1);
  return again;
}

/**
 * Facts about one order, under the paths of DEFAULT_FACT_CATALOG. A fact the platform does not know is left out
 * (not guessed), so an on-site rule that needs it fires with basis `missing_facts`.
 */
export async function gatherFacts(db: Db, order: OrderRow): Promise<Facts> {
  const [decl] = await db.select().from(declarations).where(eq(declarations.id, order.declarationId)).limit(1);
  const [ent] = await db.select().from(organisations).where(eq(organisations.id, order.enterpriseId)).limit(1);
  const [score] = await db.select({ score: riskScores.score }).from(riskScores).where(eq(riskScores.declarationId, order.declarationId)).limit(1);
  const [notice] = await db.select().from(arrivalNotices).where(eq(arrivalNotices.declarationId, order.declarationId)).orderBy(desc(arrivalNotices.createdAt)).limit(1);
  const [device] = await db.select({ n: sql<number>`count(*)::int` }).from(enterpriseDevices).where(and(eq(enterpriseDevices.orgId, order.enterpriseId), eq(enterpriseDevices.active, true)));
  const since = new Date(Date.now() - CONNECTION_TEST_VALID_DAYS * 86_400_000);
  const [test] = await db.select({ passed: connectionTests.passed }).from(connectionTests)
    .innerJoin(enterpriseDevices, eq(enterpriseDevices.id, connectionTests.deviceId))
    .where(and(eq(connectionTests.orgId, order.enterpriseId), eq(enterpriseDevices.active, true), gte(connectionTests.testedAt, since)))
    .orderBy(desc(connectionTests.testedAt)).limit(1);
  const enterprise: Record<string, unknown> = {
    hasRegisteredDevice: Number(device?.n ?? 0) > 0,
    connectionTestPassed: test?.passed === true,
  };
  if (ent?.creditRating) enterprise.creditRating = ent.creditRating;
  const goods: Record<string, unknown> = { hazardous: order.hazardous };
  if (notice) goods.containerCount = notice.containerNumbers.length;
  const facts: Facts = {
    // A declaration of the customs dataset is one goods line: one HS code.
    declaration: { hs6: [decl.hs6], goodsCount: 1, originCountry: decl.countryOfOrigin },
    order: { channel: order.channel, inspectOnArrival: order.inspectOnArrival },
    enterprise,
    goods,
  };
  if (score) facts.risk = { score: score.score };
  return facts;
}

function flatten(facts: Facts, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(facts)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Facts, key, out);
    else out[key] = v;
  }
  return out;
}

async function evaluateFor(db: Db, order: OrderRow) {
  const set = await activeRuleSet(db, order.officeId);
  const facts = await gatherFacts(db, order);
  try {
    return { set, facts, result: evaluateEligibility(set.rules as EligibilityRule[], facts, { defaultOutcome: set.defaultOutcome }) };
  } catch (e) {
    throw toAppError(e);
  }
}

function assertCustoms(actor: Actor): void {
  // Eligibility reasons reveal how customs treats an enterprise (credit rating, channel): customs eyes only.
  if (!isCustoms(actor) && actor.kind !== 'system') throw forbidden('Eligibility recommendations are for customs staff only');
}

/** The recommendation for an order with every fired rule and the facts used; plus the decision if one was made. */
export async function getEligibility(db: Db, actor: Actor, orderId: string): Promise<EligibilityView> {
  const order = await loadOrder(db, orderId);
  authorizeOrder(actor, 'order.read', order, orderId);
  assertCustoms(actor);
  const { set, facts, result } = await evaluateFor(db, order);
  const [decision] = await db.select().from(eligibilityDecisions).where(eq(eligibilityDecisions.orderId, orderId)).orderBy(desc(eligibilityDecisions.decidedAt)).limit(1);
  return {
    orderId, ruleSet: { id: set.id, version: set.version }, recommendation: result.recommendation, decidedBy: result.decidedBy,
    fired: result.fired, missingFacts: result.missingFacts, facts: flatten(facts),
    decision: decision ? {
      decidedMode: decision.decidedMode, recommendation: decision.recommendation, overridden: decision.overridden, reason: decision.reason,
      decidedAt: decision.decidedAt.toISOString(),
    } : null,
  };
}

/**
 * The assigned inspector decides remote or on-site. The recommendation is recomputed inside the transaction (the
 * rules or facts may have changed since the page was shown); going against it needs a reason. Audited with the
 * rule-set version, every fired rule and the facts.
 */
export async function decideEligibility(db: Db, actor: Actor, orderId: string, body: DecideEligibilityBody): Promise<InspectionOrder> {
  const order = await loadOrder(db, orderId);
  authorizeOrder(actor, 'order.decide_eligibility', order, orderId, 'decide');
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const locked = (await lockOrder(tx, orderId))!;
    const { set, facts, result } = await evaluateFor(tx, locked);
    const overridden = body.mode !== result.recommendation;
    const reason = body.reason?.trim() || null;
    if (overridden && (!reason || reason.length < 3)) {
      throw badRequest('reason_required', `The rules recommend ${result.recommendation}; give a reason (at least 3 characters) to decide ${body.mode}`, {
        recommendation: result.recommendation, fired: result.fired.map((f) => f.ruleId),
      });
    }
    const out = await transitionOrder(uow, locked, 'eligibility_decided', {
      reason, patch: { mode: body.mode }, summary: {
        mode: body.mode, recommendation: result.recommendation, overridden, ruleSetVersion: set.version,
        fired: result.fired.map((f) => ({ ruleId: f.ruleId, outcome: f.outcome, basis: f.basis })),
      },
    });
    await tx.insert(eligibilityDecisions).values({
      id: randomUUID(), orderId, ruleSetId: set.id, ruleSetVersion: set.version, facts, recommendation: result.recommendation,
      fired: result.fired, decidedMode: body.mode, overridden, reason, decidedBy: actor.userId,
    });
    if (overridden) {
      await uow.notify(await officeUsers(tx, locked.officeId, 'supervisor'), 'eligibility.overridden', {
        orderId, orderNo: locked.orderNo, mode: body.mode, recommendation: result.recommendation,
      });
    }
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

function presentRuleSet(r: RuleSetRow, withFacts = false): RuleSetView {
  return {
    id: r.id, officeId: r.officeId, version: r.version, active: r.active, rules: r.rules as unknown[], defaultOutcome: r.defaultOutcome,
    note: r.note, createdAt: r.createdAt.toISOString(), ...(withFacts ? { facts: DEFAULT_FACT_CATALOG } : {}),
  };
}

/** The active rule set (with the fact catalogue) and the earlier versions. */
export async function listRuleSets(db: Db, actor: Actor): Promise<{ active: RuleSetView; versions: RuleSetView[] }> {
  requireRole(actor, 'order.read');
  assertCustoms(actor);
  if (!actor.officeId) throw notFound('Office');
  const active = await activeRuleSet(db, actor.officeId);
  const rows = await db.select().from(eligibilityRuleSets).where(eq(eligibilityRuleSets.officeId, actor.officeId)).orderBy(desc(eligibilityRuleSets.version)).limit(50);
  return { active: presentRuleSet(active, true), versions: rows.map((r) => presentRuleSet(r)) };
}

/**
 * Administrator saves a new version of the office's rules. Validated by the package's validator (every problem named
 * by its path); the new version becomes the active one at once (no restart: rules are read per evaluation).
 */
export async function saveRuleSet(db: Db, actor: Actor, input: RuleSetInput): Promise<RuleSetView> {
  requireRole(actor, 'admin.manage');
  if (!actor.officeId || !isCustoms(actor)) throw notFound('Office');
  const officeId = actor.officeId;
  const issues = validateEligibilityRules(input.rules);
  if (issues.length) {
    throw badRequest('invalid_rules', `Invalid rules: ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`, { issues });
  }
  const row = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'eligibility:' + officeId}))`);
    const previous = await activeRuleSet(tx, officeId);
    const [max] = await tx.select({ v: sql<number>`max(${eligibilityRuleSets.version})::int` }).from(eligibilityRuleSets).where(eq(eligibilityRuleSets.officeId, officeId));
    const version = Number(max?.v ?? 0) + 1;
    await tx.update(eligibilityRuleSets).set({ active: false }).where(and(eq(eligibilityRuleSets.officeId, officeId), eq(eligibilityRuleSets.active, true)));
    const [created] = await tx.insert(eligibilityRuleSets).values({
      id: randomUUID(), officeId, version, rules: input.rules, defaultOutcome: input.defaultOutcome ?? 'remote', active: true,
      note: input.note ?? null, createdBy: actor.userId,
    }).returning();
    await recordAudit(tx, actor, 'eligibility.rules_changed', { type: 'eligibility_rule_set', id: created.id }, {
      officeId, version, previousVersion: previous.version, ruleIds: (input.rules as { id?: string }[]).map((r) => r.id),
      defaultOutcome: created.defaultOutcome, note: input.note ?? null,
    });
    uow.invalidate([`office:${officeId}`], [['eligibility'], ['orders']]);
    return created;
  });
  return presentRuleSet(row, true);
}
