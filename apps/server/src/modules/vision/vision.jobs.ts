import { join } from 'node:path';
import type { AppContext } from '../../app.ts';
import { LocalObjectStore } from '../../adapters/object-store.ts';
import { readSnapshot, unreadSnapshots, VisionRunner, type SnapshotRef } from './vision.service.ts';

/**
 * Every stored snapshot is read at once, in this process (the inspector expects the readings within about a second, so
 * no queue polling delay), one at a time: the `snapshot.stored` outbox event (written with the snapshot) triggers the
 * read, and a failed read is retried by the outbox. Snapshots left unread before the outbox existed are swept at start.
 */
export function installVisionJobs(ctx: AppContext): VisionRunner {
  const runner = new VisionRunner();
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (ref: SnapshotRef) => {
    const p = chain.then(() => readSnapshot(ctx.db, runner, ref));
    chain = p.catch(() => undefined);
    return p;
  };
  ctx.outbox.on('snapshot.stored', 'vision.read', (e) => enqueue(e));
  ctx.vision = { runner, enqueue, sweep: async () => {
    const store = new LocalObjectStore(join(ctx.config.dataDir, 'media'));
    for (const s of await unreadSnapshots(ctx.db)) {
      await enqueue({ snapshotId: s.snapshotId, sessionId: s.sessionId, orderId: s.orderId, path: store.localPath(s.key) })
        .catch((e) => console.error(`vision: reading snapshot ${s.snapshotId} failed:`, e));
    }
  } };
  return runner;
}
