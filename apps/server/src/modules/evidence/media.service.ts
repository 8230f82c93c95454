// Media files of a case (recording segments, snapshots): registered with their size, SHA-256 and time range, so the
// case story lists them and the evidence package carries and checks them.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { asc, eq, inArray } from 'drizzle-orm';
import { MEDIA_NAME_RE } from '@rvi/evidence';
import type { CaseMediaView } from '@rvi/contracts';
import { caseMedia, liveSessions, recordingSegments, sessionSnapshots } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { can } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { scopeOf } from '../orders/orders.policy.ts';
import { authorizeCase } from '../findings/findings.policy.ts';
import { loadOrderRow } from '../findings/findings.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export type MediaRow = typeof caseMedia.$inferSelect;

export interface RegisterMediaInput {
  kind: 'recording' | 'snapshot';
  /** File name inside the evidence package (letters, digits, . _ -). */
  name: string;
  /** Absolute path, or relative to DATA_DIR. */
  path: string;
  contentType?: string | null;
  sessionId?: string | null;
  startedAt?: Date | string | null;
  endedAt?: Date | string | null;
  /** When the recorder already hashed the file (SegmentInfo.sha256/bytes): checked against the file. */
  sha256?: string;
}

export function mediaPath(dataDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(join(dataDir, p));
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

function time(v: Date | string | null | undefined, field: string): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw badRequest('invalid_media', `${field}: not a valid time`);
  return d;
}

/**
 * One media file of a case, wherever it is recorded: a live session's sealed recording segment or snapshot (the
 * session module's tables, files in the object store under DATA_DIR/media), or a file registered for the case
 * (case_media: imports, media from outside a live session).
 */
export interface CaseMediaFile {
  id: string;
  orderId: string;
  source: 'recording_segment' | 'session_snapshot' | 'case_media';
  kind: 'recording' | 'snapshot';
  /** Unique name inside the evidence package (media/<name>). */
  name: string;
  /** Absolute path on this machine (for an object of a remote store: where it would lie locally; read it by `key`). */
  path: string;
  /** Object-store key of a live session's segment or snapshot (null: a registered file, read by path). */
  key: string | null;
  contentType: string | null;
  size: number;
  /** SHA-256 recorded when the file was sealed or registered: the export checks the file still has it. */
  sha256: string;
  sessionId: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  createdAt: Date;
}

export function presentMedia(m: CaseMediaFile): CaseMediaView {
  return {
    id: m.id, kind: m.kind, name: m.name, contentType: m.contentType, size: m.size, sha256: m.sha256, sessionId: m.sessionId,
    startedAt: m.startedAt?.toISOString() ?? null, endedAt: m.endedAt?.toISOString() ?? null,
  };
}

const objectPath = (dataDir: string, key: string) => join(dataDir, 'media', key);
const ext = (mime: string) => (mime === 'image/png' ? 'png' : 'jpg');

function fromCaseMedia(dataDir: string, m: MediaRow): CaseMediaFile {
  return {
    id: m.id, orderId: m.orderId, source: 'case_media', kind: m.kind, name: m.name, path: mediaPath(dataDir, m.path), key: null, contentType: m.contentType,
    size: m.size, sha256: m.sha256, sessionId: m.sessionId, startedAt: m.startedAt, endedAt: m.endedAt, createdAt: m.createdAt,
  };
}

type SegmentRow = typeof recordingSegments.$inferSelect;
type SnapshotRow = typeof sessionSnapshots.$inferSelect;

function fromSegment(dataDir: string, orderId: string, r: SegmentRow): CaseMediaFile {
  return {
    // the inspector's voice is its own numbered series: recording-<session>-inspector-NNNN.webm (audio only)
    id: r.id, orderId, source: 'recording_segment', kind: 'recording', name: `recording-${r.sessionId}${r.track === 'camera' ? '' : `-${r.track}`}-${String(r.index).padStart(4, '0')}.webm`,
    path: objectPath(dataDir, r.key), key: r.key, contentType: r.track === 'camera' ? 'video/webm' : 'audio/webm', size: r.bytes, sha256: r.sha256, sessionId: r.sessionId,
    startedAt: r.startedAt, endedAt: r.endedAt, createdAt: r.sealedAt,
  };
}

function fromSnapshot(dataDir: string, orderId: string, r: SnapshotRow): CaseMediaFile {
  return {
    id: r.id, orderId, source: 'session_snapshot', kind: 'snapshot', name: `snapshot-${r.sessionId}-${r.id}.${ext(r.mime)}`,
    path: objectPath(dataDir, r.key), key: r.key, contentType: r.mime, size: r.bytes, sha256: r.sha256, sessionId: r.sessionId,
    startedAt: r.takenAt, endedAt: r.takenAt, createdAt: r.createdAt,
  };
}

/** Every media file of an order in time order: live-session recordings and snapshots, and registered files. */
export async function listCaseMedia(db: Db, dataDir: string, orderId: string): Promise<CaseMediaFile[]> {
  const sessions = await db.select({ id: liveSessions.id }).from(liveSessions).where(eq(liveSessions.orderId, orderId));
  const ids = sessions.map((s) => s.id);
  const segs = ids.length ? await db.select().from(recordingSegments).where(inArray(recordingSegments.sessionId, ids)).orderBy(asc(recordingSegments.startedAt), asc(recordingSegments.index)) : [];
  const snaps = ids.length ? await db.select().from(sessionSnapshots).where(inArray(sessionSnapshots.sessionId, ids)).orderBy(asc(sessionSnapshots.takenAt)) : [];
  const own = await db.select().from(caseMedia).where(eq(caseMedia.orderId, orderId)).orderBy(asc(caseMedia.startedAt), asc(caseMedia.name));
  const all = [...segs.map((r) => fromSegment(dataDir, orderId, r)), ...snaps.map((r) => fromSnapshot(dataDir, orderId, r)), ...own.map((m) => fromCaseMedia(dataDir, m))];
  const t = (m: CaseMediaFile) => (m.startedAt ?? m.createdAt).getTime();
  return all.sort((a, b) => t(a) - t(b) || a.name.localeCompare(b.name));
}

/** One media file of any case by id (recording segment, session snapshot or registered file). */
export async function findCaseMedia(db: Db, dataDir: string, id: string): Promise<CaseMediaFile | null> {
  const [own] = await db.select().from(caseMedia).where(eq(caseMedia.id, id)).limit(1);
  if (own) return fromCaseMedia(dataDir, own);
  const [seg] = await db.select({ r: recordingSegments, orderId: liveSessions.orderId }).from(recordingSegments)
    .innerJoin(liveSessions, eq(liveSessions.id, recordingSegments.sessionId)).where(eq(recordingSegments.id, id)).limit(1);
  if (seg) return fromSegment(dataDir, seg.orderId, seg.r);
  const [snap] = await db.select({ r: sessionSnapshots, orderId: liveSessions.orderId }).from(sessionSnapshots)
    .innerJoin(liveSessions, eq(liveSessions.id, sessionSnapshots.sessionId)).where(eq(sessionSnapshots.id, id)).limit(1);
  return snap ? fromSnapshot(dataDir, snap.orderId, snap.r) : null;
}

/**
 * Registers a media file of an order (called by the session module when a recording segment or snapshot is
 * closed, or by the CLI for imported media). Hashes the file; refuses a name already used in the case.
 */
export async function registerCaseMedia(db: Db, dataDir: string, actor: Actor, orderId: string, input: RegisterMediaInput): Promise<CaseMediaView> {
  const order = await loadOrderRow(db, orderId);
  if (actor.kind !== 'system') authorizeCase(actor, 'session.conduct', order, orderId);
  if (!order) throw notFound('Inspection order', orderId);
  if (input.kind !== 'recording' && input.kind !== 'snapshot') throw badRequest('invalid_media', 'kind: recording or snapshot');
  if (typeof input.name !== 'string' || !MEDIA_NAME_RE.test(input.name)) throw badRequest('invalid_media', `name: ${JSON.stringify(input.name)} must be letters, digits, ".", "_" or "-" (at most 200)`);
  const startedAt = time(input.startedAt, 'startedAt');
  const endedAt = time(input.endedAt, 'endedAt');
  if (startedAt && endedAt && endedAt < startedAt) throw badRequest('invalid_media', 'endedAt: before startedAt');
  const abs = mediaPath(dataDir, input.path);
  let digest: { sha256: string; size: number };
  try {
    digest = await hashFile(abs);
  } catch (e) {
    throw badRequest('invalid_media', `path: cannot read ${input.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (input.sha256 && input.sha256 !== digest.sha256) throw conflict('media_altered', `${input.name}: the file's SHA-256 is not the one the recorder reported`);
  return transaction(db, async (tx) => {
    const id = randomUUID();
    let row: MediaRow;
    try {
      [row] = await tx.insert(caseMedia).values({
        id, orderId, sessionId: input.sessionId ?? null, kind: input.kind, name: input.name, path: input.path,
        contentType: input.contentType ?? null, size: digest.size, sha256: digest.sha256, startedAt, endedAt, createdBy: actor.userId,
      }).returning();
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict('duplicate_media', `Order ${order.orderNo} already has a file named ${input.name}`);
      throw e;
    }
    await recordAudit(tx, actor, 'media.registered', { type: 'case_media', id }, {
      orderId, kind: input.kind, name: input.name, size: digest.size, sha256: digest.sha256,
      startedAt: startedAt?.toISOString() ?? null, endedAt: endedAt?.toISOString() ?? null, sessionId: input.sessionId ?? null,
    });
    return presentMedia(fromCaseMedia(dataDir, row));
  });
}

/** A media file to play back (customs of the order's office who work on or audit the case). */
export async function openCaseMedia(db: Db, dataDir: string, actor: Actor, id: string, store?: ObjectStore): Promise<{ file: CaseMediaFile; path: string; size: number }> {
  const m = await findCaseMedia(db, dataDir, id);
  const order = m ? await loadOrderRow(db, m.orderId) : null;
  authorizeCase(actor, 'order.read', order, id);
  const rec = scopeOf(order);
  if (!can(actor, 'audit.read', rec) && !can(actor, 'finding.record', rec) && !can(actor, 'session.observe', rec)) throw notFound('Media', id);
  const remote = remoteKey(store, m!);
  const st = remote ? await store!.stat(remote) : await fs.stat(m!.path).catch(() => null);
  if (!st) throw notFound('Media file', m!.name);
  const size = 'bytes' in st ? st.bytes : st.size;
  // served only while its bytes are the registered ones (hashed streamed, as the export does): else 409, audited
  const now = size === m!.size ? await mediaSha256(store, m!) : null;
  if (now !== m!.sha256) {
    await transaction(db, async (tx) => {
      await recordAudit(tx, actor, 'media.altered_refused', { type: m!.source, id }, {
        orderId: m!.orderId, name: m!.name, expectedSha256: m!.sha256, expectedBytes: m!.size, foundSha256: now, foundBytes: size,
      });
    });
    throw conflict('media_altered', `${m!.name} was altered since it was registered (its SHA-256 or size differs): not served`, { id, expectedSha256: m!.sha256 });
  }
  return { file: m!, path: m!.path, size };
}

/**
 * The snapshots of a case, to pick as a finding's evidence from thumbnails (issue 18: they were typed as ids). The
 * same people who may open the media (the case's office: audit.read, finding.record or session.observe); 403 for
 * others who may read the order.
 */
export async function listCaseSnapshots(db: Db, dataDir: string, actor: Actor, orderId: string): Promise<CaseMediaView[]> {
  const order = await loadOrderRow(db, orderId);
  authorizeCase(actor, 'order.read', order, orderId);
  const rec = scopeOf(order);
  // the order is the caller's to read (above): who may not see its snapshots is told so
  if (!can(actor, 'audit.read', rec) && !can(actor, 'finding.record', rec) && !can(actor, 'session.observe', rec)) throw forbidden('The snapshots of a case are for the customs staff who work on or audit it');
  return (await listCaseMedia(db, dataDir, orderId)).filter((m) => m.kind === 'snapshot').map(presentMedia);
}

/** The key to read a media file by when it lives in a remote object store (S3), else null (read the local path). */
export function remoteKey(store: ObjectStore | undefined, m: Pick<CaseMediaFile, 'key'>): string | null {
  return store && store.kind !== 'local' && m.key ? m.key : null;
}

/** The bytes of a media file (or the inclusive range), wherever they are. */
export async function readMedia(store: ObjectStore | undefined, m: Pick<CaseMediaFile, 'key' | 'path'>, range?: { start: number; end: number }): Promise<Readable> {
  const remote = remoteKey(store, m);
  return remote ? store!.get(remote, range) : createReadStream(m.path, range ?? {});
}

/** SHA-256 of a media file's current bytes, or null when it is missing. */
export async function mediaSha256(store: ObjectStore | undefined, m: Pick<CaseMediaFile, 'key' | 'path'>): Promise<string | null> {
  try {
    const h = createHash('sha256');
    for await (const chunk of await readMedia(store, m)) h.update(chunk as Buffer);
    return h.digest('hex');
  } catch {
    return null;
  }
}

/** Removes a media file's bytes (after its record was deleted). */
export async function removeMedia(store: ObjectStore | undefined, m: Pick<CaseMediaFile, 'key' | 'path'>): Promise<void> {
  const remote = remoteKey(store, m);
  if (remote) await store!.delete(remote);
  else await fs.rm(m.path, { force: true });
}

/**
 * Local copies of the media files a remote store holds, in `dir` (the evidence packager reads files); local files are
 * returned as they are.
 */
export async function localCopies(store: ObjectStore | undefined, files: CaseMediaFile[], dir: string): Promise<CaseMediaFile[]> {
  const out: CaseMediaFile[] = [];
  for (const m of files) {
    if (!remoteKey(store, m)) { out.push(m); continue; }
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, m.name);
    // a missing object is left missing: the export reports it like a missing local file
    await pipeline(await readMedia(store, m), createWriteStream(path)).catch(() => fs.rm(path, { force: true }));
    out.push({ ...m, path });
  }
  return out;
}
