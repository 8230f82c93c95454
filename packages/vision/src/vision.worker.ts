/**
 * Worker thread entry: loads the models once, then reads images one at a time as messages arrive, labels first.
 * Protocol: in {id, buffer, options}; out {type:'ready'} once, then for each image
 * {id, phase:'labels', ok:true, reading} (objects still empty) followed by {id, phase:'objects', ok:true, result}, or
 * {id, phase:'labels', ok:false, error:{reason, message}} alone, or {id, phase:'objects', ok:false, error} after the labels.
 * The next image's labels do not wait for this one's objects (the analyzer runs the detector when the labels are idle).
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

const errorOf = (err: unknown) => ({ reason: err instanceof ImageDecodeError ? err.reason : 'internal', message: err instanceof Error ? err.message : String(err) });

// One label reading at a time: recognition already uses every core it is given.
let chain: Promise<void> = Promise.resolve();
port.on('message', (job: Job | { type: 'close' }) => {
  if ('type' in job) {
    // Orderly stop: finish what is running (objects included), free the native sessions, then let the thread end by itself.
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
      const { reading, objects } = await analyzer.analyzeLabels(buffer, job.options);
      port.postMessage({ id: job.id, phase: 'labels', ok: true, reading });
      objects.then(
        (result) => port.postMessage({ id: job.id, phase: 'objects', ok: true, result }),
        (err: unknown) => port.postMessage({ id: job.id, phase: 'objects', ok: false, error: errorOf(err) }),
      );
    } catch (err) {
      port.postMessage({ id: job.id, phase: 'labels', ok: false, error: errorOf(err) });
    }
  });
});
