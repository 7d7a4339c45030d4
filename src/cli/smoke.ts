// smoke.ts — `wasmvirt smoke`: instantiate core.wasm on a shared memory in a worker_thread, as the
// page does in a Web Worker, and print what the worker saw.
import { compileCore } from './core-file.js';
import { startTsWorker } from './ts-worker.js';
import type { SmokeReply, SmokeRequest } from '../worker/smoke-protocol.js';

export async function smoke(poolMiB = 64): Promise<SmokeReply> {
  const module = await compileCore();
  const worker = startTsWorker(new URL('../worker/smoke-node.ts', import.meta.url));
  try {
    const reply = new Promise<SmokeReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.postMessage({ module, poolMiB } satisfies SmokeRequest);
    return await reply;
  } finally {
    await worker.terminate();
  }
}

export async function smokeMain(): Promise<number> {
  const reply = await smoke();
  if (!reply.ok) {
    process.stderr.write(`error: ${reply.error}\n`);
    return 1;
  }
  process.stdout.write(
    `wasmvirt core ${reply.version} in a worker_thread: pool ${reply.poolBytes} bytes, ` +
      `shared=${reply.shared}, heap base ${reply.heapBase}\n`,
  );
  return 0;
}
