// Test/bench harness: a tiny HTTP page + `ws` signalling server wired to a MediaNode, a UDP proxy that can cut or
// throttle a peer's media path, Chromium launch flags, and a y4m fake-camera generator. Not used in production.
import { execFile } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { MediaNode, newPeerId, type MediaNodeOptions } from '../node.ts';
import type { ServerToClient } from '../signalling.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

let bundleCache: string | undefined;
export async function bundlePage(): Promise<string> {
  if (bundleCache) return bundleCache;
  const r = await build({ entryPoints: [join(here, 'page.ts')], bundle: true, format: 'iife', write: false, target: 'chrome110', logLevel: 'silent' });
  bundleCache = r.outputFiles[0].text;
  return bundleCache;
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Makes a y4m fake-camera file (testsrc2: moving, textured) with ffmpeg. */
export function makeY4m(path: string, o: { width?: number; height?: number; seconds?: number; fps?: number } = {}): Promise<string> {
  const { width = 640, height = 360, seconds = 2, fps = 30 } = o;
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', path],
      (err) => (err ? reject(err) : resolve(path)));
  });
}

// ------------------------------------------------------------------------------------------------ UDP proxy

/**
 * Sits between a browser and the media node for one peer's ICE candidates: `blocked` drops everything (network cut),
 * `rateKbps` throttles the client→server direction through a drop-tail queue (a bottleneck link).
 */
export class UdpProxy {
  blocked = false;
  rateKbps = 0;
  queueMs = 300;
  private fronts: Socket[] = [];
  private queue: { sock: Socket; msg: Buffer }[] = [];
  private queuedBytes = 0;
  private drainTimer?: NodeJS.Timeout;
  private credit = 0;
  private lastDrain = 0;
  upBytes = 0;
  dropped = 0;

  /** Creates a front socket for target ip:port; returns its port on 127.0.0.1. */
  async front(targetIp: string, targetPort: number): Promise<number> {
    const front = createSocket('udp4');
    const back = createSocket('udp4');
    let client: RemoteInfo | undefined;
    front.on('message', (msg, rinfo) => {
      client = rinfo;
      if (this.blocked) return;
      this.upstream(back, msg, targetIp, targetPort);
    });
    back.on('message', (msg) => {
      if (this.blocked || !client) return;
      front.send(msg, client.port, client.address);
    });
    await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => back.bind(0, () => r()));
    this.fronts.push(front, back);
    return front.address().port;
  }

  private upstream(back: Socket, msg: Buffer, ip: string, port: number): void {
    this.upBytes += msg.length;
    if (!this.rateKbps) {
      back.send(msg, port, ip);
      return;
    }
    const maxQueue = (this.rateKbps * 1000 / 8) * (this.queueMs / 1000);
    if (this.queuedBytes + msg.length > maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push({ sock: back, msg: Object.assign(msg, { ip, port }) });
    this.queuedBytes += msg.length;
    if (!this.drainTimer) {
      this.lastDrain = performance.now();
      this.drainTimer = setInterval(() => this.drain(), 2);
    }
  }

  private drain(): void {
    const now = performance.now();
    this.credit += ((now - this.lastDrain) / 1000) * (this.rateKbps * 1000 / 8);
    this.lastDrain = now;
    while (this.queue.length && this.credit >= this.queue[0].msg.length) {
      const { sock, msg } = this.queue.shift()!;
      this.credit -= msg.length;
      this.queuedBytes -= msg.length;
      const m = msg as Buffer & { ip: string; port: number };
      sock.send(m, m.port, m.ip);
    }
    if (!this.queue.length) {
      this.credit = Math.min(this.credit, 1500);
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }

  /** Rewrites the UDP host candidates of an SDP to go through this proxy (other candidates are removed). */
  async rewrite(sdp: string): Promise<string> {
    const lines = sdp.split('\r\n');
    const out: string[] = [];
    const done = new Map<string, number>();
    for (const line of lines) {
      const m = /^a=candidate:(\S+) (\d) (udp|UDP) (\d+) (\S+) (\d+) typ host(.*)$/.exec(line);
      if (line.startsWith('a=candidate:') && !m) continue;
      if (m) {
        const key = `${m[5]}:${m[6]}`;
        if (m[5].includes(':')) continue; // IPv6
        let port = done.get(key);
        if (port === undefined) {
          port = await this.front(m[5], Number(m[6]));
          done.set(key, port);
        }
        out.push(`a=candidate:${m[1]} ${m[2]} ${m[3]} ${m[4]} 127.0.0.1 ${port} typ host${m[7]}`);
        continue;
      }
      out.push(line);
    }
    return out.join('\r\n');
  }

  close(): void {
    clearInterval(this.drainTimer);
    for (const s of this.fronts) s.close();
    this.fronts = [];
  }
}

// ------------------------------------------------------------------------------------------------ server

export interface Harness {
  url: string;
  wsUrl: string;
  node: MediaNode;
  /** proxy in front of every publisher connection (when proxyPublishers) */
  proxy?: UdpProxy;
  /** messages sent to clients, newest last (for assertions) */
  sent: { peerId: string; msg: ServerToClient }[];
  close(): Promise<void>;
}

export async function startHarness(
  nodeOpts: Omit<MediaNodeOptions, 'send'> = {},
  o: { proxyPublishers?: boolean; /** extra files served at /NAME (e.g. the pattern texture) */ files?: Record<string, string> } = {},
): Promise<Harness> {
  const js = await bundlePage();
  const sockets = new Map<string, WebSocket>();
  const roles = new Map<string, string>();
  const sent: Harness['sent'] = [];
  const proxy = o.proxyPublishers ? new UdpProxy() : undefined;
  const deliver = async (peerId: string, msg: ServerToClient) => {
    if (proxy && msg.type === 'answer' && roles.get(peerId) === 'publisher') msg = { ...msg, sdp: await proxy.rewrite(msg.sdp) };
    sent.push({ peerId, msg });
    const ws = sockets.get(peerId);
    if (ws?.readyState === 1) ws.send(JSON.stringify(msg));
  };
  const node = new MediaNode({ ...nodeOpts, send: (peerId, msg) => void deliver(peerId, msg) });
  const server: Server = createServer((req, res) => {
    const file = o.files?.[(req.url ?? '').slice(1)];
    if (req.url === '/client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else if (file) {
      res.writeHead(200, { 'content-type': file.endsWith('.png') ? 'image/png' : 'application/octet-stream' });
      res.end(readFileSync(file));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><title>rvi media test</title><body style="margin:0"><video id="v" autoplay playsinline muted></video><script src="/client.js"></script>');
    }
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => {
    const peerId = newPeerId();
    sockets.set(peerId, ws);
    ws.on('message', async (data) => {
      let msg: unknown = data.toString();
      try {
        const m = JSON.parse(msg as string);
        if (m?.type === 'join') roles.set(peerId, m.role);
        // the node must only learn the publisher's address through the proxy (as a peer-reflexive candidate),
        // or its own checks would find the direct path and bypass the proxy
        if (proxy && roles.get(peerId) === 'publisher') {
          if (m?.type === 'offer' && typeof m.sdp === 'string') msg = { ...m, sdp: m.sdp.split('\r\n').filter((l: string) => !l.startsWith('a=candidate:')).join('\r\n') };
          if (m?.type === 'candidate') return;
        }
      } catch { /* node reports it */ }
      for (const r of await node.handle(peerId, msg)) await deliver(peerId, r);
    });
    ws.on('close', () => {
      sockets.delete(peerId);
      node.disconnect(peerId);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    node,
    proxy,
    sent,
    async close() {
      for (const ws of sockets.values()) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      await node.close();
      proxy?.close();
    },
  };
}
