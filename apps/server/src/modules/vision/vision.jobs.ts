import { join } from 'node:path';
import type { AppContext } from '../../app.ts';
import { LocalObjectStore } from '../../adapters/object-store.ts';
import { readSnapshot, unreadSnapshots, VisionRunner, type SnapshotRef } from './vision.service.ts';

/**
 * Every stored snapshot is read at once, in this process (the inspector expects the readings within about a second, so
 * no queue polling delay), one at a time; snapshots left unread by a restart are swept up at start.
 */
export function installVisionJobs(ctx: AppContext): VisionRunner {
  const runner = new VisionRunner();
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (ref: SnapshotRef) => {
    chain = chain.then(async () => {
      const r = await readSnapshot(ctx.db, runner, ref);
      if (r !== 'skipped') {
        const [o] = await ctx.database.query<{ office_id: string }>('select office_id from inspection_orders where id = $1', [ref.orderId]);
        if (o) ctx.hub.invalidate([`office:${o.office_id}`], [['vision', ref.snapshotId], ['sessions', ref.sessionId], ['findings', ref.orderId]]);
      }
    }).catch((e) => console.error(`vision: reading snapshot ${ref.snapshotId} failed:`, e));
    return chain;
  };
  ctx.events.on('snapshot.stored', (e) => { void enqueue(e); });
  ctx.vision = { runner, enqueue, sweep: async () => {
    const store = new LocalObjectStore(join(ctx.config.dataDir, 'media'));
    for (const s of await unreadSnapshots(ctx.db)) await enqueue({ snapshotId: s.snapshotId, sessionId: s.sessionId, orderId: s.orderId, path: store.localPath(s.key) });
  } };
  return runner;
}
