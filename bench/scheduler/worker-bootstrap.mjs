// Entry of the benchmark's API-server worker thread: TypeScript (tsx) and Vite's `?raw`
// imports must be registered in the worker itself before it loads run.ts.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import('./raw-loader.mjs');
await import(workerData.entry);
