// The outbound-address guard of the webhook sender: address ranges, names resolved by the system's resolver, and the
// lookup a real socket uses (a real node:http server on loopback, called by name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEndpoint, EgressRefused, guardedLookup, parseNetworks, refusedRange } from './egress.ts';

test('address ranges: public unicast passes, the rest is named; listed networks pass; mapped IPv4 judged as IPv4', () => {
  const none = parseNetworks([]);
  assert.equal(refusedRange('93.184.216.34', none), null);
  assert.equal(refusedRange('2606:4700::1111', none), null);
  for (const [a, r] of [['127.0.0.1', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['169.254.169.254', 'linkLocal'],
    ['100.64.1.1', 'carrierGradeNat'], ['0.0.0.0', 'unspecified'], ['224.0.0.1', 'multicast'], ['::1', 'loopback'], ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:8.8.8.8', null], ['nonsense', 'invalid']] as const) {
    assert.equal(refusedRange(a, none), r, a);
  }
  const some = parseNetworks(['10.20.0.0/16', '127.0.0.1', 'fd00::/8']);
  assert.equal(refusedRange('10.20.3.4', some), null);
  assert.equal(refusedRange('10.21.3.4', some), 'private');
  assert.equal(refusedRange('127.0.0.1', some), null);
  assert.equal(refusedRange('127.0.0.2', some), 'loopback');
  assert.equal(refusedRange('fd00::5', some), null);
  assert.throws(() => parseNetworks(['10.0.0.0/8', 'intranet']), /intranet is not an IP address or CIDR range/);
  assert.throws(() => parseNetworks(['10.0.0.0/40']), /10\.0\.0\.0\/40/);
});

test('a name is judged by every address it resolves to; an unresolvable name is left to the delivery', async () => {
  await assert.rejects(checkEndpoint(new URL('http://localhost:9/x'), []), (e: unknown) => e instanceof EgressRefused && e.range === 'loopback' && /localhost resolves to/.test(e.message));
  await checkEndpoint(new URL('http://localhost:9/x'), parseNetworks(['127.0.0.0/8', '::1']));
  await checkEndpoint(new URL('https://no-such-host.invalid/x'), []);
  await assert.rejects(checkEndpoint(new URL('http://[::1]/'), []), /::1 is a loopback address/);
});

test('the socket lookup: a request by name to a loopback server fails before connecting unless the network is listed', async (t) => {
  let hits = 0;
  const server = createServer((_q, s) => { hits++; s.end('ok'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const call = (allow: string[]) => new Promise<number>((resolve, reject) => {
    const req = request(`http://localhost:${port}/`, { lookup: guardedLookup(parseNetworks(allow)), family: 4 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end();
  });
  await assert.rejects(call([]), (e: Error & { code?: string }) => e.code === 'EGRESS_REFUSED' && /loopback/.test(e.message));
  assert.equal(hits, 0);
  assert.equal(await call(['127.0.0.1']), 200);
  assert.equal(hits, 1);
});
