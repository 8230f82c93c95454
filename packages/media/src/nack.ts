// NACK requests for the publisher's video (RFC 4585 generic NACK), in place of werift's NackHandler.
//
// werift's handler asks for a missing packet every 5 ms and gives up after 10 tries — 50 ms, less than one round trip
// on a mobile link, so a lost packet was never repaired there; it sorts the lost sequence numbers as strings and
// compares them without wrap-around. Here: a missing packet is asked for at once, then again after ~1.5 round trips
// (the publisher's own RTT report when we have it), up to `maxRetries` times or until it is older than `maxAgeMs`
// (the recorder's repair window), so a retransmission has the time a real network needs.
import { GenericNack, RtcpTransportLayerFeedback, type RtpPacket } from 'werift';
import { SeqUnwrapper } from './frames.ts';

export interface NackOptions {
  /** sends one RTCP packet */
  sendRtcp: (packet: RtcpTransportLayerFeedback) => Promise<unknown> | void;
  senderSsrc: number;
  /** current round-trip estimate (ms) */
  rttMs?: () => number | undefined;
  /** give up on a packet this old (ms); default 1000 */
  maxAgeMs?: number;
  maxRetries?: number;
}

interface Missing {
  seq16: number;
  since: number;
  lastAsked: number;
  tries: number;
}

export class NackGenerator {
  private seqs = new SeqUnwrapper();
  private highest?: number;
  private missing = new Map<number, Missing>();
  private timer?: NodeJS.Timeout;
  private closed = false;
  mediaSsrc?: number;
  readonly stats = { requested: 0, repaired: 0, givenUp: 0, nacksSent: 0 };

  constructor(private readonly opts: NackOptions) {}

  /** Called for every received video packet (werift's receiver calls `nack.addPacket`). */
  addPacket(packet: RtpPacket): void {
    if (this.closed) return;
    if (this.mediaSsrc !== packet.header.ssrc) {
      // a new source (reconnect or codec change): start over
      this.mediaSsrc = packet.header.ssrc;
      this.seqs = new SeqUnwrapper();
      this.highest = undefined;
      this.missing.clear();
    }
    const seq = this.seqs.unwrap(packet.header.sequenceNumber);
    if (this.highest === undefined) {
      this.highest = seq;
      return;
    }
    if (this.missing.delete(seq)) {
      this.stats.repaired++;
      return;
    }
    if (seq <= this.highest) return;
    const now = performance.now();
    const fresh: number[] = [];
    // a jump of thousands is a restart of the sender's numbering, not a loss
    if (seq - this.highest <= 500) {
      for (let s = this.highest + 1; s < seq; s++) {
        this.missing.set(s, { seq16: s & 0xffff, since: now, lastAsked: now, tries: 1 });
        fresh.push(s & 0xffff);
      }
    }
    this.highest = seq;
    if (fresh.length) {
      this.stats.requested += fresh.length;
      this.send(fresh);
      this.arm();
    }
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.retry(), 20);
    this.timer.unref();
  }

  private retry(): void {
    const now = performance.now();
    const maxAge = this.opts.maxAgeMs ?? 1000;
    const maxTries = this.opts.maxRetries ?? 6;
    const rtt = Math.min(500, Math.max(20, this.opts.rttMs?.() ?? 100));
    const again: number[] = [];
    for (const [s, m] of this.missing) {
      if (now - m.since > maxAge || m.tries >= maxTries) {
        this.missing.delete(s);
        this.stats.givenUp++;
        continue;
      }
      if (now - m.lastAsked >= rtt * 1.5) {
        m.lastAsked = now;
        m.tries++;
        again.push(m.seq16);
      }
    }
    if (again.length) this.send(again);
    if (!this.missing.size) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private send(lost: number[]): void {
    if (this.mediaSsrc === undefined) return;
    // one FCI entry covers a packet id and the 16 after it; GenericNack packs ascending runs
    for (let i = 0; i < lost.length; i += 200) {
      const nack = new GenericNack({ senderSsrc: this.opts.senderSsrc, mediaSourceSsrc: this.mediaSsrc, lost: lost.slice(i, i + 200) });
      this.stats.nacksSent++;
      void Promise.resolve(this.opts.sendRtcp(new RtcpTransportLayerFeedback({ feedback: nack }))).catch(() => {});
    }
  }

  /** werift's receiver reads `onPacketLost` at construction and calls close() when it stops. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.missing.clear();
  }
}
