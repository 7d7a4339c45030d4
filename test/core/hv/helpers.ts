// helpers.ts — shared setup for the hypervisor tests: a compiled core and a small pool.
import { compileCore } from '../../../src/cli/core-file.js';
import { Kvm } from '../../../src/vmm/kvm/index.js';

let compiled: Promise<WebAssembly.Module> | undefined;

export function coreModule(): Promise<WebAssembly.Module> {
  compiled ??= compileCore(process.env.CORE_WASM || undefined); // CORE_WASM: test another build
  return compiled;
}

export async function makeKvm(poolMiB = 64): Promise<Kvm> {
  return Kvm.create(await coreModule(), poolMiB);
}

export const MiB = 1024 * 1024;
export const PAGE = 4096;
