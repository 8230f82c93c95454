// Bootstrap for worker threads running TypeScript sources: registers tsx in this thread, then loads the entry
// module named by workerData.__entry (a file URL). Node does not pass the parent's loader hooks to workers.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
register();
await import(workerData.__entry);
