// ts-worker.ts — start a worker_thread whose entry is a TypeScript module (Node side only).
// The CLI runs TypeScript through tsx; a worker_thread starts with a fresh module loader, so a tiny
// JavaScript bootstrap registers tsx in the worker first and then imports the real entry.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const tsxApi = import.meta.resolve('tsx/esm/api');

export function startTsWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const boot =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
