/**
 * Worker thread holding the object detector (CenterNet + BlazeFace on tfjs wasm). tfjs's wasm kernels run
 * synchronously: on the OCR's thread they blocked its event loop for the whole detection, so the OCR's pre- and
 * post-processing waited (measured: recognition 314 → 1045 ms an image). Here they run beside it.
 * Protocol: in {id, rgb, width, height} (a 512×512 copy) or {type:'close'}; out {type:'ready'} | {type:'failed'}, then
 * {id, ok:true, objects, faces} or {id, ok:false, message}.
 */
import { parentPort } from 'node:worker_threads';
import { ObjectDetector } from './detector.ts';

const port = parentPort;
if (!port) throw new Error('objects.worker.ts must run in a worker thread');

const detectorP = ObjectDetector.load();
detectorP.then(
  () => port.postMessage({ type: 'ready' }),
  (err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
);

let chain: Promise<void> = Promise.resolve();
port.on('message', (job: { id: number; rgb: Uint8Array; width: number; height: number } | { type: 'close' }) => {
  if ('type' in job) {
    chain = chain.then(() => port.close());
    return;
  }
  chain = chain.then(async () => {
    try {
      const detector = await detectorP;
      const img = { data: Buffer.from(job.rgb.buffer, job.rgb.byteOffset, job.rgb.byteLength), width: job.width, height: job.height };
      const objects = await detector.detect(img);
      const faces = objects.some((o) => o.class === 'person') ? await detector.detectFaces(img) : [];
      port.postMessage({ id: job.id, ok: true, objects, faces });
    } catch (err) {
      port.postMessage({ id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) });
    }
  });
});
