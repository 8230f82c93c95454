// Fixtures for the dashboard tests: inspection cases written straight into the workflow's tables with chosen times
// (the services stamp "now", which would make hand-computed durations impossible). The database triggers and the
// figure refresh under test see exactly what the services would have written.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { TestApp } from '../../../test/harness.ts';
import {
  declarations, decisionEffects, decisions, eligibilityDecisions, inspectionApplications, inspectionOrders, orderTransitions, selectionRuns, selections, users,
} from '../../db/schema.ts';
import { activeRuleSet } from '../eligibility/eligibility.service.ts';

/** An instant given in the demo office's local time (Asia/Shanghai, UTC+8), e.g. L('2025-03-03 09:00'). */
export const L = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);

export interface CaseSpec {
  officeId?: string;
  enterprise?: 'alpha' | 'beta';
  inspector: string;
  mode: 'remote' | 'onsite';
  channel: 'green' | 'yellow' | 'red';
  selection: 'risk' | 'random' | 'manual' | 'application';
  /** Order created (and, for selection risk/random, declaration selected unless selectedAt is given). */
  createdAt: Date;
  selectedAt?: Date;
  appliedAt?: Date;
  arrivedAt?: Date;
  inspectedAt?: Date;
  state?: string;
  decision?: { outcome: 'release' | 'release_with_correction' | 'hold'; at: Date; fraud: boolean; critical?: boolean };
  eligibility?: { decided: 'remote' | 'onsite'; recommendation: 'remote' | 'onsite'; fired: { ruleId: string; outcome: 'remote' | 'onsite' }[] };
}

let n = 0;

export async function userIdOf(t: TestApp, username: string): Promise<string> {
  const [u] = await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, username));
  return u.id;
}

/** Writes one case (declaration, order, transition, eligibility decision, decision and effect as specified). */
export async function addCase(t: TestApp, spec: CaseSpec): Promise<string> {
  const db = t.ctx.db;
  const i = ++n;
  const officeId = spec.officeId ?? t.orgs.office;
  const enterpriseId = t.orgs[spec.enterprise ?? 'alpha'];
  const inspectorId = await userIdOf(t, spec.inspector);
  const declId = randomUUID();
  await db.insert(declarations).values({
    id: declId, orgId: enterpriseId, customsOfficeId: officeId, declarationNo: `DASH-${process.pid}-${i}-${declId.slice(0, 6)}`, date: '2025-03-01',
    officeCode: '30', processType: 'B', importType: '11', importUse: '21', paymentType: '11', transportMode: '10', declarantCode: 'D1',
    importerCode: 'I1', hs6: '851762', countryOfDeparture: 'CN', countryOfOrigin: 'CN', taxRate: 8, taxType: 'A', originIndicator: 'Y',
    netMassKg: 10, itemPrice: 1000, status: 'selected', source: 'api',
  });
  let applicationId: string | null = null;
  if (spec.appliedAt) {
    applicationId = randomUUID();
    await db.insert(inspectionApplications).values({ id: applicationId, orgId: enterpriseId, declarationId: declId, preferredMode: 'remote', status: 'accepted', createdAt: spec.appliedAt });
  }
  if (spec.selectedAt) {
    const runId = randomUUID();
    await db.insert(selectionRuns).values({ id: runId, officeId, algorithm: 'test', seed: 's', rate: 0.05, randomShare: 0.1, items: [], result: {}, trigger: 'test', createdAt: spec.selectedAt });
    await db.insert(selections).values({ declarationId: declId, runId, reason: spec.selection === 'random' ? 'random' : 'risk', createdAt: spec.selectedAt });
  }
  const orderId = randomUUID();
  await db.insert(inspectionOrders).values({
    id: orderId, orderNo: `IO-T-${i}-${orderId.slice(0, 6)}`, declarationId: declId, officeId, enterpriseId,
    state: spec.state ?? (spec.decision ? 'closed' : spec.inspectedAt ? 'inspected' : 'booked'), mode: spec.mode, goodsCategory: 'electronics', hs6: '851762',
    channel: spec.channel, selection: spec.selection, goodsArrivedAt: spec.arrivedAt ?? null, dueDate: '2025-03-03', inspectorId,
    assignedDate: '2025-03-03', applicationId, createdAt: spec.createdAt, updatedAt: spec.createdAt,
  });
  if (spec.eligibility) {
    const set = await activeRuleSet(db, officeId);
    await db.insert(eligibilityDecisions).values({
      id: randomUUID(), orderId, ruleSetId: set.id, ruleSetVersion: set.version, facts: {}, recommendation: spec.eligibility.recommendation,
      fired: spec.eligibility.fired.map((f) => ({ ...f, description: f.ruleId, priority: 0, basis: 'matched' })), decidedMode: spec.eligibility.decided,
      overridden: spec.eligibility.decided !== spec.eligibility.recommendation, reason: null, decidedBy: inspectorId, decidedAt: spec.createdAt,
    });
  }
  if (spec.inspectedAt) {
    await db.insert(orderTransitions).values({ id: randomUUID(), orderId, fromState: 'in_progress', toState: 'inspected', actorId: inspectorId, actorRole: 'inspector', at: spec.inspectedAt });
  }
  if (spec.decision) await addDecision(t, orderId, declId, officeId, enterpriseId, inspectorId, spec.decision);
  return orderId;
}

/** A signed-decision row and its effect (the signature itself is not what these tests are about). */
export async function addDecision(
  t: TestApp, orderId: string, declarationId: string, officeId: string, enterpriseId: string, inspectorId: string,
  d: { outcome: 'release' | 'release_with_correction' | 'hold'; at: Date; fraud: boolean; critical?: boolean },
): Promise<void> {
  const decisionId = randomUUID();
  await t.ctx.db.insert(decisions).values({
    id: decisionId, orderId, declarationId, officeId, enterpriseId, outcome: d.outcome, corrections: [], reason: null, findingIds: [],
    requiresApproval: d.outcome !== 'release', envelope: {}, keyId: 'test', signedBy: inspectorId, signedAt: d.at,
  });
  await t.ctx.db.insert(decisionEffects).values({
    orderId, decisionId, outcome: d.outcome, releasedAt: d.outcome === 'hold' ? null : d.at, effectiveAt: d.at, fraud: d.fraud, critical: d.critical ?? false,
  });
}

/** Adds the decision of an already written case (e.g. an approval arriving later). */
export async function decideCase(t: TestApp, orderId: string, d: { outcome: 'release' | 'release_with_correction' | 'hold'; at: Date; fraud: boolean; critical?: boolean }): Promise<void> {
  const [o] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, orderId));
  await addDecision(t, orderId, o.declarationId, o.officeId, o.enterpriseId, o.inspectorId!, d);
  await t.ctx.db.update(inspectionOrders).set({ state: 'closed', updatedAt: d.at }).where(eq(inspectionOrders.id, orderId));
}
