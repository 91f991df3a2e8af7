// Runs a TypeScript worker script (workerData.script) under tsx: worker
// threads do not inherit vitest's transform.
import {workerData} from 'node:worker_threads';
import {register} from 'tsx/esm/api';

register();
await import(workerData.script);
