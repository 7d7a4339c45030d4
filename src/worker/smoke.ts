// smoke.ts — the worker half of the smoke path, shared by the Web Worker and the Node worker_thread:
// join (or create) a host memory pool through the KVM-style API and report the core's version.
import { Kvm } from '../vmm/kvm/index.js';
import { formatVersion } from './core-module.js';
import type { SmokeReply, SmokeRequest } from './smoke-protocol.js';

export async function runSmoke(req: SmokeRequest): Promise<SmokeReply> {
  try {
    const kvm = req.attach ? await Kvm.attach(req.attach) : await Kvm.create(req.module, req.poolMiB);
    const core = kvm.core as unknown as { core_version(): number; core_heap_base(): number };
    return {
      ok: true,
      version: formatVersion(core.core_version()),
      heapBase: core.core_heap_base(),
      poolBytes: kvm.memory.buffer.byteLength,
      shared: kvm.memory.buffer instanceof SharedArrayBuffer,
      poolFrames: kvm.poolStats().totalFrames,
    };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
