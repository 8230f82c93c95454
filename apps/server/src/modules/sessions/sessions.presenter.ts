// Sessions as the console sees them: names resolved, times as ISO strings, download URLs, and the `can` map.
import { inArray } from 'drizzle-orm';
import type { RecordingView, SessionEvent, SessionStep, SessionView, SnapshotView } from '@rvi/contracts';
import { recordingSegments, sessionEvents, sessionSnapshots, sessionSteps, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { sessionCan } from './sessions.policy.ts';
import type { SessionRow } from './sessions.state.ts';

type EventRow = typeof sessionEvents.$inferSelect;
type StepRow = typeof sessionSteps.$inferSelect;
type SegmentRow = typeof recordingSegments.$inferSelect;
type SnapshotRow = typeof sessionSnapshots.$inferSelect;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function userNames(db: Db, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter((x): x is string => !!x))];
  if (!unique.length) return new Map();
  const rows = await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, unique));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export function presentSession(s: SessionRow, orderNo: string, names: Map<string, string>, actor: Actor): SessionView {
  return {
    id: s.id, orderId: s.orderId, orderNo, state: s.state as SessionView['state'], goodsCategory: s.goodsCategory,
    inspectorId: s.inspectorId, inspectorName: names.get(s.inspectorId) ?? null,
    operatorUserId: s.operatorUserId, operatorName: s.operatorUserId ? names.get(s.operatorUserId) ?? null : null,
    mediaNode: s.mediaNode, createdAt: s.createdAt.toISOString(), connectedAt: iso(s.connectedAt), endedAt: iso(s.endedAt), endReason: s.endReason,
    can: sessionCan(actor, s),
  };
}

export function presentEvent(e: EventRow, names: Map<string, string>): SessionEvent {
  return {
    id: e.id, seq: e.seq, at: e.at.toISOString(), kind: e.kind, source: e.source, actorId: e.actorId,
    actorName: e.actorId ? names.get(e.actorId) ?? null : null, payload: e.payload ?? {},
  };
}

export function presentStep(s: StepRow): SessionStep {
  return {
    id: s.id, ordinal: s.ordinal, templateKey: s.templateKey, text: s.text, status: s.status, result: s.result ?? null, note: s.note ?? null,
    sentAt: iso(s.sentAt), doneAt: iso(s.doneAt),
  };
}

export function presentRecording(r: SegmentRow): RecordingView {
  return {
    id: r.id, index: r.index, sha256: r.sha256, bytes: r.bytes, durationMs: r.durationMs, startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt.toISOString(), reason: r.reason, recovered: r.recovered, track: r.track === 'inspector' ? 'inspector' : 'camera', url: `/api/sessions/${r.sessionId}/recordings/${r.id}`,
  };
}

export function presentSnapshot(s: SnapshotRow): SnapshotView {
  return {
    id: s.id, clientId: s.clientId, sha256: s.sha256, bytes: s.bytes, width: s.width, height: s.height, mime: s.mime, method: s.method,
    takenAt: s.takenAt.toISOString(), receivedAt: s.receivedAt.toISOString(), ...takenAtClaim(s.takenAt, s.receivedAt), url: `/api/sessions/${s.sessionId}/snapshots/${s.id}`,
  };
}

/** A device's claimed capture time beside the server's receipt: how far apart, and whether the claim is believable. */
export function takenAtClaim(takenAt: Date, receivedAt: Date): { clockSkewMs: number; takenAtPlausible: boolean } {
  const clockSkewMs = takenAt.getTime() - receivedAt.getTime();
  // a still is uploaded after it is taken (retries over a bad network: minutes), never long before
  return { clockSkewMs, takenAtPlausible: clockSkewMs <= 60_000 && clockSkewMs >= -5 * 60_000 };
}
