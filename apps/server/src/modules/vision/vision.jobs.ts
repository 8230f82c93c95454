import { randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../../platform/context.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { finishSnapshotObjects, readingsAwaitingObjects, readSnapshot, unreadSnapshots, VisionRunner, type SnapshotRef } from './vision.service.ts';

/**
 * Every stored snapshot is read at once, in this process (the inspector expects the readings within about a second, so
 * no queue polling delay), one at a time, labels first (its objects are added to the stored reading afterwards): the
 * `snapshot.stored` outbox event (written with the snapshot) triggers the read, and a failed read is retried by the outbox. Snapshots left unread before the outbox existed are swept at start.
 */
export function installVisionJobs(ctx: AppContext): VisionRunner {
  const runner = new VisionRunner();
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (ref: SnapshotRef & { key?: string }) => {
    // Labels first: the next snapshot's labels do not wait for this one's objects, which are added to its reading after
    // (the detector works on the image the engine already decoded, so a temporary download may go).
    const p = chain.then(() => withLocalFile(ctx.store, ref, async (path) => {
      const done = await readSnapshot(ctx.db, runner, { ...ref, path });
      if (done !== 'skipped') runner.follow(done.objects.catch((e) => console.error(`vision: objects of snapshot ${ref.snapshotId} failed:`, e)));
      return done;
    }));
    chain = p.catch(() => undefined);
    return p;
  };
  ctx.outbox.on('snapshot.stored', 'vision.read', (e) => enqueue(e));
  ctx.vision = { runner, enqueue, sweep: async () => {
    for (const s of await unreadSnapshots(ctx.db)) {
      await enqueue({ snapshotId: s.snapshotId, sessionId: s.sessionId, orderId: s.orderId, path: ctx.store.localPath(s.key) ?? s.key, key: s.key })
        .catch((e) => console.error(`vision: reading snapshot ${s.snapshotId} failed:`, e));
    }
    // Labels stored, objects never (the process stopped in between): finish them, one at a time like the rest (after
    // the objects of the snapshots just read, which are no such case).
    await runner.followed();
    for (const r of await readingsAwaitingObjects(ctx.db)) {
      const p = chain.then(() => withLocalFile(ctx.store, { path: ctx.store.localPath(r.key) ?? r.key, key: r.key }, (path) => finishSnapshotObjects(ctx.db, runner, { ...r, path })));
      chain = p.catch(() => undefined);
      await p.catch((e) => console.error(`vision: objects of snapshot ${r.snapshotId} failed:`, e));
    }
  } };
  return runner;
}

/**
 * Runs `fn` on a file of the snapshot: the store's own file (local directory), or a temporary download (S3), removed
 * afterwards. Events written before the key was carried name only the local path.
 */
async function withLocalFile<T>(store: ObjectStore, ref: { path: string; key?: string }, fn: (path: string) => Promise<T>): Promise<T> {
  const local = ref.key ? store.localPath(ref.key) : ref.path;
  if (local || !ref.key) return fn(local ?? ref.path);
  const tmp = join(tmpdir(), `rvi-vision-${randomUUID()}`);
  try {
    await pipeline(await store.get(ref.key), createWriteStream(tmp, { flags: 'wx' }));
    return await fn(tmp);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
