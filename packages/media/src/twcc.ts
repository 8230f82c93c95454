// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01), receiver side.
//
// Why our own: werift 0.25.2's ReceiverTWCC (a) sets the reference time to the previous feedback's last arrival and then
// floors it to 64 ms in the packet while computing the first delta from the unfloored value, so every feedback's first
// packet looks up to 64 ms late/early; (b) marks missing sequence numbers as received inside run-length chunks while
// emitting no delta for them; (c) keeps one generator per receiver although the sequence is transport-wide (audio +
// video share it). Chrome's delay-based estimator reads that as constant congestion and pins the bitrate at its
// minimum (a 720p camera went out at 320x180, ~140 kbit/s). This generator reports every sequence number once, in
// order, with lost packets marked as such and arrival deltas quantised without drift, so Chrome's GoogCC adapts to
// the bandwidth that really exists (both up and down).

const US_PER_TICK = 250; // delta unit
const REF_UNIT_US = 64_000; // reference time unit
const MAX_STATUS_PER_FEEDBACK = 300;

export interface TwccSink {
  sendRtcp(packets: { serialize(): Buffer }[]): Promise<unknown>;
}

type Status = 0 | 1 | 2; // not received / small delta / large delta

export class TwccFeedbackGenerator {
  /** unwrapped sequence → arrival time (µs, monotonic) */
  private arrivals = new Map<number, number>();
  private maxSeq: number | undefined;
  private nextToReport: number | undefined;
  private fbCount = 0;
  private timer: NodeJS.Timeout | undefined;
  mediaSsrc = 0;
  /** feedback packets sent, for tests and stats */
  sent = 0;

  constructor(private readonly sink: TwccSink, private readonly senderSsrc: number, intervalMs = 50, private readonly now: () => number = nowUs) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  /** Called for every received RTP packet that carries the transport-wide sequence number (16 bit). */
  onPacket(seq16: number, arrivalUs = this.now()): void {
    if (!Number.isInteger(seq16) || seq16 < 0 || seq16 > 0xffff) return;
    const seq = this.unwrap(seq16);
    if (this.nextToReport !== undefined && seq < this.nextToReport) return; // already reported (late / duplicate)
    if (this.nextToReport === undefined) this.nextToReport = seq;
    this.arrivals.set(seq, arrivalUs);
    if (this.maxSeq === undefined || seq > this.maxSeq) this.maxSeq = seq;
    if (this.maxSeq - this.nextToReport >= MAX_STATUS_PER_FEEDBACK) this.flush();
  }

  private unwrap(seq16: number): number {
    if (this.maxSeq === undefined) return seq16 + 0x10000; // room below for reordering
    const cycle = this.maxSeq - (this.maxSeq & 0xffff);
    let candidate = cycle + seq16;
    if (candidate - this.maxSeq > 0x8000) candidate -= 0x10000;
    else if (this.maxSeq - candidate > 0x8000) candidate += 0x10000;
    return candidate;
  }

  /** Builds and sends feedback for everything received so far. */
  flush(): void {
    while (this.nextToReport !== undefined && this.maxSeq !== undefined && this.nextToReport <= this.maxSeq) {
      const pkt = this.build();
      if (!pkt) break;
      this.sent++;
      this.sink.sendRtcp([{ serialize: () => pkt }]).catch(() => {});
    }
  }

  private build(): Buffer | undefined {
    const base = this.nextToReport!;
    const end = Math.min(this.maxSeq!, base + MAX_STATUS_PER_FEEDBACK - 1);
    // the first received packet sets the reference time
    let firstUs: number | undefined;
    for (let s = base; s <= end; s++) {
      const t = this.arrivals.get(s);
      if (t !== undefined) { firstUs = t; break; }
    }
    if (firstUs === undefined) {
      // nothing received in range (cannot happen: maxSeq was received), skip safely
      this.nextToReport = end + 1;
      return undefined;
    }
    const refUnits = Math.floor(firstUs / REF_UNIT_US);
    let prevUs = refUnits * REF_UNIT_US;
    const statuses: Status[] = [];
    const deltas: number[] = [];
    for (let s = base; s <= end; s++) {
      const t = this.arrivals.get(s);
      if (t === undefined) { statuses.push(0); continue; }
      const ticks = Math.round((t - prevUs) / US_PER_TICK);
      let status: Status;
      if (ticks >= 0 && ticks <= 0xff) status = 1;
      else if (ticks >= -0x8000 && ticks <= 0x7fff) status = 2;
      else break; // does not fit: report it in the next feedback (new reference time)
      statuses.push(status);
      deltas.push(ticks);
      prevUs += ticks * US_PER_TICK;
    }
    // do not end a feedback with "not received" packets that may still arrive; they come in the next one
    while (statuses.length && statuses[statuses.length - 1] === 0) statuses.pop();
    if (statuses.length === 0) return undefined;
    const count = statuses.length;
    for (let s = base; s < base + count; s++) this.arrivals.delete(s);
    this.nextToReport = base + count;

    const chunks = encodeChunks(statuses);
    const deltaBytes = deltas.reduce((n, d) => n + (d >= 0 && d <= 0xff ? 1 : 2), 0);
    const body = 8 + 8 + chunks.length * 2 + deltaBytes; // ssrcs + fixed fields + chunks + deltas
    const unpadded = 4 + body;
    const padding = (4 - (unpadded % 4)) % 4;
    const total = unpadded + padding;
    const buf = Buffer.alloc(total);
    buf[0] = 0x80 | (padding ? 0x20 : 0) | 15; // V=2, P, FMT=15
    buf[1] = 205; // RTPFB
    buf.writeUInt16BE(total / 4 - 1, 2);
    buf.writeUInt32BE(this.senderSsrc >>> 0, 4);
    buf.writeUInt32BE(this.mediaSsrc >>> 0, 8);
    buf.writeUInt16BE(base & 0xffff, 12);
    buf.writeUInt16BE(count, 14);
    buf.writeUIntBE(refUnits & 0xffffff, 16, 3);
    buf[19] = this.fbCount;
    this.fbCount = (this.fbCount + 1) & 0xff;
    let o = 20;
    for (const c of chunks) { buf.writeUInt16BE(c, o); o += 2; }
    for (const d of deltas) {
      if (d >= 0 && d <= 0xff) buf[o++] = d;
      else { buf.writeInt16BE(d, o); o += 2; }
    }
    if (padding) buf[total - 1] = padding;
    return buf;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.arrivals.clear();
  }
}

/** Packet status chunks: run-length for long runs, otherwise 2-bit status vectors of 7 symbols. */
export function encodeChunks(statuses: Status[]): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < statuses.length) {
    let run = 1;
    while (i + run < statuses.length && statuses[i + run] === statuses[i] && run < 0x1fff) run++;
    if (run >= 7) {
      out.push((statuses[i] << 13) | run); // T=0, S (2 bits), run length (13 bits)
      i += run;
      continue;
    }
    let chunk = 0x8000 | 0x4000; // T=1, S=1 (two-bit symbols)
    for (let k = 0; k < 7; k++) {
      const s = i + k < statuses.length ? statuses[i + k] : 0;
      chunk |= s << (12 - 2 * k);
    }
    out.push(chunk);
    i += 7;
  }
  return out;
}

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
