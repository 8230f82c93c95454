// The impaired link measured with real UDP sockets on loopback: the delay, loss, rate and cut it promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { ImpairedLink, PROFILES } from './link.ts';

async function pair(link: ImpairedLink) {
  const server = createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const port = await link.front('127.0.0.1', server.address().port);
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  // the server echoes: a round trip through both directions
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  return { client, port, close: () => { client.close(); server.close(); } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('weak profile: ~150 ms round trip, ~3 % loss each way, 300 kbit/s bottleneck', { timeout: 30_000 }, async (t) => {
  const link = new ImpairedLink({ seed: 1 });
  link.set({ ...PROFILES.weak, rateKbps: 0 });
  const { client, port, close } = await pair(link);
  // sockets left open by a failed assertion would keep this file's process (and the whole test run) alive
  t.after(() => { close(); link.close(); });
  const sent = new Map<number, number>();
  const rtts: number[] = [];
  client.on('message', (m) => rtts.push(performance.now() - sent.get(m.readUInt32BE(0))!));
  for (let i = 0; i < 1000; i++) {
    const b = Buffer.alloc(100);
    b.writeUInt32BE(i, 0);
    sent.set(i, performance.now());
    client.send(b, port, '127.0.0.1');
    if (i % 50 === 0) await sleep(5);
  }
  // wait until the echoes stop coming (a loaded CI machine can hold timers back well past the 150 ms)
  for (let last = -1, waited = 0; rtts.length !== last && waited < 10_000; waited += 400) {
    last = rtts.length;
    await sleep(400);
  }
  const sorted = [...rtts].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  assert.ok(median > 140 && median < 260, `median RTT ${median.toFixed(0)} ms`);
  // the link's own drop each way, and nothing else lost: every packet it let through both ways came back
  for (const [name, d] of [['up', link.up.c], ['down', link.down.c]] as const) {
    assert.ok(d.lost / d.packets > 0.015 && d.lost / d.packets < 0.05, `${name} loss ${d.lost}/${d.packets}`);
  }
  assert.equal(link.up.c.packets, 1000);
  assert.equal(rtts.length, link.down.c.delivered, 'every echo the link delivered arrived');
  // (no round-trip figure from the echoes: on a loaded machine the link's timers fire late and in bunches, and the
  // kernel drops part of a bunch at the echo server's socket — 25 % once in CI — which is not the link's loss)

  // the bottleneck: 2 s of 1 Mbit/s offered into 300 kbit/s → ~300 kbit/s delivered, the rest dropped at the queue
  link.set({ ...PROFILES.weak, lossPct: 0 });
  const before = link.up.c.deliveredBytes;
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    client.send(Buffer.alloc(1250), port, '127.0.0.1');
    await sleep(10);
  }
  await sleep(400);
  const kbps = ((link.up.c.deliveredBytes - before) * 8) / (performance.now() - t0);
  assert.ok(kbps > 220 && kbps < 360, `delivered ${kbps.toFixed(0)} kbit/s`);
  assert.ok(link.up.c.overflow > 50, `queue overflow drops: ${link.up.c.overflow}`);

  // a cut: nothing passes either way, and everything passes again after it
  link.set(PROFILES.good);
  link.cut = true;
  const n0 = rtts.length;
  for (let i = 0; i < 20; i++) client.send(Buffer.alloc(100), port, '127.0.0.1');
  await sleep(200);
  assert.equal(rtts.length, n0);
  link.cut = false;
  for (let i = 0; i < 20; i++) {
    const b = Buffer.alloc(100);
    b.writeUInt32BE(5000 + i, 0);
    sent.set(5000 + i, performance.now());
    client.send(b, port, '127.0.0.1');
  }
  await sleep(200);
  assert.equal(rtts.length, n0 + 20);
});

test('the media node\'s answer is rewritten to the link\'s ports; the device\'s candidates are kept from the node', async (t) => {
  const link = new ImpairedLink();
  t.after(() => link.close());
  const answer = ['v=0', 'a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host', 'a=candidate:2 1 udp 2130706431 ::1 40001 typ host', 'a=candidate:3 1 tcp 1 10.0.0.5 9 typ host tcptype passive', 'a=end-of-candidates'].join('\r\n');
  const out = await link.rewrite(answer);
  assert.match(out, /a=candidate:1 1 udp 2130706431 127\.0\.0\.1 \d+ typ host/);
  assert.doesNotMatch(out, /10\.0\.0\.5|::1|tcp/);
  assert.equal(ImpairedLink.stripCandidates('v=0\r\na=candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=mid:0'), 'v=0\r\na=mid:0');
});
