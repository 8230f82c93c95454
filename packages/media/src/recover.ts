// Crash recovery: find WebM segments a killed process left behind, check they play, repair the header duration,
// and return them for sealing (SHA-256 + duration) by the caller (DB + audit log).
import { closeSync, openSync, readSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DurationPosition } from 'werift/nonstandard';
import { decodeCheck, probeMedia } from './probe.ts';
import { readSidecar, sha256File, type RecordingGap, type SegmentOpenReason } from './recorder.ts';

export interface RecoveredSegment {
  path: string;
  /** session id as it appears in the file name (ids with characters outside A-Z a-z 0-9 _ . - were mapped to _) */
  sessionKey: string;
  /** label of a second recording of the session (e.g. 'inspector'), from `<session>~<label>-NNNN.webm` */
  label?: string;
  index: number;
  /** false: the writer was killed before closing it (header duration was the placeholder); the header was repaired */
  finalized: boolean;
  playable: boolean;
  durationMs: number;
  maxVideoGapMs: number;
  sha256: string;
  bytes: number;
  /**
   * Capture time of the first frame and of the last (start + the media's own duration), from the segment's sidecar:
   * the times the recording really covers, whenever recovery runs. Undefined for a file without a sidecar.
   */
  startedAt?: Date;
  endedAt?: Date;
  openReason?: SegmentOpenReason;
  gaps?: RecordingGap[];
  /** the sidecar says the writer closed it (only the seal was missing), and why */
  closedByWriter?: boolean;
  closeReason?: import('./recorder.ts').SegmentCloseReason;
  error?: string;
}

export interface RecoverOptions {
  /** skip files already sealed (e.g. paths stored in the DB) */
  isSealed?: (path: string) => boolean;
  /** only this session's files */
  sessionId?: string;
  /** write the measured duration into the header of unfinalised files (default true) */
  repair?: boolean;
  /** also decode every frame with ffmpeg (slower); playable then also means "decodes without errors" */
  decode?: boolean;
}

const NAME_RE = /^([^~]+?)(?:~([^~]+))?-(\d{4,})\.webm$/;
const PLACEHOLDER_MS = 24 * 3600 * 1000;

/** Reads the Segment/Info/Duration float at werift's fixed position; undefined if the layout is not werift's. */
export function readHeaderDurationMs(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(11);
    if (readSync(fd, b, 0, 11, DurationPosition) < 11) return undefined;
    if (b[0] !== 0x44 || b[1] !== 0x89) return undefined;
    if (b[2] === 0x88) return b.readDoubleBE(3);
    if (b[2] === 0x84) return b.readFloatBE(3);
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function writeHeaderDurationMs(path: string, ms: number): boolean {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(3);
    readSync(fd, b, 0, 3, DurationPosition);
    if (b[0] !== 0x44 || b[1] !== 0x89) return false;
    const v = Buffer.alloc(b[2] === 0x88 ? 8 : 4);
    if (v.length === 8) v.writeDoubleBE(ms);
    else v.writeFloatBE(ms);
    writeSync(fd, v, 0, v.length, DurationPosition + 3);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Finds segments in `dir`, checks each with ffprobe, repairs unfinalised headers and hashes them. */
export async function recoverSegments(dir: string, opts: RecoverOptions = {}): Promise<RecoveredSegment[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: RecoveredSegment[] = [];
  for (const name of names.sort()) {
    const m = NAME_RE.exec(name);
    if (!m) continue;
    const [, sessionKey, label, idx] = m;
    if (opts.sessionId && sessionKey !== opts.sessionId.replace(/[^A-Za-z0-9_.-]/g, '_')) continue;
    const path = join(dir, name);
    if (opts.isSealed?.(path)) continue;
    const header = readHeaderDurationMs(path);
    const finalized = header !== undefined && Math.abs(header - PLACEHOLDER_MS) > 1;
    const probe = await probeMedia(path);
    const decoded = opts.decode && probe.ok ? await decodeCheck(path) : undefined;
    if (!finalized && probe.ok && opts.repair !== false) writeHeaderDurationMs(path, probe.durationMs);
    const side = readSidecar(path);
    const startedAt = side ? new Date(side.startedAt) : undefined;
    out.push({
      path, sessionKey, label, index: Number(idx), finalized, playable: probe.ok && (decoded?.ok ?? true),
      durationMs: probe.durationMs, maxVideoGapMs: probe.maxVideoGapMs,
      sha256: await sha256File(path), bytes: statSync(path).size,
      startedAt, endedAt: startedAt && new Date(startedAt.getTime() + probe.durationMs),
      openReason: side?.openReason, gaps: side?.gaps, closedByWriter: !!side?.closed, closeReason: side?.closed?.reason,
      error: probe.error ?? decoded?.errors.join('; ') ?? undefined,
    });
  }
  return out;
}
