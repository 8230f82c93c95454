import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QualityLadder, RUNG_SPECS, SAVE_DATA_CAP, type LadderInput, type LadderState } from './ladder.ts';

/** Feeds `seconds` one-second samples of the same figures, from `t0` (ms); returns the states after each. */
function run(l: QualityLadder, t0: number, seconds: number, f: Omit<LadderInput, 'at' | 'connected'> & { connected?: boolean }): LadderState[] {
  const out: LadderState[] = [];
  for (let i = 1; i <= seconds; i++) out.push(l.update({ connected: true, ...f, at: t0 + i * 1000 }));
  return out;
}

const GOOD = { lossPct: 0, rttMs: 20, availableKbps: 3000, bandwidthLimited: false };

test('a good link stays at 720p30', () => {
  const l = new QualityLadder();
  const states = run(l, 0, 60, GOOD);
  assert.ok(states.every((s) => s.rung === '720p30'));
  assert.equal(l.current.reason.code, 'start');
});

test('a static shot on a perfect link is not a bandwidth problem (issue 12: the estimate stays low when little is sent)', () => {
  const l = new QualityLadder();
  run(l, 0, 30, { lossPct: 0, rttMs: 4, availableKbps: 240, bandwidthLimited: false });
  assert.equal(l.current.rung, '720p30');
});

test('the weak profile (300 kbit/s, 3 % loss) steps down to 180p15 within 2-3 s, in one move, and says why', () => {
  const l = new QualityLadder({}, 0);
  run(l, 0, 5, GOOD);
  const changes: [string, string][] = [];
  l.onChange((s, prev) => changes.push([prev.rung, s.rung]));
  const states = run(l, 5000, 12, { lossPct: 3, rttMs: 180, availableKbps: 260, bandwidthLimited: true });
  const firstLow = states.findIndex((s) => s.rung === '180p15');
  assert.ok(firstLow >= 1 && firstLow <= 2, `stepped down after ${firstLow + 1} s`);
  assert.deepEqual(changes, [['720p30', '180p15']], 'one move over several rungs, no flapping');
  assert.equal(l.current.reason.code, 'bandwidth');
  assert.equal(l.current.reason.value, 260);
});

test('one bad second is not sustained: no step down', () => {
  const l = new QualityLadder();
  run(l, 0, 10, GOOD);
  l.update({ connected: true, at: 11_000, lossPct: 2, rttMs: 900, availableKbps: 3000 });
  run(l, 11_000, 10, GOOD);
  assert.equal(l.current.rung, '720p30');
});

test('heavy loss goes to audio + stills, a collapse to audio only', () => {
  const l = new QualityLadder();
  run(l, 0, 4, { lossPct: 18, rttMs: 300, availableKbps: 400, bandwidthLimited: true });
  assert.equal(l.current.rung, 'stills');
  assert.equal(l.current.reason.code, 'loss');
  assert.ok(RUNG_SPECS.stills.stillEveryMs! > 0 && !RUNG_SPECS.stills.video);
  run(l, 4000, 10, { lossPct: 40, rttMs: 3000, availableKbps: 30 });
  assert.equal(l.current.rung, 'audio');
});

test('recovery steps up one rung at a time, slowly (≥ 8 s on each), never above 720p30', () => {
  const l = new QualityLadder();
  run(l, 0, 4, { lossPct: 3, rttMs: 180, availableKbps: 200, bandwidthLimited: true });
  assert.equal(l.current.rung, '180p15');
  const downAt = l.current.since;
  const seen: { at: number; rung: string }[] = [];
  l.onChange((s) => seen.push({ at: s.since, rung: s.rung }));
  run(l, 4000, 60, GOOD);
  assert.deepEqual(seen.map((s) => s.rung), ['360p30', '540p30', '720p30']);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].at - seen[i - 1].at >= 8000, `${seen[i].rung} after ${seen[i].at - seen[i - 1].at} ms`);
  assert.ok(seen[0].at - downAt >= 8000, 'the first step up waits for a stable period');
  assert.equal(l.current.reason.code, 'recovered');
});

test('no flapping on a link that carries 180p but not 360p: failed tries back off (8, 16, 32 s ...)', () => {
  const l = new QualityLadder();
  let t = 0;
  const changes: { at: number; rung: string }[] = [];
  l.onChange((s) => changes.push({ at: s.since, rung: s.rung }));
  // the link: ~250 kbit/s; at 360p the encoder is held back by bandwidth, at 180p not
  for (; t < 240_000; t += 1000) {
    const high = l.current.rung !== '180p15' && l.current.rung !== 'stills' && l.current.rung !== 'audio';
    l.update({ connected: true, at: t, lossPct: 1, rttMs: 150, availableKbps: 250, bandwidthLimited: high });
  }
  const tries = changes.filter((c) => c.rung === '360p30').map((c) => c.at);
  assert.ok(tries.length >= 2 && tries.length <= 6, `tried 360p ${tries.length} times in 4 minutes`);
  const waits = tries.slice(1).map((x, i) => x - tries[i]);
  for (let i = 1; i < waits.length; i++) assert.ok(waits[i] >= waits[i - 1], `waits grow: ${waits.join(', ')}`);
  assert.ok(waits[waits.length - 1] >= 60_000, `up to a minute between tries: ${waits.join(', ')}`);
  assert.equal(l.current.rung, '180p15');
});

test('a cut (no connection) neither steps down nor counts as a stable period', () => {
  const l = new QualityLadder();
  run(l, 0, 5, GOOD);
  run(l, 5000, 10, { connected: false, lossPct: 100, rttMs: 5000, availableKbps: 0 });
  assert.equal(l.current.rung, '720p30');
});

test('the inspector pins "stills only": at once, held on a good link, and free again when unpinned', () => {
  const l = new QualityLadder();
  run(l, 0, 5, GOOD);
  const pinned = l.setPin('stills', 5000);
  assert.equal(pinned.rung, 'stills');
  assert.equal(pinned.reason.code, 'pinned');
  run(l, 5000, 60, GOOD);
  assert.equal(l.current.rung, 'stills', 'a good network does not leave the pinned rung');
  run(l, 65_000, 10, { lossPct: 35, rttMs: 3000, availableKbps: 20 });
  assert.equal(l.current.rung, 'stills', 'nor does a bad one (stills queue and retry over HTTP)');
  l.setPin(null, 75_000);
  assert.equal(l.current.reason.code, 'unpinned');
  run(l, 75_000, 12, GOOD);
  assert.equal(l.current.rung, '180p15');
});

test('a video pin is a ceiling: the ladder still steps down below it when the network cannot carry it', () => {
  const l = new QualityLadder();
  l.setPin('360p30', 0);
  run(l, 0, 30, GOOD);
  assert.equal(l.current.rung, '360p30');
  run(l, 30_000, 4, { lossPct: 2, rttMs: 200, availableKbps: 150, bandwidthLimited: true });
  assert.equal(l.current.rung, '180p15');
  run(l, 34_000, 40, GOOD);
  assert.equal(l.current.rung, '360p30', 'back up to the pin, not above');
});

test('"save data" caps the ladder from the start', () => {
  const l = new QualityLadder({ cap: SAVE_DATA_CAP });
  assert.equal(l.current.rung, '360p30');
  assert.equal(l.current.reason.code, 'save_data');
  run(l, 0, 60, GOOD);
  assert.equal(l.current.rung, '360p30');
  l.setCap(null, 60_000);
  run(l, 60_000, 5, GOOD);
  assert.equal(l.current.rung, '540p30', 'stable for a minute: the first step up comes at once, the next after 8 s');
  run(l, 65_000, 5, GOOD);
  assert.equal(l.current.rung, '720p30');
});

test('a stalled picture steps down; a stall is no reason on rungs without video', () => {
  const l = new QualityLadder();
  run(l, 0, 8, { ...GOOD, stalled: true });
  assert.notEqual(l.current.rung, '720p30');
  assert.equal(l.current.reason.code, 'stalled');
  const s = new QualityLadder({ start: 'stills' });
  run(s, 0, 5, { lossPct: 0, rttMs: 20, availableKbps: 100, stalled: true });
  assert.equal(s.current.rung, 'stills');
});

test('the contracts name the same rungs as the ladder (guidance pins and still uploads are validated by them)', async () => {
  const { QUALITY_RUNGS } = await import('@rvi/contracts');
  const { RUNGS } = await import('./ladder.ts');
  assert.deepEqual([...QUALITY_RUNGS], [...RUNGS]);
});

test('after the media (re)connects, a slow start (low frame rate, low estimate) does not leave the rung for settleMs', () => {
  const l = new QualityLadder({}, 0);
  l.resume(60_000);
  run(l, 60_000, 3, { lossPct: 0, rttMs: 20, availableKbps: 300, bandwidthLimited: true, stalled: true });
  assert.equal(l.current.rung, '720p30');
  run(l, 63_000, 4, { lossPct: 0, rttMs: 20, availableKbps: 300, bandwidthLimited: true, stalled: true });
  assert.notEqual(l.current.rung, '720p30', 'a start that stays slow is a real reason');
});

test('a static shot at a low rung (little sent, a low estimate) still steps up, after four clean holds', () => {
  const l = new QualityLadder({ start: '180p15' });
  const seen: number[] = [];
  l.onChange((st) => seen.push(st.since));
  run(l, 0, 40, { lossPct: 0, rttMs: 10, availableKbps: 120, bandwidthLimited: false });
  assert.equal(l.current.rung, '360p30');
  assert.ok(seen[0] >= 32_000, `first try after ${seen[0]} ms`);
});
