// Live reading on the media node (issue 17.3, the seed's edge computing): the node's frame tap hands every VP8 packet
// of a session's publisher to a LiveReader (packages/vision: RTP → frames → ffmpeg → one still a second → OCR within a
// CPU budget); each container or seal number that appears is stored as a still of the session (hashed, like the
// device's snapshots, so it is evidence, not a hint), compared with the declaration and its arrival notices, put on the
// timeline and pushed to the consoles at once (the overlay on the live video). The full reading of that still
// (comparison, suggested findings, objects) follows through `snapshot.stored`, as for any snapshot.
//
// The node's budget (RVI_LIVE_READING_CPU, cores) is shared by its streams: with more sessions each reads less often;
// the relay never waits (the reader drops packets rather than block, and reading runs off the packet path).
import { randomUUID } from 'node:crypto';
import type { RtpPacket } from 'werift';
import { LiveReader, type LiveReading as Reading, type VisionEngine } from '@rvi/vision';
import { sessionSnapshots } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { loadComparisonInput } from '../vision/vision.declaration.ts';
import { addSessionEvent, loadSession, type SessionsEnv } from './sessions.service.ts';
import { invalidateSession } from './sessions.state.ts';
import { presentEvent } from './sessions.presenter.ts';

export interface LiveReadingOptions {
  /** cores this node gives live reading, shared by its streams (RVI_LIVE_READING_CPU, default 0.5) */
  nodeCpu: number;
  /** at most this per stream (cores, default 0.15) */
  streamCpu?: number;
  /** the OCR engine (loaded once per process; the media node loads it at start) */
  engine: () => Promise<VisionEngine>;
  requestKeyframe: (sessionId: string) => void;
  log: { warn(o: unknown, msg?: string): void };
}

interface Stream {
  reader: LiveReader | null;
  /** packets are dropped until the engine is ready and a keyframe came (the reader asks for one) */
  starting: Promise<void> | null;
  closed: boolean;
  /** readings being stored (close waits for them) */
  storing: Set<Promise<unknown>>;
}

/** The box of the number read, as fractions of the frame [x0, y0, x1, y1] (for the timeline payload and an overlay). */
function boxOf(r: Reading): [number, number, number, number] | null {
  const f = r.reading.fields;
  const ev = r.kind === 'container' ? f.containerNumbers.find((c) => c.code === r.value)?.evidence
    : r.kind === 'seal' ? f.sealNumbers.find((s) => s.value === r.value)?.evidence
      : f.unverifiedContainerNumbers.find((c) => c.text === r.value)?.evidence;
  if (!ev || !r.width || !r.height) return null;
  const xs = ev.box.map((p) => p[0]), ys = ev.box.map((p) => p[1]);
  const round = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
  return [round(Math.min(...xs) / r.width), round(Math.min(...ys) / r.height), round(Math.max(...xs) / r.width), round(Math.max(...ys) / r.height)];
}

export class LiveReadings {
  private streams = new Map<string, Stream>();

  constructor(private readonly env: SessionsEnv, private readonly opts: LiveReadingOptions) {}

  /** The frame tap: one video RTP packet of a session's publisher (called on the packet path: never blocks). */
  tap(e: { sessionId: string; codec: string; rtp: RtpPacket }): void {
    if (e.codec !== 'VP8') return; // the reader re-assembles VP8 (what the camera page sends); H.264 is not read
    let s = this.streams.get(e.sessionId);
    if (!s) {
      s = { reader: null, starting: null, closed: false, storing: new Set() };
      this.streams.set(e.sessionId, s);
      s.starting = this.start(e.sessionId, s).catch((err) => this.opts.log.warn({ err, sessionId: e.sessionId }, 'live reading could not start'));
    }
    s.reader?.push(e.rtp);
  }

  private async start(sessionId: string, s: Stream): Promise<void> {
    const engine = await this.opts.engine();
    if (s.closed) return;
    const reader = new LiveReader({ engine, requestKeyframe: () => this.opts.requestKeyframe(sessionId), cpuBudget: this.share() });
    reader.on('reading', (r) => {
      const p = this.store(sessionId, r).catch((err) => this.opts.log.warn({ err, sessionId }, 'live reading not stored'));
      s.storing.add(p);
      void p.finally(() => s.storing.delete(p));
    });
    reader.on('error', (err) => this.opts.log.warn({ err, sessionId }, 'live reading'));
    s.reader = reader;
    this.rebalance();
  }

  /** Each stream's share of the node's budget. */
  private share(): number {
    const n = Math.max(1, [...this.streams.values()].filter((x) => !x.closed).length);
    return Math.min(this.opts.streamCpu ?? 0.15, this.opts.nodeCpu / n);
  }

  private rebalance(): void {
    const each = this.share();
    for (const s of this.streams.values()) s.reader?.setCpuBudget(each);
  }

  /** The session ended (or left this node): its decoder stops, readings in flight are stored. */
  async stop(sessionId: string): Promise<void> {
    const s = this.streams.get(sessionId);
    if (!s) return;
    s.closed = true;
    this.streams.delete(sessionId);
    await s.starting;
    await s.reader?.close();
    await Promise.all([...s.storing]);
    this.rebalance();
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((id) => this.stop(id)));
  }

  /**
   * One number read from the stream: its still stored like a snapshot (method `live`, the node as its source), the
   * number compared with what was declared, a `live.reading` event on the timeline, sent to the consoles now.
   */
  private async store(sessionId: string, r: Reading): Promise<void> {
    const session = await loadSession(this.env.db, sessionId);
    if (!session || session.state === 'ended') return;
    let declared: boolean | null = null;
    if (r.kind !== 'container_unverified') {
      const input = await loadComparisonInput(this.env.db, session.orderId);
      const known = (input ? (r.kind === 'container' ? input.notice.containerNumbers : input.declaration.sealNumbers) : null) ?? [];
      // nothing declared to compare with: no verdict (null), not a mismatch
      declared = known.length ? known.map((v) => v.replace(/\s+/g, '').toUpperCase()).includes(r.value) : null;
    }
    const id = randomUUID();
    const key = `snapshots/${sessionId}/${id}.jpg`;
    const stored = await this.env.store.put(key, r.still, { expectedSha256: r.sha256 });
    const actor = systemActor('live-reading');
    const box = boxOf(r);
    let event: Awaited<ReturnType<typeof addSessionEvent>>['row'] | undefined;
    await inTransaction(this.env.db, actor, async (uow) => {
      const tx = uow.tx;
      const [snap] = await tx.insert(sessionSnapshots).values({
        id, sessionId, clientId: `live:${r.kind}:${r.value}`, key, sha256: stored.sha256, bytes: stored.bytes, width: r.width, height: r.height,
        mime: 'image/jpeg', method: 'live', takenAt: new Date(r.at), uploadedBy: null,
      }).onConflictDoNothing().returning();
      if (!snap) return; // this number was stored from this session's stream before (another node, a rejoin)
      const ev = await addSessionEvent(tx, sessionId, 'live.reading', 'system', null, {
        snapshotId: id, kind: r.kind, value: r.value, declared, box, sha256: stored.sha256, width: r.width, height: r.height, at: new Date(r.at).toISOString(),
      });
      event = ev.row;
      await recordAudit(tx, actor, 'session.live_reading', { type: 'session_snapshot', id }, {
        sessionId, orderId: session.orderId, kind: r.kind, value: r.value, declared, sha256: stored.sha256, bytes: stored.bytes, key,
      });
      invalidateSession(uow, session);
      uow.emit('snapshot.stored', { sessionId, snapshotId: id, path: this.env.store.localPath(key) ?? key, key, orderId: session.orderId });
    });
    if (!event) {
      await this.env.store.delete(key).catch(() => undefined);
      return;
    }
    this.env.live.deliver(sessionId, presentEvent(event, new Map()));
  }
}
