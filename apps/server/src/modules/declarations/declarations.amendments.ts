// Amendments (issue 18): after a decision (a release with correction, a discrepancy) the enterprise files the
// corrected values of its declaration with a reason; customs of the declaration's office accept or refuse it. On
// acceptance the declaration takes the new values as its next version and the version it replaces is kept whole in
// declaration_versions, so the original stays readable. One amendment per declaration waits at a time.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { Value } from '@sinclair/typebox/value';
import {
  DeclarationInput, NUMERIC_AMENDABLE_FIELDS, declarationCodeProblems, type Amendment, type AmendmentDecisionInput, type AmendmentInput, type AmendableField,
} from '@rvi/contracts';
import { amendments, declarations, declarationVersions, inspectionOrders, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { authorize, canSee, isCustoms, isEnterprise, roleAllows } from '../../platform/policy.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';
import { recordAudit } from '../audit/audit.service.ts';

type AmendmentRow = typeof amendments.$inferSelect;
type DeclarationRow = typeof declarations.$inferSelect;

/** Declarations are amended after customs decided on them (released or held). */
const AMENDABLE_STATUSES = ['released', 'held'];

/** The owning enterprise's users who file declarations, once customs decided (the UI's `can.amend`). */
export const mayFileAmendment = (actor: Actor, d: DeclarationRow) =>
  isEnterprise(actor) && actor.orgId === d.orgId && roleAllows(actor, 'declaration.create') && AMENDABLE_STATUSES.includes(d.status);

/** Customs staff who may accept or refuse an amendment: those who propose or approve decisions, in the office. */
const mayDecide = (actor: Actor, d: { customsOfficeId: string }) =>
  isCustoms(actor) && actor.officeId === d.customsOfficeId && (roleAllows(actor, 'decision.propose') || roleAllows(actor, 'decision.approve'));

function invalid(field: string, message: string): AppError {
  return new AppError('validation', 400, `${field} ${message}`, [{ field, message }]);
}

/** The value checked against the declaration's own schema for the field (400 naming `body.changes.N.to`). */
function checkedValue(field: AmendableField, to: number | string, i: number): number | string {
  const numeric = NUMERIC_AMENDABLE_FIELDS.includes(field);
  if (numeric !== (typeof to === 'number')) throw invalid(`body.changes.${i}.to`, numeric ? `must be a number for ${field}` : `must be text for ${field}`);
  const schema = (DeclarationInput.properties as Record<string, Parameters<typeof Value.Check>[0]>)[field];
  const inner = schema.anyOf ? schema.anyOf.find((s: { type?: string }) => s.type !== 'null') : schema;
  if (!Value.Check(inner, to)) throw invalid(`body.changes.${i}.to`, `is not a valid ${field}`);
  return to;
}

function presentAmendment(a: AmendmentRow, actor: Actor, d: DeclarationRow, names: Map<string, string>): Amendment {
  return {
    id: a.id, declarationId: a.declarationId, status: a.status, baseVersion: a.baseVersion, resultVersion: a.resultVersion,
    changes: a.changes, reason: a.reason, filedAt: a.filedAt.toISOString(), filedByName: a.filedBy ? names.get(a.filedBy) ?? null : null,
    decidedAt: a.decidedAt?.toISOString() ?? null, decidedByName: a.decidedBy ? names.get(a.decidedBy) ?? null : null, decisionNote: a.decisionNote,
    can: { decide: a.status === 'filed' && mayDecide(actor, d) },
  };
}

/** The amendments of a declaration the actor sees (newest first). */
export async function listAmendments(db: Db, actor: Actor, d: DeclarationRow): Promise<Amendment[]> {
  const rows = await db.select().from(amendments).where(eq(amendments.declarationId, d.id)).orderBy(desc(amendments.filedAt));
  const ids = [...new Set(rows.flatMap((r) => [r.filedBy, r.decidedBy]).filter((x): x is string => !!x))];
  const names = new Map((ids.length ? await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, ids)) : []).map((u) => [u.id, u.name]));
  return rows.map((r) => presentAmendment(r, actor, d, names));
}

async function loadDeclaration(db: Db, id: string): Promise<DeclarationRow | null> {
  const [d] = await db.select().from(declarations).where(eq(declarations.id, id)).limit(1);
  return d ?? null;
}

async function notifyTargets(db: Db, officeId: string, declarationId: string): Promise<{ users: string[]; orderId: string | null }> {
  const [order] = await db.select({ id: inspectionOrders.id, inspectorId: inspectionOrders.inspectorId }).from(inspectionOrders)
    .where(eq(inspectionOrders.declarationId, declarationId)).orderBy(desc(inspectionOrders.createdAt)).limit(1);
  const sups = await db.select({ id: users.id }).from(users).where(and(eq(users.orgId, officeId), eq(users.role, 'supervisor'), eq(users.active, true)));
  return { users: [...new Set([...sups.map((u) => u.id), ...(order?.inspectorId ? [order.inspectorId] : [])])], orderId: order?.id ?? null };
}

/**
 * The enterprise files an amendment of its declaration: the new values (checked like a new declaration's, code lists
 * included) and why. 404 for another enterprise's declaration, 409 before a decision or while one already waits.
 */
export async function fileAmendment(db: Db, actor: Actor, declarationId: string, input: AmendmentInput): Promise<Amendment> {
  const d = await loadDeclaration(db, declarationId);
  authorize(actor, 'declaration.create', d, 'Declaration', declarationId);
  if (!isEnterprise(actor)) throw forbidden('The enterprise that filed the declaration amends it');
  if (!AMENDABLE_STATUSES.includes(d!.status)) {
    throw conflict('amendment_not_open', `Declaration ${d!.declarationNo} can be amended once customs decided on it (it is ${d!.status})`);
  }
  const seen = new Set<string>();
  const changes = input.changes.map((c, i) => {
    if (seen.has(c.field)) throw invalid(`body.changes.${i}.field`, `${c.field} is listed twice`);
    seen.add(c.field);
    const to = checkedValue(c.field, c.to, i);
    return { field: c.field, from: (d as Record<string, unknown>)[c.field] ?? null, to };
  });
  const unchanged = changes.findIndex((c) => c.from === c.to);
  if (unchanged >= 0) throw invalid(`body.changes.${unchanged}.to`, `is the value ${changes[unchanged].field} already has`);
  // code lists (ISO 3166 countries, ISO 4217 currencies, Rec. 21 package kinds), named by the change that holds them
  for (const p of declarationCodeProblems(Object.fromEntries(changes.map((c) => [c.field, c.to])))) {
    throw invalid(`body.changes.${changes.findIndex((c) => c.field === p.field)}.to`, p.message);
  }
  const targets = await notifyTargets(db, d!.customsOfficeId, d!.id);
  const row = await inTransaction(db, actor, async (uow) => {
    const [pending] = await uow.tx.select({ id: amendments.id }).from(amendments).where(and(eq(amendments.declarationId, d!.id), eq(amendments.status, 'filed'))).limit(1);
    if (pending) throw conflict('amendment_pending', `An amendment of declaration ${d!.declarationNo} already waits for customs`, { amendmentId: pending.id });
    const [a] = await uow.tx.insert(amendments).values({
      id: randomUUID(), declarationId: d!.id, orgId: d!.orgId, officeId: d!.customsOfficeId, orderId: targets.orderId, baseVersion: d!.version,
      changes, reason: input.reason, filedBy: actor.userId,
    }).returning();
    await recordAudit(uow.tx, actor, 'amendment.filed', { type: 'declaration', id: d!.id }, { amendmentId: a.id, baseVersion: d!.version, changes });
    await uow.notify(targets.users, 'amendment.filed', { declarationId: d!.id, declarationNo: d!.declarationNo, amendmentId: a.id, ...(targets.orderId ? { orderId: targets.orderId } : {}) });
    uow.invalidate([`org:${d!.orgId}`, `office:${d!.customsOfficeId}`], [['declarations']]);
    return a;
  });
  return (await listAmendments(db, actor, d!)).find((a) => a.id === row.id)!;
}

/**
 * Customs accept or refuse an amendment. Accepting writes the new values into the declaration as version N+1 and keeps
 * version N whole in declaration_versions; refusing needs a note, told to the enterprise. 404 outside the office.
 */
export async function decideAmendment(db: Db, actor: Actor, amendmentId: string, input: AmendmentDecisionInput): Promise<Amendment> {
  const [a] = await db.select().from(amendments).where(eq(amendments.id, amendmentId)).limit(1);
  const d = a ? await loadDeclaration(db, a.declarationId) : null;
  if (!a || !d || !canSee(actor, d) || isEnterprise(actor)) {
    if (a && d && isEnterprise(actor) && canSee(actor, d)) throw forbidden('Customs decide on amendments');
    throw notFound('Amendment', amendmentId);
  }
  if (!mayDecide(actor, d)) throw forbidden(`Your role (${actor.role}) may not decide on amendments`);
  if (!input.accept && !(input.note ?? '').trim()) throw invalid('body.note', 'is required when refusing an amendment');
  await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const [locked] = await tx.select().from(amendments).where(eq(amendments.id, amendmentId)).for('update');
    if (locked.status !== 'filed') throw conflict('amendment_decided', `This amendment was already ${locked.status}`);
    const [current] = await tx.select().from(declarations).where(eq(declarations.id, d.id)).for('update');
    const decidedAt = new Date();
    const note = input.note?.trim() || null;
    if (input.accept) {
      if (current.version !== locked.baseVersion) throw conflict('amendment_stale', `The declaration changed since the amendment was filed (version ${current.version}, not ${locked.baseVersion})`);
      const { id: _id, ...data } = current;
      await tx.insert(declarationVersions).values({ id: randomUUID(), declarationId: d.id, version: current.version, data, amendmentId, createdBy: actor.userId });
      const patch = Object.fromEntries(locked.changes.map((c) => [c.field, c.to]));
      await tx.update(declarations).set({ ...patch, version: current.version + 1, amendedAt: decidedAt }).where(eq(declarations.id, d.id));
      await tx.update(amendments).set({ status: 'accepted', decidedBy: actor.userId, decidedAt, decisionNote: note, resultVersion: current.version + 1 }).where(eq(amendments.id, amendmentId));
    } else {
      await tx.update(amendments).set({ status: 'rejected', decidedBy: actor.userId, decidedAt, decisionNote: note }).where(eq(amendments.id, amendmentId));
    }
    const verdict = input.accept ? 'accepted' : 'rejected';
    await recordAudit(tx, actor, `amendment.${verdict}`, { type: 'declaration', id: d.id }, {
      amendmentId, fromVersion: current.version, ...(input.accept ? { toVersion: current.version + 1 } : {}), note,
    });
    const ent = await tx.select({ id: users.id }).from(users).where(and(eq(users.orgId, d.orgId), eq(users.role, 'enterprise_user'), eq(users.active, true)));
    await uow.notify(ent.map((u) => u.id), `amendment.${verdict}`, { declarationId: d.id, declarationNo: d.declarationNo, amendmentId, ...(a.orderId ? { orderId: a.orderId } : {}) });
    uow.invalidate([`org:${d.orgId}`, `office:${d.customsOfficeId}`], [['declarations'], ['outcomes']]);
  });
  const fresh = (await loadDeclaration(db, d.id))!;
  return (await listAmendments(db, actor, fresh)).find((x) => x.id === amendmentId)!;
}
