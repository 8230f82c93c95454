import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { loadComparisonInput } from './vision.declaration.ts';
import { compareObjectsWithDeclaration, compareWithDeclaration, createVisionEngine, type ComparisonResult, type LabelReading, type ObjectsResult, type VisionEngine } from '@rvi/vision';
import { declarations, inspectionOrders, liveSessions, sessionSnapshots, suggestedFindings, visionReadings } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';
import type { Actor } from '../../platform/actor.ts';
import { systemActor } from '../../platform/actor.ts';
import { notFound } from '../../platform/errors.ts';
import { isCustoms, requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { liveKeys } from '@rvi/contracts';

/** The OCR models are loaded once per process, on first use, in a worker thread (the API's event loop stays free). */
export class VisionRunner {
  private engine: Promise<VisionEngine> | null = null;
  /** Object detections still to be stored (labels first: they finish after their reading was stored). */
  private readonly following = new Set<Promise<unknown>>();
  get(): Promise<VisionEngine> {
    this.engine ??= createVisionEngine({ workers: 1 }).catch((e) => { this.engine = null; throw e; });
    return this.engine;
  }
  /** Loads the models (and reads one generated door) now, so the first snapshot or live frame is read at full speed. */
  async warm(): Promise<void> {
    await this.get();
  }
  /** Keeps `p` (work that follows a stored reading) until it settles, so close() does not cut it off. */
  follow(p: Promise<unknown>): void {
    const settled = p.catch(() => undefined);
    this.following.add(settled);
    void settled.then(() => this.following.delete(settled));
  }
  /** Resolves when the objects already being found have been stored. */
  async followed(): Promise<void> {
    await Promise.all([...this.following]);
  }
  /** Waits for the objects still being found and stored, then stops the engine. */
  async close(): Promise<void> {
    await this.followed();
    if (this.engine) await (await this.engine).close().catch(() => undefined);
    this.engine = null;
  }
}

export interface SnapshotRef {
  snapshotId: string;
  sessionId: string;
  orderId: string;
  path: string;
}

type OrderRow = { o: typeof inspectionOrders.$inferSelect; d: typeof declarations.$inferSelect };

/**
 * Reads a stored snapshot, labels first: the text reading is compared with the declaration and the arrival notice and
 * stored with each mismatch as a *suggested* finding (the inspector accepts or dismisses it; nothing is decided here),
 * and the console is refreshed at once. The object detector runs after (it costs more than all of the OCR, issue 17):
 * `objects` settles when what is in view has been added to the same reading (recordSnapshotObjects).
 * Idempotent: a snapshot already read is skipped.
 */
export async function readSnapshot(db: Db, runner: VisionRunner, ref: SnapshotRef, actor: Actor = systemActor('vision')): Promise<{ readingId: string; comparison: ComparisonResult | null; objects: Promise<void> } | 'skipped'> {
  const [done] = await db.select({ id: visionReadings.id }).from(visionReadings).where(eq(visionReadings.snapshotId, ref.snapshotId));
  if (done) return 'skipped';
  const [order] = await db.select({ o: inspectionOrders, d: declarations }).from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId)).where(eq(inspectionOrders.id, ref.orderId));
  const t0 = performance.now();
  let labels: LabelReading | null = null;
  let error: { reason: string; message: string } | null = null;
  try {
    labels = await (await runner.get()).readLabels(ref.path);
  } catch (e) {
    error = { reason: (e as { reason?: string }).reason ?? 'failed', message: (e as Error).message };
  }
  const reading = labels?.reading ?? null;
  const ms = performance.now() - t0;
  let comparison: ComparisonResult | null = null;
  const input = reading && order ? await loadComparisonInput(db, ref.orderId) : null;
  if (reading && input) comparison = compareWithDeclaration(reading.fields, input.declaration, input.notice, input.options);
  const readingId = randomUUID();
  await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const { fields: _fields, ...summary } = reading ?? ({} as Record<string, unknown>);
    await tx.insert(visionReadings).values({
      id: readingId, snapshotId: ref.snapshotId, sessionId: ref.sessionId, orderId: ref.orderId, status: reading ? 'read' : 'failed',
      result: reading ? { ...summary, fields: reading.fields, objectsStatus: 'pending' } : { error }, comparison, width: reading?.width ?? null,
      height: reading?.height ?? null, model: reading?.model ?? null, ms,
    }).onConflictDoNothing();
    if (comparison?.findings.length && order) await insertSuggestions(tx, ref, readingId, comparison.findings);
    await recordAudit(tx, actor, 'vision.snapshot_read', { type: 'snapshot', id: ref.snapshotId }, {
      readingId, orderId: ref.orderId, status: reading ? 'read' : 'failed', model: reading?.model ?? null,
      containerNumbers: reading?.containerNumbers ?? [], matches: comparison?.matches.length ?? 0, suggestions: comparison?.findings.length ?? 0,
      objects: reading ? 'pending' : null, error: error?.message ?? null,
    });
    // the inspector's console refetches the reading, the session and the inspection's findings
    if (order) uow.invalidate([`office:${order.o.officeId}`], [liveKeys.vision(ref.snapshotId), liveKeys.session(ref.sessionId), liveKeys.findings(ref.orderId)]);
  });
  const objects = labels && reading
    ? recordSnapshotObjects(db, ref, readingId, order ?? null, labels.objects, actor)
    : Promise.resolve();
  return { readingId, comparison, objects };
}

/**
 * The second half of a snapshot's reading: what the object detector sees (COCO classes, persons, faces) is added to the
 * stored reading, compared with the declared HS chapters and package count (object recognition, issue 17), each
 * mismatch stored as a suggested finding, and the console refreshed through the same live keys. A failed detection is
 * recorded as such on the reading (the labels stand).
 */
async function recordSnapshotObjects(db: Db, ref: SnapshotRef, readingId: string, order: OrderRow | null, found: LabelReading['objects'], actor: Actor): Promise<void> {
  let seen: ObjectsResult | null = null;
  let error: string | null = null;
  try {
    seen = await found;
  } catch (e) {
    error = (e as Error).message;
  }
  await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const [row] = await tx.select().from(visionReadings).where(eq(visionReadings.id, readingId)).for('update');
    const result = (row?.result ?? {}) as Record<string, unknown>;
    // once per reading: a recovery that raced the detection it recovers (finishSnapshotObjects) adds nothing twice
    if (!row || result.objectsStatus !== 'pending') return;
    const objects = order && seen
      ? compareObjectsWithDeclaration(seen.objects, { hsCodes: [order.d.hs6, ...(order.d.goodsLines ?? []).map((g) => g.hsCode)], packages: order.d.packageCount })
      : null;
    const findings = (objects?.findings ?? []).map((f) => ({
      field: f.field, declared: f.declared, observed: f.observed, confidence: f.confidence, rule: f.rule, message: f.message,
      evidence: { text: f.observed, box: boxQuad(f.boxes) },
    }));
    const before = row.comparison as ComparisonResult | null;
    const comparison = before && objects ? ({ ...before, objects, findings: [...before.findings, ...findings] } as ComparisonResult) : before;
    await tx.update(visionReadings).set({
      result: seen
        ? { ...result, objects: seen.objects, faces: seen.faces, objectsStatus: 'read', objectsMs: Math.round(seen.ms) }
        : { ...result, objectsStatus: 'failed', objectsError: error },
      comparison,
    }).where(eq(visionReadings.id, readingId));
    if (findings.length) await insertSuggestions(tx, ref, readingId, findings);
    await recordAudit(tx, actor, 'vision.snapshot_objects', { type: 'snapshot', id: ref.snapshotId }, {
      readingId, orderId: ref.orderId, status: seen ? 'read' : 'failed', objects: seen?.objects.length ?? 0, faces: seen?.faces.length ?? 0,
      suggestions: findings.length, error,
    });
    if (order) uow.invalidate([`office:${order.o.officeId}`], [liveKeys.vision(ref.snapshotId), liveKeys.findings(ref.orderId)]);
  });
}

/** A suggested finding as stored: from the label comparison or from the objects in view. */
interface Suggestion { field: string; declared: string; observed: string; confidence: number; rule: string; message?: string; evidence: { text: string; box: unknown } }

async function insertSuggestions(tx: Db, ref: SnapshotRef, readingId: string, findings: Suggestion[]): Promise<void> {
  await tx.insert(suggestedFindings).values(findings.map((f) => ({
    id: randomUUID(), orderId: ref.orderId, field: f.field, declaredValue: f.declared, observedValue: f.observed, confidence: f.confidence,
    evidence: { snapshotId: ref.snapshotId, readingId, box: f.evidence.box, text: f.evidence.text, rule: f.rule, message: f.message },
    source: 'vision',
  })));
}

/** The quad around a set of [x, y, w, h] boxes (tl, tr, br, bl), the evidence box of an object finding. */
function boxQuad(boxes: Array<[number, number, number, number]>): [number, number][] {
  const x0 = Math.min(...boxes.map((b) => b[0])), y0 = Math.min(...boxes.map((b) => b[1]));
  const x1 = Math.max(...boxes.map((b) => b[0] + b[2])), y1 = Math.max(...boxes.map((b) => b[1] + b[3]));
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

/** The reading of a snapshot with its boxes, matches (green) and mismatches (red): customs staff of the office only. */
export async function getSnapshotReading(db: Db, actor: Actor, snapshotId: string) {
  requireRole(actor, 'session.observe');
  const [row] = await db.select({ r: visionReadings, officeId: liveSessions.officeId }).from(visionReadings)
    .innerJoin(liveSessions, eq(liveSessions.id, visionReadings.sessionId)).where(eq(visionReadings.snapshotId, snapshotId));
  if (!row || !isCustoms(actor) || row.officeId !== actor.officeId) {
    const [snap] = await db.select({ officeId: liveSessions.officeId }).from(sessionSnapshots)
      .innerJoin(liveSessions, eq(liveSessions.id, sessionSnapshots.sessionId)).where(eq(sessionSnapshots.id, snapshotId));
    if (snap && isCustoms(actor) && snap.officeId === actor.officeId) return { snapshotId, status: 'pending' as const, reading: null, comparison: null, ms: null };
    throw notFound('Snapshot', snapshotId);
  }
  return { snapshotId, status: row.r.status, reading: row.r.result, comparison: row.r.comparison, ms: row.r.ms };
}

/** Snapshots stored while the process was down or before vision was available: read them now. */
export async function unreadSnapshots(db: Db, limit = 200): Promise<{ snapshotId: string; sessionId: string; orderId: string; key: string }[]> {
  return db.select({ snapshotId: sessionSnapshots.id, sessionId: sessionSnapshots.sessionId, orderId: liveSessions.orderId, key: sessionSnapshots.key })
    .from(sessionSnapshots).innerJoin(liveSessions, eq(liveSessions.id, sessionSnapshots.sessionId))
    .leftJoin(visionReadings, eq(visionReadings.snapshotId, sessionSnapshots.id))
    .where(and(isNull(visionReadings.id))).limit(limit);
}

/**
 * Readings whose labels were stored but whose objects never were (the process stopped between the two units of work):
 * the console would show "looking for objects" for ever. Found at start and finished by finishSnapshotObjects.
 */
export async function readingsAwaitingObjects(db: Db, limit = 200): Promise<{ readingId: string; snapshotId: string; sessionId: string; orderId: string; key: string }[]> {
  return db.select({ readingId: visionReadings.id, snapshotId: sessionSnapshots.id, sessionId: sessionSnapshots.sessionId, orderId: liveSessions.orderId, key: sessionSnapshots.key })
    .from(visionReadings).innerJoin(sessionSnapshots, eq(sessionSnapshots.id, visionReadings.snapshotId))
    .innerJoin(liveSessions, eq(liveSessions.id, sessionSnapshots.sessionId))
    .where(sql`${visionReadings.result}->>'objectsStatus' = 'pending'`).limit(limit);
}

/** Runs the object detector on a snapshot whose reading awaits its objects, and adds them to that reading. */
export async function finishSnapshotObjects(db: Db, runner: VisionRunner, ref: SnapshotRef & { readingId: string }, actor: Actor = systemActor('vision')): Promise<void> {
  const [order] = await db.select({ o: inspectionOrders, d: declarations }).from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId)).where(eq(inspectionOrders.id, ref.orderId));
  // The engine has no detector-only entry: the labels are read again (and dropped) to get the decoded image's objects.
  const labels = await (await runner.get()).readLabels(ref.path, { barcodes: false });
  await recordSnapshotObjects(db, ref, ref.readingId, order ?? null, labels.objects, actor);
}
