// Worker thread: parses and validates a declarations CSV (declarations.csv.ts) off the server's event loop, hashes it,
// and posts the rows back in chunks (each message is small to deserialise, so the main thread gets turns between
// them: the next chunk is sent when the main thread asks for it). A refusal of the whole file (header, syntax) is posted as the error's code, status, message and details.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { parseDeclarationsCsv } from './declarations.csv.ts';
import { AppError } from '../../platform/errors.ts';

const { text, chunkRows } = workerData as { text: string; chunkRows: number };
try {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const { rows } = parseDeclarationsCsv(text);
  // one chunk per request of the main thread: queued messages would all be delivered in one turn of its event loop
  let next = 0;
  const send = () => {
    if (next < rows.length) {
      parentPort!.postMessage({ type: 'rows', rows: rows.slice(next, next + chunkRows) });
      next += chunkRows;
    } else {
      parentPort!.postMessage({ type: 'done', total: rows.length, sha256 });
      parentPort!.off('message', send);
    }
  };
  parentPort!.on('message', send);
  send();
} catch (e) {
  parentPort!.postMessage(e instanceof AppError
    ? { type: 'refused', code: e.code, status: e.status, message: e.message, details: e.details }
    : { type: 'failed', message: (e as Error).message });
}
