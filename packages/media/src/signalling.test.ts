import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransportWideCC } from 'werift';
import { parseClientMessage, SignallingError } from './signalling.ts';
import { MediaNode, parseIceServers } from './node.ts';
import { addVideoBitrateHints } from './sdp.ts';
import { TwccFeedbackGenerator } from './twcc.ts';

test('parseClientMessage accepts valid messages and names the bad field otherwise', () => {
  assert.deepEqual(parseClientMessage('{"type":"join","sessionId":"s-1","role":"viewer"}'), { type: 'join', sessionId: 's-1', role: 'viewer' });
  assert.deepEqual(parseClientMessage({ type: 'offer', sdp: 'v=0\r\n' }), { type: 'offer', sdp: 'v=0\r\n' });
  assert.equal(parseClientMessage({ type: 'stats', stats: { fps: 30 } }).type, 'stats');
  // the quality ladder's rung travels with the stats (issue 16)
  assert.deepEqual(parseClientMessage({ type: 'stats', stats: { rung: '180p15', rungReason: 'loss', rungValue: 6.5, extra: 'dropped' } }),
    { type: 'stats', stats: { bitrateKbps: undefined, rttMs: undefined, packetLossPct: undefined, jitterMs: undefined, fps: undefined, width: undefined, height: undefined, freezeCount: undefined, qualityLimitation: undefined, rung: '180p15', rungReason: 'loss', rungValue: 6.5 } });
  const bad: [unknown, RegExp][] = [
    ['{', /not valid JSON/],
    [[], /JSON object/],
    [{ type: 'join', sessionId: '../etc', role: 'viewer' }, /join.sessionId/],
    [{ type: 'join', sessionId: 's', role: 'admin' }, /join.role/],
    [{ type: 'offer' }, /offer.sdp/],
    [{ type: 'answer', sdp: 'hello' }, /answer.sdp does not look like SDP/],
    [{ type: 'offer', sdp: 'v=0' + 'x'.repeat(70_000) }, /longer than/],
    [{ type: 'candidate', candidate: 5 }, /candidate.candidate/],
    [{ type: 'stats', stats: { fps: 'fast' } }, /stats.fps/],
    [{ type: 'stats', stats: { rung: '4k' } }, /stats.rung must be one of 720p30/],
    [{ type: 'stats', stats: { rung: 'stills', rungReason: 'whim' } }, /stats.rungReason/],
    [{ type: 'stats', stats: { rung: 'stills', rungValue: 'x' } }, /stats.rungValue/],
    [{ type: 'nope' }, /unknown message type/],
  ];
  for (const [input, re] of bad) {
    assert.throws(() => parseClientMessage(input), (e: unknown) => e instanceof SignallingError && e.code === 'bad_message' && re.test(e.message), String(JSON.stringify(input)).slice(0, 60));
  }
});

test('MediaNode.handle answers bad input and wrong order with typed errors, never throws', async (t) => {
  const node = new MediaNode();
  t.after(() => node.close());
  assert.deepEqual(await node.handle('p1', 'garbage'), [{ type: 'error', code: 'bad_message', message: 'message is not valid JSON' }]);
  assert.equal((await node.handle('p1', { type: 'offer', sdp: 'v=0\r\n' }))[0].type, 'error');
  assert.equal(((await node.handle('p1', { type: 'offer', sdp: 'v=0\r\n' }))[0] as { code: string }).code, 'not_joined');
  const joined = await node.handle('p1', { type: 'join', sessionId: 'sess-1', role: 'publisher' });
  assert.deepEqual(joined, [{ type: 'joined', sessionId: 'sess-1', role: 'publisher', peerId: 'p1', publisher: 'absent' }]);
  assert.equal(((await node.handle('p1', { type: 'join', sessionId: 'sess-1', role: 'viewer' }))[0] as { code: string }).code, 'already_joined');
  assert.equal(((await node.handle('p1', { type: 'answer', sdp: 'v=0\r\n' }))[0] as { code: string }).code, 'wrong_role');
  const noVideo = await node.handle('p1', { type: 'offer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' });
  assert.match((noVideo[0] as { message: string }).message, /exactly one video/);
  // a viewer gets the server's sendonly offer right away
  const v = await node.handle('v1', { type: 'join', sessionId: 'sess-1', role: 'viewer' });
  assert.equal(v[0].type, 'joined');
  assert.equal(v[1].type, 'offer');
  const sdp = (v[1] as { sdp: string }).sdp;
  assert.match(sdp, /m=video[\s\S]*a=sendonly[\s\S]*m=audio[\s\S]*a=sendonly/);
  assert.match(sdp, /VP8\/90000/);
  assert.match(sdp, /opus\/48000/i);
  assert.doesNotMatch(sdp, /stun|:19302/);
  assert.equal(((await node.handle('v1', { type: 'offer', sdp: 'v=0\r\n' }))[0] as { code: string }).code, 'wrong_role');
  assert.equal(node.room('sess-1')?.viewers, 1);
  node.disconnect('v1');
  assert.equal(node.room('sess-1')?.viewers, 0);
});

test('parseIceServers accepts TURN with credentials and rejects junk', () => {
  assert.deepEqual(parseIceServers(undefined), []);
  assert.deepEqual(parseIceServers('[{"urls":"turn:turn.example:3478","username":"u","credential":"p"}]'), [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'p' }]);
  assert.throws(() => parseIceServers('{'), /must be JSON/);
  assert.throws(() => parseIceServers('[{"urls":"http://x"}]'), /urls/);
  assert.throws(() => parseIceServers('[{"urls":"turn:x","username":5}]'), /username/);
});

test('bitrate hints go into every video codec fmtp of the answer', () => {
  const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 H264/90000', 'a=fmtp:97 packetization-mode=1', ''].join('\r\n');
  const out = addVideoBitrateHints(sdp, { startKbps: 1000, minKbps: 100, maxKbps: 2500 });
  assert.match(out, /a=fmtp:97 packetization-mode=1;x-google-start-bitrate=1000;x-google-min-bitrate=100;x-google-max-bitrate=2500/);
  assert.match(out, /a=fmtp:96 x-google-start-bitrate=1000/);
  assert.match(out, /a=fmtp:111 minptime=10\r\n/);
});

test('TWCC feedback: werift parses what we send back into the same arrivals, losses and order', async () => {
  const sent: Buffer[] = [];
  const gen = new TwccFeedbackGenerator({ sendRtcp: async (p) => { sent.push(...p.map((x) => x.serialize())); } }, 0x11223344, 1_000_000);
  gen.mediaSsrc = 0xabcdef;
  // sequence across the 16-bit wrap, one loss, one late packet (300 ms: large delta), one reordered
  const base = 1_000_000_000; // µs
  const arrivals: [number, number][] = [[65530, 0], [65531, 1000], [65533, 2500], [65532, 2600], [65534, 5000], [65535, 5250], [0, 305_250], [2, 306_000]];
  for (const [seq, at] of arrivals) gen.onPacket(seq, base + at);
  gen.flush();
  gen.close();
  assert.equal(sent.length, 1);
  const buf = sent[0];
  assert.equal(buf.length % 4, 0);
  assert.equal(buf[1], 205);
  assert.equal(buf[0] & 0x1f, 15);
  const fb = TransportWideCC.deSerialize(buf.subarray(4), undefined as never);
  assert.equal(fb.baseSequenceNumber, 65530);
  assert.equal(fb.packetStatusCount, 9); // 65530..65535, 0, 1 (lost), 2
  assert.equal(fb.mediaSourceSsrc, 0xabcdef);
  // reconstruct arrival times from reference time + deltas
  const deltasUs = fb.recvDeltas.map((d) => d.delta);
  assert.equal(deltasUs.length, 8);
  let t = fb.referenceTime * 64_000;
  const got = deltasUs.map((d) => (t += d));
  const expected = [0, 1000, 2600, 2500, 5000, 5250, 305_250, 306_000].map((x) => base + x);
  got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) <= 250, `packet ${i}: ${g} vs ${expected[i]}`));
});
