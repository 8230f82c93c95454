// The single path for session state changes (STYLE §5): requested → ringing → connected ⇄ reconnecting → ended.
// transitionSession() rejects illegal moves, persists with a guard on the state it read, writes the timeline event
// and the audit entry in the caller's transaction, and queues the live invalidation (delivered after commit).
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { liveKeys, type SessionState } from '@rvi/contracts';
import { liveSessions, sessionEvents } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor } from '../../platform/actor.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { type UnitOfWork, inTransaction } from '../../platform/unit-of-work.ts';

export type SessionRow = typeof liveSessions.$inferSelect;

const NEXT: Record<SessionState, readonly SessionState[]> = {
  // requested: the inspector opened the session and issued the device link
  requested: ['ringing', 'ended'],
  // ringing: the device opened the link (token redeemed) and is connecting its camera
  ringing: ['connected', 'ended'],
  // connected: media flows from the device through the media node
  connected: ['reconnecting', 'ended'],
  // reconnecting: the device's media stopped (network drop, page reload); it reconnects by itself
  reconnecting: ['connected', 'ended'],
  ended: [],
};

export function allowedSessionTransitions(from: SessionState): readonly SessionState[] {
  return NEXT[from] ?? [];
}

export function canTransitionSession(from: string, to: SessionState): boolean {
  return (NEXT[from as SessionState] ?? []).includes(to);
}

/** Shortest legal path from `from` to `to` (e.g. requested → ringing → connected), or null. */
export function sessionPath(from: SessionState, to: SessionState): SessionState[] | null {
  if (from === to) return [];
  const seen = new Set<SessionState>([from]);
  const queue: { s: SessionState; path: SessionState[] }[] = [{ s: from, path: [] }];
  while (queue.length) {
    const { s, path } = queue.shift()!;
    for (const n of NEXT[s]) {
      if (seen.has(n)) continue;
      const p = [...path, n];
      if (n === to) return p;
      seen.add(n);
      queue.push({ s: n, path: p });
    }
  }
  return null;
}

export interface SessionTransitionOptions {
  reason?: string | null;
  source?: 'inspector' | 'observer' | 'device' | 'system';
  /** extra facts for the event and the audit entry */
  detail?: Record<string, unknown>;
}

/** Rooms and query keys to refresh when a session changes. */
export function invalidateSession(uow: Pick<UnitOfWork, 'invalidate'>, s: Pick<SessionRow, 'id' | 'officeId' | 'enterpriseId' | 'operatorUserId'>, orders = false): void {
  uow.invalidate([`office:${s.officeId}`, s.operatorUserId ? `user:${s.operatorUserId}` : null], [liveKeys.sessions(), ...(orders ? [liveKeys.orders()] : [])]);
}

/** The same refresh for a change that was not made in a unit of work (a chat line stored on its own): one outbox row. */
export async function refreshSessionPages(db: Db, s: Pick<SessionRow, 'id' | 'officeId' | 'enterpriseId' | 'operatorUserId'>): Promise<void> {
  await inTransaction(db, systemActor('session-refresh'), async (uow) => invalidateSession(uow, s));
}

/**
 * Moves a session to `to`. 409 `invalid_transition` (naming the allowed next states) for an illegal move, 409
 * `stale_session` when someone else changed it meanwhile. Call inside a transaction.
 */
export async function transitionSession(uow: UnitOfWork, session: SessionRow, to: SessionState, opts: SessionTransitionOptions = {}): Promise<SessionRow> {
  const { tx, actor } = uow;
  const from = session.state as SessionState;
  if (!canTransitionSession(from, to)) {
    throw conflict('invalid_transition', `A session cannot go from ${from} to ${to}`, { from, to, allowed: allowedSessionTransitions(from) });
  }
  const now = new Date();
  const patch: Partial<SessionRow> = { state: to, updatedAt: now };
  if (to === 'connected' && !session.connectedAt) patch.connectedAt = now;
  if (to === 'ended') {
    patch.endedAt = now;
    patch.endReason = opts.reason ?? null;
  }
  const [updated] = await tx.update(liveSessions).set(patch)
    .where(and(eq(liveSessions.id, session.id), eq(liveSessions.state, session.state))).returning();
  if (!updated) throw new AppError('stale_session', 409, `Session ${session.id} was changed meanwhile; reload and try again`);
  await tx.insert(sessionEvents).values({
    id: randomUUID(), sessionId: session.id, kind: `state.${to}`, source: opts.source ?? (actor.kind === 'system' ? 'system' : 'inspector'),
    actorId: actor.userId, payload: { from, to, reason: opts.reason ?? null, ...opts.detail },
  });
  await recordAudit(tx, actor, `session.${to}`, { type: 'live_session', id: session.id }, {
    orderId: session.orderId, from, to, reason: opts.reason ?? null, ...opts.detail,
  });
  invalidateSession(uow, updated);
  return updated;
}
