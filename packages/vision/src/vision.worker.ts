/**
 * Worker thread entry: loads the models once, then analyses images one at a time as messages arrive.
 * Protocol: in {id, buffer, options}; out {type:'ready'} once, then {id, ok:true, reading} or
 * {id, ok:false, error:{reason, message}}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ImageDecodeError, VisionAnalyzer, type ReadOptions } from './analyzer.ts';

interface Job {
  id: number;
  buffer: Uint8Array;
  options?: ReadOptions;
}

const port = parentPort;
if (!port) throw new Error('vision.worker.ts must run in a worker thread');

const data = workerData as { threads?: number; objects?: boolean } | undefined;
const analyzerPromise = VisionAnalyzer.create({ threads: data?.threads, objects: data?.objects });
analyzerPromise.then(
  () => port.postMessage({ type: 'ready' }),
  (err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
);

// One job at a time: recognition already uses every core it is given.
let chain: Promise<void> = Promise.resolve();
port.on('message', (job: Job | { type: 'close' }) => {
  if ('type' in job) {
    // Orderly stop: finish what is running, free the native sessions, then let the thread end by itself.
    chain = chain.then(async () => {
      try { await (await analyzerPromise).close(); } catch { /* models never loaded: nothing to free */ }
      port.postMessage({ type: 'closed' });
      port.close();
    });
    return;
  }
  chain = chain.then(async () => {
    try {
      const analyzer = await analyzerPromise;
      const buffer = Buffer.from(job.buffer.buffer, job.buffer.byteOffset, job.buffer.byteLength);
      const reading = await analyzer.analyze(buffer, job.options);
      port.postMessage({ id: job.id, ok: true, reading });
    } catch (err) {
      const reason = err instanceof ImageDecodeError ? err.reason : 'internal';
      port.postMessage({ id: job.id, ok: false, error: { reason, message: err instanceof Error ? err.message : String(err) } });
    }
  });
});
