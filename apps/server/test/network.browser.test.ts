// Networks as they are (issue 16), in real Chromium through the real server, with the device's media path through a
// userspace impaired link (packages/media/src/impair): on the weak profile (300 kbit/s, 150 ms, 3 % loss) the quality
// ladder steps down and the inspector keeps getting frames; when the link recovers it steps back up; "photos + sound"
// pinned by the inspector delivers full-resolution stills with their hashes, queued on the device and stored as
// evidence, and the recording's timeline says which rung was on when; a 10 s cut recovers; "save data" caps the
// ladder and stills queued while the device is offline survive a reload of the camera page.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { asc, eq } from 'drizzle-orm';
import { PROFILES, CLEAR } from '../../../packages/media/src/impair/link.ts';
import { rungIndex, type Rung } from '../../../packages/media/src/ladder.ts';
import { sessionEvents, sessionSnapshots } from '../src/db/schema.ts';
import { liveSessionsOf } from '../src/modules/sessions/sessions.routes.ts';
import { sleep, startNetworkSession, until, type NetworkSession } from './network-session.ts';

let n: NetworkSession;
before(async () => {
  n = await startNetworkSession();
});
after(async () => {
  await n?.close();
});

const events = async (kind: string) => (await n.t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, n.sessionId)).orderBy(asc(sessionEvents.seq)))
  .filter((e) => e.kind === kind);

test('weak link: the ladder steps down and frames keep arriving; recovery steps up; "photos + sound" delivers hashed full-resolution stills; a 10 s cut recovers; the timeline follows the ladder', { timeout: 240_000 }, async () => {
  await until(async () => (await n.received()).framesDecoded > 30, 'frames on a clear link', 40_000);
  assert.equal(await n.deviceRung(), '720p30');
  await until(async () => (await n.consoleRung()) === '720p30', 'the console shows the device\'s rung');

  // weak: 300 kbit/s, 150 ms, 3 % loss each way
  await n.impair(PROFILES.weak);
  const weakAt = Date.now();
  const low = await until(async () => {
    const r = (await n.deviceRung()) as Rung | null;
    return r && rungIndex(r) >= rungIndex('360p30') ? r : null;
  }, 'the ladder stepping down on the weak link', 30_000);
  const downS = (Date.now() - weakAt) / 1000;
  const reason = await n.device.getByTestId('camera-rung').getAttribute('data-reason');
  assert.ok(['bandwidth', 'loss', 'rtt', 'stalled'].includes(reason!), `why: ${reason}`);
  await until(async () => (await n.inspector.getByTestId('device-rung').textContent())?.includes('Device quality'), 'the console says the rung and why');
  // the command wall says the same: the device's rung and a network level by the same rule as the camera page's
  const supervisor = await n.t.login('supervisor');
  const tile = async () => ((await n.t.app.inject({ url: '/api/dashboard/live/sessions', headers: { cookie: supervisor } })).json().items as { sessionId: string; network: { quality: string; rung: { rung: string } | null; transport: string | null } }[])
    .find((i) => i.sessionId === n.sessionId)!;
  await until(async () => (await tile()).network.rung?.rung === (await n.deviceRung()), 'the wall shows the device\'s rung', 10_000);
  const wallLevel = await until(async () => {
    const [wall, device] = [(await tile()).network.quality, await n.device.getByTestId('camera-network').getAttribute('data-level')];
    return wall === device && wall !== 'good' ? wall : null;
  }, 'the wall and the camera page agree that the weak link is not good', 20_000);
  assert.ok(['fair', 'poor'].includes(wallLevel), wallLevel);
  assert.match((await tile()).network.transport ?? '', /^(host|srflx|prflx)$/, 'the device\'s path is shown (direct, through the impaired relay: no TURN here)');
  // usable: frames (or stills) keep arriving over the next 10 s
  const before = await n.received();
  await sleep(10_000);
  const afterWeak = await n.received();
  const stored = (await n.t.ctx.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.sessionId, n.sessionId))).length;
  const fps = (afterWeak.framesDecoded - before.framesDecoded) / ((afterWeak.at - before.at) / 1000);
  console.log(`weak: stepped down to ${low} after ${downS.toFixed(1)} s (${reason}); ${fps.toFixed(1)} frames/s at ${afterWeak.width}×${afterWeak.height}; rung now ${await n.deviceRung()}; up ${JSON.stringify(n.link.up.c)}`);
  assert.ok(fps >= 5 || stored > 0, `frames keep arriving on the weak link (${fps.toFixed(1)}/s) or stills do (${stored})`);

  // recovery: the ladder steps back up (slowly: one rung after ≥ 8 s clean)
  const lowRung = (await n.deviceRung()) as Rung;
  await n.impair(CLEAR);
  const clearAt = Date.now();
  await until(async () => rungIndex(((await n.deviceRung()) ?? lowRung) as Rung) < rungIndex(lowRung), 'a step up after the link recovers', 45_000);
  console.log(`recovered: ${lowRung} → ${await n.deviceRung()} after ${((Date.now() - clearAt) / 1000).toFixed(1)} s`);

  // the inspector pins "photos + sound": the device stops the video and sends full-resolution stills with hashes
  await n.inspector.getByTestId('pin-stills').click();
  await until(async () => (await n.deviceRung()) === 'stills', 'the device on the stills rung', 10_000);
  assert.equal(await n.device.getByTestId('camera-rung').getAttribute('data-reason'), 'pinned');
  await n.inspector.getByTestId('picture-off').waitFor({ timeout: 10_000 });
  const pinnedAt = Date.now();
  const stills = await until(async () => {
    const rows = (await n.t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, n.sessionId))).filter((e) => e.kind === 'snapshot.stored' && e.payload.rung === 'stills');
    return rows.length >= 2 ? rows : null;
  }, 'two stills from the stills mode', 25_000);
  console.log(`stills: 2 stored ${((Date.now() - pinnedAt) / 1000).toFixed(1)} s after the pin`);
  const snaps = await n.t.ctx.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.sessionId, n.sessionId));
  for (const ev of stills) {
    const snap = snaps.find((s) => s.id === ev.payload.snapshotId)!;
    assert.equal(snap.width, 640, 'the camera\'s full resolution, not the video rung\'s');
    assert.equal(snap.height, 360);
    const bytes = readFileSync(liveSessionsOf(n.t.ctx)!.env.store.localPath(snap.key)!);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), snap.sha256, 'stored bytes match the hash');
  }
  // no video RTP reaches the node while the picture is off the media path (audio goes on)
  const room = () => liveSessionsOf(n.t.ctx)!.media.node.room(n.sessionId)!.stats;
  const v0 = room().videoPackets;
  const a0 = room().audioPackets;
  await sleep(3000);
  assert.ok(room().videoPackets - v0 < 20, `video packets while on stills: ${room().videoPackets - v0}`);
  assert.ok(room().audioPackets - a0 > 50, 'audio continues');

  // back to automatic
  await n.inspector.getByTestId('pin-auto').click();
  await until(async () => (await n.device.getByTestId('camera-rung').getAttribute('data-reason')) === 'unpinned', 'unpinned on the device', 10_000);
  await until(async () => (await n.deviceRung()) !== 'stills', 'video again after the pin is released', 20_000);
  await until(async () => (await n.received()).framesDecoded > 0, 'frames after the pin');

  // a 10 s cut: no packet either way, the device page offline; media resumes after it, the ladder not dragged down
  const framesBefore = (await n.received()).framesDecoded;
  const rungBefore = (await n.deviceRung()) as Rung;
  await n.cutNetwork(true);
  await sleep(10_000);
  await n.cutNetwork(false);
  const backAt = Date.now();
  await until(async () => {
    const r = await n.received();
    return r.framesDecoded > framesBefore + 5 || (r.framesDecoded > 5 && r.framesDecoded < framesBefore) ? r : null;
  }, 'frames after the cut', 30_000);
  const recoverS = (Date.now() - backAt) / 1000;
  console.log(`cut: video back ${recoverS.toFixed(1)} s after the link returned; rung ${rungBefore} → ${await n.deviceRung()}`);
  assert.ok(recoverS < 15, `recovered in ${recoverS.toFixed(1)} s`);
  assert.notEqual(await n.deviceRung(), 'audio', 'a cut is not a bad network: no step to audio only');

  // the timeline: every rung change with why, the pin with who
  const rungs = await events('quality.rung');
  const kinds = rungs.map((e) => `${e.payload.rung}:${e.payload.reason}`);
  assert.ok(kinds[0].startsWith('720p30'), kinds.join(' '));
  assert.ok(rungs.some((e) => e.payload.rung === 'stills' && e.payload.reason === 'pinned'), kinds.join(' '));
  assert.ok(rungs.some((e) => rungIndex(e.payload.rung as Rung) >= rungIndex('360p30') && e.payload.reason !== 'pinned'), kinds.join(' '));
  const pins = await events('quality.pinned');
  assert.deepEqual(pins.map((e) => e.payload.pin), ['stills', null]);
  assert.equal(pins[0].source, 'inspector');
  await n.inspector.locator('[data-testid="timeline-event"][data-kind="quality.rung"]').first().waitFor();
  assert.match((await n.inspector.locator('[data-testid="timeline-event"][data-kind="quality.pinned"]').last().textContent())!, /set the device quality to Photos \+ sound/);
});

test('"save data" caps the ladder at 360p; stills taken while the device is offline wait in IndexedDB across a reload and are stored once', { timeout: 120_000 }, async () => {
  const d = n.device;
  await until(async () => (await n.received()).framesDecoded > 10, 'frames before going offline', 40_000);
  // offline (the page and its media), the operator takes two photos: they wait in the queue
  await n.cutNetwork(true);
  await d.getByTestId('camera-photo').click();
  await d.getByTestId('camera-stills-pending').filter({ hasText: /^1 / }).waitFor({ timeout: 15_000 });
  await d.getByTestId('camera-photo').click();
  await d.getByTestId('camera-stills-pending').filter({ hasText: /^2 / }).waitFor({ timeout: 15_000 });
  // what waits in the page's IndexedDB queue: the stills' client ids and hashes
  const queued = await d.evaluate(() => new Promise<{ clientId: string; sha256: string }[]>((resolve, reject) => {
    const r = indexedDB.open('rvi-stills');
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      const all = r.result.transaction('stills').objectStore('stills').getAll();
      all.onsuccess = () => resolve((all.result as { clientId: string; sha256: string }[]).map((x) => ({ clientId: x.clientId, sha256: x.sha256 })));
    };
  }));
  assert.equal(queued.length, 2);
  const storedOf = async () => (await n.t.ctx.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.sessionId, n.sessionId))).filter((x) => queued.some((q) => q.clientId === x.clientId));
  assert.equal((await storedOf()).length, 0, 'nothing reached the server while offline');
  // the page is reloaded (the browser killed the tab, the operator pulled to refresh) and comes back online
  await n.cutNetwork(false);
  await d.reload();
  await d.getByTestId('camera-save-data').check();
  await d.getByTestId('camera-start').click();
  // save data: 360p at most from the start, and the page says why
  await until(async () => (await n.deviceRung()) === '360p30' && (await d.getByTestId('camera-rung').getAttribute('data-reason')) === 'save_data', 'save data caps at 360p', 10_000);
  const stored = await until(async () => ((await storedOf()).length === 2 ? storedOf() : null), 'the two queued stills stored after the reload', 40_000);
  for (const q of queued) assert.equal(stored.find((x) => x.clientId === q.clientId)?.sha256, q.sha256, 'stored with the hash taken on the device');
  await d.getByTestId('camera-stills-pending').waitFor({ state: 'hidden' });
  await sleep(12_000);
  assert.equal(await n.deviceRung(), '360p30', 'no step above the cap on a clear link');
  await until(async () => (await events('quality.rung')).some((e) => e.payload.reason === 'save_data'), 'save data on the timeline');
});
