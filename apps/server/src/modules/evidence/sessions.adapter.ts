// The live sessions of an order as the case story and the evidence package tell them: each session's state and
// times, its timeline of events (joins, reconnects, steps, instructions, snapshots, recording segments), its
// checklist with the results, and the vision readings of its snapshots. Read from the session module's tables
// (live_sessions, session_events, session_steps) and the vision module's (vision_readings).
import { asc, eq, inArray } from 'drizzle-orm';
import { liveSessions, sessionEvents, sessionSteps, users, visionReadings } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';

export interface SessionTimeline {
  sessionId: string;
  state: string;
  inspectorName: string | null;
  createdAt: string;
  connectedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  events: { seq: number; at: string; kind: string; source: string; actorId: string | null; payload: Record<string, unknown> }[];
  steps: { ordinal: number; key: string | null; text: { en: string; 'zh-CN': string }; status: string; result: string | null; note: string | null; doneAt: string | null }[];
  readings: { id: string; snapshotId: string; status: string; model: string | null; at: string }[];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function loadSessionTimeline(db: Db, orderId: string): Promise<SessionTimeline[]> {
  const sessions = await db.select({ s: liveSessions, inspectorName: users.displayName }).from(liveSessions)
    .leftJoin(users, eq(users.id, liveSessions.inspectorId))
    .where(eq(liveSessions.orderId, orderId)).orderBy(asc(liveSessions.createdAt));
  if (!sessions.length) return [];
  const ids = sessions.map((x) => x.s.id);
  const events = await db.select().from(sessionEvents).where(inArray(sessionEvents.sessionId, ids)).orderBy(asc(sessionEvents.seq));
  const steps = await db.select().from(sessionSteps).where(inArray(sessionSteps.sessionId, ids)).orderBy(asc(sessionSteps.ordinal));
  const readings = await db.select().from(visionReadings).where(inArray(visionReadings.sessionId, ids)).orderBy(asc(visionReadings.createdAt));
  return sessions.map(({ s, inspectorName }) => ({
    sessionId: s.id, state: s.state, inspectorName: inspectorName ?? null, createdAt: s.createdAt.toISOString(),
    connectedAt: iso(s.connectedAt), endedAt: iso(s.endedAt), endReason: s.endReason,
    events: events.filter((e) => e.sessionId === s.id).map((e) => ({ seq: e.seq, at: e.at.toISOString(), kind: e.kind, source: e.source, actorId: e.actorId, payload: e.payload ?? {} })),
    steps: steps.filter((x) => x.sessionId === s.id).map((x) => ({
      ordinal: x.ordinal, key: x.templateKey, text: x.text, status: x.status, result: x.result ?? null, note: x.note ?? null, doneAt: iso(x.doneAt),
    })),
    readings: readings.filter((r) => r.sessionId === s.id).map((r) => ({ id: r.id, snapshotId: r.snapshotId, status: r.status, model: r.model, at: r.createdAt.toISOString() })),
  }));
}
