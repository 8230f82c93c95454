import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkQuality } from './quality.ts';
import { PublisherStatsSampler, ViewerStatsSampler } from './client/stats.ts';

// getStats() reports as Chrome gives them on a perfect loopback link with a static scene (a container door): 3 ms
// round trip, no loss, the encoder sending ~150 kbit/s because there is little to encode, bandwidth estimate low
// because nothing probes it.
function staticSceneReport(bytesSent: number, timestamp: number): Map<string, Record<string, unknown>> {
  return new Map<string, Record<string, unknown>>([
    ['T1', { type: 'transport', id: 'T1', timestamp, selectedCandidatePairId: 'CP1' }],
    ['CP1', { type: 'candidate-pair', id: 'CP1', timestamp, nominated: true, state: 'succeeded', currentRoundTripTime: 0.003, availableOutgoingBitrate: 240_000 }],
    ['OV', { type: 'outbound-rtp', id: 'OV', kind: 'video', timestamp, bytesSent, frameWidth: 1280, frameHeight: 720, framesPerSecond: 30, qualityLimitationReason: 'none' }],
    ['RV', { type: 'remote-inbound-rtp', id: 'RV', kind: 'video', timestamp, roundTripTime: 0.004, fractionLost: 0, jitter: 0.002 }],
  ]);
}

test('issue 12 defect: a static scene on a perfect link is "good" on the phone (bitrate is not a quality)', async () => {
  const s = new PublisherStatsSampler();
  s.sample(staticSceneReport(0, 0) as unknown as RTCStatsReport, true);
  await new Promise((r) => setTimeout(r, 50));
  // ~150 kbit/s over the 50 ms
  const q = s.sample(staticSceneReport(940, 50) as unknown as RTCStatsReport, true);
  assert.ok(q.bitrateKbps < 300, `the scene encodes small (${q.bitrateKbps} kbit/s)`);
  assert.equal(q.jitterMs, 2);
  assert.equal(q.level, 'good');
  assert.equal(s.sample(staticSceneReport(1000, 100) as unknown as RTCStatsReport, false).level, 'down', 'not connected is "down"');
});

test('network quality: loss, round trip, jitter, limited frame rate, freezes', () => {
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 3, bitrateKbps: 120 }), 'good');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 3, fps: 2, qualityLimitation: 'none' }), 'good', 'a static source may send few frames');
  assert.equal(networkQuality({ packetLossPct: 2.5, rttMs: 3 }), 'fair');
  assert.equal(networkQuality({ packetLossPct: 6, rttMs: 3 }), 'poor');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 250 }), 'fair');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 450 }), 'poor');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 20, jitterMs: 60 }), 'fair');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 20, jitterMs: 120 }), 'poor');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 20, fps: 15, qualityLimitation: 'bandwidth' }), 'fair');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 20, fps: 6, qualityLimitation: 'bandwidth' }), 'poor');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 20, freezesPerMin: 1 }), 'fair');
  assert.equal(networkQuality({ packetLossPct: 0, rttMs: 20, freezesPerMin: 4 }), 'poor');
  assert.equal(networkQuality({ bitrateKbps: 100 }), 'unknown', 'bitrate alone says nothing');
  assert.equal(networkQuality(null), 'unknown');
});

test('viewer stats: freezes per minute from the cumulative freeze count', async () => {
  const v = new ViewerStatsSampler();
  const rep = (freezeCount: number) => new Map<string, Record<string, unknown>>([
    ['IV', { type: 'inbound-rtp', id: 'IV', kind: 'video', timestamp: 0, bytesReceived: 1000, packetsLost: 0, packetsReceived: 100, framesDecoded: 10, freezeCount, jitter: 0.004 }],
  ]) as unknown as RTCStatsReport;
  v.sample(rep(0));
  await new Promise((r) => setTimeout(r, 30));
  const s = v.sample(rep(1));
  assert.ok((s.freezesPerMin ?? 0) >= 1, `one freeze in 30 ms is a high rate (${s.freezesPerMin})`);
  assert.equal(s.level, 'fair');
});
