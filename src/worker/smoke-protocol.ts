// smoke-protocol.ts — the messages of the smoke path: the page (or Node) sends the compiled core
// module and the pool size; the worker instantiates the core on a shared memory and answers.
export interface SmokeRequest {
  module: WebAssembly.Module;
  poolMiB: number;
}

export interface SmokeReply {
  ok: boolean;
  version?: string;
  heapBase?: number;
  poolBytes?: number;
  shared?: boolean;
  error?: string;
}
