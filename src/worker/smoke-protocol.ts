// smoke-protocol.ts — the messages of the smoke path: the page (or Node) sends the compiled core
// module, and either the pool to join (attach) or a pool size to create; the worker instantiates
// the core on that shared memory and answers with what it saw.
import type { KvmAttachInfo } from '../vmm/kvm/index.js';

export interface SmokeRequest {
  module: WebAssembly.Module;
  /** join this pool (the page's host memory pool) instead of creating one */
  attach?: KvmAttachInfo;
  poolMiB: number;
}

export interface SmokeReply {
  ok: boolean;
  version?: string;
  heapBase?: number;
  poolBytes?: number;
  shared?: boolean;
  /** frames of the pool the worker saw (proves it reads the shared allocator) */
  poolFrames?: number;
  error?: string;
}
