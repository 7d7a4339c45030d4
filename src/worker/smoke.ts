// smoke.ts — the worker half of the smoke path, shared by the Web Worker and the Node worker_thread.
import { createPoolMemory, formatVersion, instantiateCore } from './core-module.js';
import type { SmokeReply, SmokeRequest } from './smoke-protocol.js';

export async function runSmoke(req: SmokeRequest): Promise<SmokeReply> {
  try {
    const memory = createPoolMemory(req.poolMiB);
    const core = await instantiateCore(req.module, memory);
    return {
      ok: true,
      version: formatVersion(core.core_version()),
      heapBase: core.core_heap_base(),
      poolBytes: memory.buffer.byteLength,
      shared: memory.buffer instanceof SharedArrayBuffer,
    };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
