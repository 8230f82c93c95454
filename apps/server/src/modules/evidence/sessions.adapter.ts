// ADAPTER (switch when the live-session module lands in the server): the session timeline of an order.
// Live sessions (recordings, snapshots, session events) are being built in packages/media and are not in the server
// yet, so there are no session tables to read. Until then the timeline is built from the media registered for the
// case (case_media, filled through registerCaseMedia by whoever records). When the session module adds its tables,
// replace the body of loadSessionTimeline with a query of them (keep the return shape: the case story, the evidence
// package and the web player read it).
import { asc, eq } from 'drizzle-orm';
import { caseMedia } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';

export interface SessionTimeline {
  sessionId: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Events in time order: recording segments and snapshots (and, later, connection events). */
  events: { at: string | null; kind: string; ref: string; detail?: Record<string, unknown> }[];
}

export async function loadSessionTimeline(db: Db, orderId: string): Promise<SessionTimeline[]> {
  const media = await db.select().from(caseMedia).where(eq(caseMedia.orderId, orderId)).orderBy(asc(caseMedia.startedAt), asc(caseMedia.name));
  const bySession = new Map<string, SessionTimeline>();
  for (const m of media) {
    const sid = m.sessionId ?? 'unassigned';
    let s = bySession.get(sid);
    if (!s) bySession.set(sid, (s = { sessionId: sid, startedAt: null, endedAt: null, events: [] }));
    const start = m.startedAt?.toISOString() ?? null;
    const end = m.endedAt?.toISOString() ?? null;
    if (start && (!s.startedAt || start < s.startedAt)) s.startedAt = start;
    if (end && (!s.endedAt || end > s.endedAt)) s.endedAt = end;
    s.events.push({ at: start, kind: m.kind === 'recording' ? 'recording_segment' : 'snapshot', ref: m.id, detail: { name: m.name, endedAt: end } });
  }
  return [...bySession.values()];
}
