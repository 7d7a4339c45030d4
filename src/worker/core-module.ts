// core-module.ts — instantiate core.wasm on a shared WebAssembly.Memory (the host memory pool).
// One code path for the browser (Web Worker) and Node (worker_thread): callers hand in the compiled
// module and the memory; nothing here touches the DOM or node: APIs.
// Invariant: the memory is shared (SharedArrayBuffer-backed), as every core instance shares it.

export interface CoreExports {
  core_version(): number;
  core_heap_base(): number;
  [name: string]: unknown;
}

/** Pages of 64 KiB for a pool of `mib` MiB. */
export function poolPages(mib: number): number {
  return Math.ceil((mib * 1024 * 1024) / 65536);
}

export function createPoolMemory(mib: number): WebAssembly.Memory {
  const pages = poolPages(mib);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

export async function instantiateCore(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  imports: Record<string, WebAssembly.ImportValue> = {},
): Promise<CoreExports> {
  if (!(memory.buffer instanceof SharedArrayBuffer)) {
    throw new Error('core.wasm needs a shared WebAssembly.Memory (is the page crossOriginIsolated?)');
  }
  const instance = await WebAssembly.instantiate(module, {
    env: { memory, abort: coreAbort, ...imports },
  });
  return instance.exports as unknown as CoreExports;
}

/** Formats a libvirt-style encoded version (major*1e6 + minor*1e3 + patch) as "M.m.p". */
export function formatVersion(encoded: number): string {
  const major = Math.floor(encoded / 1_000_000);
  const minor = Math.floor((encoded % 1_000_000) / 1000);
  return `${major}.${minor}.${encoded % 1000}`;
}

function coreAbort(msg: number, file: number, line: number, column: number): never {
  throw new Error(`core.wasm abort at ${file}:${line}:${column} (message ptr ${msg})`);
}
