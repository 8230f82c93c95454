// A userspace impaired link for one peer's media path (issue 16.3): this machine's kernel has no netem, so delay,
// jitter, loss, a bottleneck rate and cuts are made here, in a UDP relay that sits on the device's ICE path (the
// same place as the session tests' UdpProxy: the media node's host candidates in the answer are rewritten to the
// relay's ports, and the device's own candidates are kept from the node so it learns the device only through us).
//
// Each direction has its own pipeline: loss (Bernoulli) → bottleneck (token bucket at `rateKbps`, drop-tail queue of
// `queueMs`) → propagation (`rttMs / 2` ± `jitterMs`, without reordering). `cut` drops everything both ways.
// Test and bench tool only; never on a production path.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface LinkProfile {
  name: string;
  /** bottleneck rate each way, kbit/s (0: unlimited) */
  rateKbps: number;
  /** round-trip propagation delay added, ms (half each way) */
  rttMs: number;
  /** ± uniform jitter of each one-way delay, ms (packets keep their order) */
  jitterMs: number;
  /** random loss each way, % */
  lossPct: number;
  /** drop-tail queue of the bottleneck, ms of traffic at the rate */
  queueMs: number;
}

/** The profiles. */
export const PROFILES: Record<'good' | 'fair' | 'weak' | 'vweak', LinkProfile> = {
  good: { name: 'good', rateKbps: 20_000, rttMs: 20, jitterMs: 2, lossPct: 0, queueMs: 100 },
  fair: { name: 'fair', rateKbps: 2_000, rttMs: 60, jitterMs: 5, lossPct: 1, queueMs: 200 },
  weak: { name: 'weak', rateKbps: 300, rttMs: 150, jitterMs: 15, lossPct: 3, queueMs: 300 },
  vweak: { name: 'vweak', rateKbps: 150, rttMs: 300, jitterMs: 30, lossPct: 5, queueMs: 400 },
};

export const CLEAR: LinkProfile = { name: 'clear', rateKbps: 0, rttMs: 0, jitterMs: 0, lossPct: 0, queueMs: 300 };

export interface DirectionCounters {
  packets: number;
  bytes: number;
  lost: number;
  /** dropped by the full bottleneck queue */
  overflow: number;
  delivered: number;
  deliveredBytes: number;
}

const counters = (): DirectionCounters => ({ packets: 0, bytes: 0, lost: 0, overflow: 0, delivered: 0, deliveredBytes: 0 });

/** One direction: loss → token bucket with a drop-tail queue → delay line. */
class Pipe {
  readonly c = counters();
  private queue: { msg: Buffer; send: () => void }[] = [];
  private queuedBytes = 0;
  private credit = 0;
  private last = performance.now();
  private drainTimer?: NodeJS.Timeout;
  private line: { at: number; send: () => void }[] = [];
  private lineTimer?: NodeJS.Timeout;
  private lastAt = 0;

  constructor(private readonly link: ImpairedLink, private readonly rand: () => number) {}

  push(msg: Buffer, send: () => void): void {
    const p = this.link.profile;
    this.c.packets++;
    this.c.bytes += msg.length;
    if (this.link.cut) { this.c.lost++; return; }
    if (p.lossPct > 0 && this.rand() * 100 < p.lossPct) { this.c.lost++; return; }
    if (!p.rateKbps) return this.propagate(msg, send);
    const maxQueue = Math.max(3000, (p.rateKbps * 125) * (p.queueMs / 1000));
    if (this.queuedBytes + msg.length > maxQueue) { this.c.overflow++; return; }
    this.queue.push({ msg, send });
    this.queuedBytes += msg.length;
    if (!this.drainTimer) {
      this.last = performance.now();
      this.drainTimer = setInterval(() => this.drain(), 2);
    }
  }

  private drain(): void {
    const p = this.link.profile;
    const now = performance.now();
    this.credit += ((now - this.last) / 1000) * (p.rateKbps || 1e9) * 125;
    this.last = now;
    while (this.queue.length && this.credit >= this.queue[0].msg.length) {
      const { msg, send } = this.queue.shift()!;
      this.credit -= msg.length;
      this.queuedBytes -= msg.length;
      this.propagate(msg, send);
    }
    if (!this.queue.length) {
      this.credit = Math.min(this.credit, 1500);
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }

  private propagate(msg: Buffer, send: () => void): void {
    const p = this.link.profile;
    const oneWay = p.rttMs / 2 + (p.jitterMs ? (this.rand() * 2 - 1) * p.jitterMs : 0);
    const deliver = () => {
      if (this.link.cut) { this.c.lost++; return; }
      this.c.delivered++;
      this.c.deliveredBytes += msg.length;
      send();
    };
    if (oneWay <= 0.5 && !this.line.length) return deliver();
    // keep order: a packet never overtakes the one before it
    const at = Math.max(performance.now() + Math.max(0, oneWay), this.lastAt);
    this.lastAt = at;
    this.line.push({ at, send: deliver });
    this.schedule();
  }

  private schedule(): void {
    if (this.lineTimer || !this.line.length) return;
    this.lineTimer = setTimeout(() => {
      this.lineTimer = undefined;
      const now = performance.now();
      while (this.line.length && this.line[0].at <= now + 0.5) this.line.shift()!.send();
      this.schedule();
    }, Math.max(0, this.line[0].at - performance.now()));
  }

  close(): void {
    clearInterval(this.drainTimer);
    clearTimeout(this.lineTimer);
    this.queue = [];
    this.line = [];
  }
}

/** A seeded PRNG (mulberry32), so a run's losses can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class ImpairedLink {
  profile: LinkProfile = CLEAR;
  /** no packet passes either way (a cut: tunnel, lift, basement) */
  cut = false;
  /** client → server (the device's upload: its media) */
  readonly up: Pipe;
  /** server → client (feedback, the inspector's voice) */
  readonly down: Pipe;
  private sockets: Socket[] = [];

  constructor(opts: { seed?: number } = {}) {
    const rand = seeded(opts.seed ?? 16);
    this.up = new Pipe(this, rand);
    this.down = new Pipe(this, rand);
  }

  /** Switches the profile (takes effect for the next packet). */
  set(profile: LinkProfile): void {
    this.profile = profile;
  }

  /** A relay port on 127.0.0.1 in front of target ip:port. */
  async front(targetIp: string, targetPort: number): Promise<number> {
    const front = createSocket('udp4');
    const back = createSocket('udp4');
    let client: RemoteInfo | undefined;
    front.on('message', (msg, rinfo) => {
      client = rinfo;
      this.up.push(msg, () => back.send(msg, targetPort, targetIp));
    });
    back.on('message', (msg) => {
      const c = client;
      if (c) this.down.push(msg, () => front.send(msg, c.port, c.address));
    });
    await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => back.bind(0, () => r()));
    this.sockets.push(front, back);
    return front.address().port;
  }

  /** Rewrites the IPv4 UDP host candidates of an SDP (the media node's answer) to go through this link; drops the rest. */
  async rewrite(sdp: string): Promise<string> {
    const out: string[] = [];
    const done = new Map<string, number>();
    for (const line of sdp.split('\r\n')) {
      const m = /^a=candidate:(\S+) (\d) (udp|UDP) (\d+) (\S+) (\d+) typ host(.*)$/.exec(line);
      if (line.startsWith('a=candidate:') && (!m || m[5].includes(':'))) continue;
      if (m) {
        const key = `${m[5]}:${m[6]}`;
        let port = done.get(key);
        if (port === undefined) done.set(key, (port = await this.front(m[5], Number(m[6]))));
        out.push(`a=candidate:${m[1]} ${m[2]} ${m[3]} ${m[4]} 127.0.0.1 ${port} typ host${m[7]}`);
        continue;
      }
      out.push(line);
    }
    return out.join('\r\n');
  }

  /** The device's offer without its candidates: the node may reach the device only through this link. */
  static stripCandidates(sdp: string): string {
    return sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:')).join('\r\n');
  }

  close(): void {
    this.up.close();
    this.down.close();
    for (const s of this.sockets) s.close();
    this.sockets = [];
  }
}
