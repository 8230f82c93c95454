// Worker threads do not get the parent's TypeScript loader in Node 20 (`--import tsx` in the parent
// still leaves `new Worker('x.ts')` failing with ERR_UNKNOWN_FILE_EXTENSION), so the worker starts
// from this plain module, registers tsx for itself, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./vision.worker.ts');
