// Barcode reading on its own thread, so that it overlaps with OCR (plain JavaScript: zxing-wasm needs
// no TypeScript loader). The wasm binary is read from node_modules, never fetched.
// In: {id, rgb: Uint8Array, width, height, tryRotate}. Out: {id, ok, results} or {id, ok: false, message}.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('zxing-wasm/reader/zxing_reader.wasm');
const ready = readFile(wasmPath).then((bin) =>
  prepareZXingModule({
    overrides: {
      wasmBinary: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      locateFile: (path) => (path.endsWith('.wasm') ? wasmPath : path),
    },
    fireImmediately: true,
  }),
);

let queue = Promise.resolve();
parentPort.on('message', (job) => {
  queue = queue.then(async () => {
    try {
      await ready;
      const n = job.width * job.height;
      const rgba = new Uint8ClampedArray(n * 4);
      for (let i = 0, p = 0, q = 0; i < n; i++, p += 3, q += 4) {
        rgba[q] = job.rgb[p];
        rgba[q + 1] = job.rgb[p + 1];
        rgba[q + 2] = job.rgb[p + 2];
        rgba[q + 3] = 255;
      }
      const results = await readBarcodes(
        { data: rgba, width: job.width, height: job.height, colorSpace: 'srgb' },
        { formats: [], tryHarder: true, tryRotate: !!job.tryRotate, tryInvert: false, tryDownscale: true, textMode: 'HRI', maxNumberOfSymbols: 16 },
      );
      parentPort.postMessage({
        id: job.id,
        ok: true,
        results: results.map((r) => ({ format: r.format, text: r.text, isValid: r.isValid, position: r.position })),
      });
    } catch (err) {
      parentPort.postMessage({ id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) });
    }
  });
});
