// The object detector's own thread (see objects/remote.ts). Worker threads do not inherit the parent's TypeScript
// loader in Node 20: register tsx here, then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./objects.worker.ts');
