// Bench child: non-browser load. Each session = a werift publisher replaying a pre-encoded 1280x720 VP8 + Opus
// stream (captured once from ffmpeg/libvpx) and a werift viewer receiving the relay.
import {
  MediaStreamTrack, RTCPeerConnection, RtpPacket, useNACK, useOPUS, usePLI, useVP8,
} from 'werift';
import WebSocket from 'ws';

interface Captured { video: { at: number; buf: Buffer }[]; audio: { at: number; buf: Buffer }[] }
interface Sched { at: number; pkt: RtpPacket; kind: 'video' | 'audio' }

const send = (m: unknown) => process.send!(m);
let schedule: Sched[] = [];
let loopMs = 0;
let loopTicksV = 0;
let loopTicksA = 0;
let videoCount = 0;
let audioCount = 0;

function buildSchedule(c: Captured): void {
  const v = c.video.map((x) => RtpPacket.deSerialize(x.buf));
  const a = c.audio.map((x) => RtpPacket.deSerialize(x.buf));
  const v0 = v[0].header.timestamp;
  const a0 = a[0].header.timestamp;
  const vt = (p: RtpPacket) => (((p.header.timestamp - v0) >>> 0) / 90);
  const at = (p: RtpPacket) => (((p.header.timestamp - a0) >>> 0) / 48);
  schedule = [...v.map((pkt) => ({ at: vt(pkt), pkt, kind: 'video' as const })), ...a.map((pkt) => ({ at: at(pkt), pkt, kind: 'audio' as const }))].sort((x, y) => x.at - y.at);
  loopMs = Math.ceil(Math.max(vt(v[v.length - 1]), at(a[a.length - 1])) + 34);
  loopTicksV = loopMs * 90;
  loopTicksA = loopMs * 48;
  videoCount = v.length;
  audioCount = a.length;
}

function signalling(url: string): Promise<{ ws: WebSocket; next: (type: string) => Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const queue: any[] = [];
    const waiters: { type: string; resolve: (m: any) => void }[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      const i = waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
      else queue.push(m);
    });
    ws.on('open', () => resolve({
      ws,
      next: (type) => {
        const i = queue.findIndex((m) => m.type === type);
        if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
        return new Promise((r) => waiters.push({ type, resolve: r }));
      },
    }));
    ws.on('error', reject);
  });
}

const peerConfig = () => ({
  iceServers: [], iceUseIpv6: false,
  codecs: { video: [useVP8({ rtcpFeedback: [useNACK(), usePLI()] })], audio: [useOPUS()] },
});

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((r) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && r()));
}

interface Session { id: string; pub: RTCPeerConnection; view: RTCPeerConnection; v: MediaStreamTrack; a: MediaStreamTrack; wss: WebSocket[]; received: number }
const sessions: Session[] = [];

async function startSession(url: string, id: string): Promise<Session> {
  const ps = await signalling(url);
  ps.ws.send(JSON.stringify({ type: 'join', sessionId: id, role: 'publisher' }));
  await ps.next('joined');
  const pub = new RTCPeerConnection(peerConfig());
  const v = new MediaStreamTrack({ kind: 'video' });
  const a = new MediaStreamTrack({ kind: 'audio' });
  pub.addTransceiver(v, { direction: 'sendonly' });
  pub.addTransceiver(a, { direction: 'sendonly' });
  await pub.setLocalDescription(await pub.createOffer());
  await gathered(pub);
  ps.ws.send(JSON.stringify({ type: 'offer', sdp: pub.localDescription!.sdp }));
  await pub.setRemoteDescription({ type: 'answer', sdp: (await ps.next('answer')).sdp });

  const vs = await signalling(url);
  vs.ws.send(JSON.stringify({ type: 'join', sessionId: id, role: 'viewer' }));
  const offer = await vs.next('offer');
  const view = new RTCPeerConnection(peerConfig());
  const s: Session = { id, pub, view, v, a, wss: [ps.ws, vs.ws], received: 0 };
  view.onTrack.subscribe((t) => { if (t.kind === 'video') t.onReceiveRtp.subscribe(() => s.received++); });
  await view.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
  await view.setLocalDescription(await view.createAnswer());
  await gathered(view);
  vs.ws.send(JSON.stringify({ type: 'answer', sdp: view.localDescription!.sdp }));
  return s;
}

let timer: NodeJS.Timeout | undefined;
let t0 = 0;
let idx = 0;
let loop = 0;
function pump(): void {
  const now = performance.now() - t0;
  for (;;) {
    const e = schedule[idx];
    if (!e) { idx = 0; loop++; continue; }
    if (loop * loopMs + e.at > now) return;
    for (const s of sessions) {
      const p = e.pkt.clone();
      if (e.kind === 'video') {
        p.header.timestamp = (p.header.timestamp + loop * loopTicksV) >>> 0;
        p.header.sequenceNumber = (p.header.sequenceNumber + loop * videoCount) & 0xffff;
        s.v.writeRtp(p);
      } else {
        p.header.timestamp = (p.header.timestamp + loop * loopTicksA) >>> 0;
        p.header.sequenceNumber = (p.header.sequenceNumber + loop * audioCount) & 0xffff;
        s.a.writeRtp(p);
      }
    }
    idx++;
  }
}

process.on('message', async (m: { cmd: string; capture?: Captured; url?: string; ids?: string[] }) => {
  if (m.cmd === 'capture') {
    const c = m.capture!;
    c.video.forEach((x) => (x.buf = Buffer.from(x.buf)));
    c.audio.forEach((x) => (x.buf = Buffer.from(x.buf)));
    buildSchedule(c);
    send({ ok: true });
  } else if (m.cmd === 'start') {
    for (const id of m.ids!) sessions.push(await startSession(m.url!, id));
    if (!timer) {
      t0 = performance.now();
      timer = setInterval(pump, 4);
    }
    send({ started: sessions.length });
  } else if (m.cmd === 'stats') {
    send({ received: sessions.map((s) => s.received), cpu: process.cpuUsage() });
  } else if (m.cmd === 'stop') {
    for (const s of sessions.splice(0)) {
      s.wss.forEach((w) => w.close());
      await Promise.all([s.pub.close(), s.view.close()]);
    }
    send({ stopped: true });
  } else if (m.cmd === 'exit') process.exit(0);
});
send({ ready: true });
