// kvm.ts — the "/dev/kvm" handle: one host memory pool (a shared WebAssembly.Memory) with a core
// instance on it. `Kvm.create` makes the pool (in the page or the main thread); `Kvm.attach`
// joins an existing pool from another worker (same memory, same pool pointer, its own instance).
// Invariants: the pool starts above the core's static data plus a 64 KiB scratch gap, 64 KiB
// aligned; the pool's size is fixed at creation (initial = maximum pages), at most 4 GiB (wasm32).

import { createPoolMemory, instantiateCore } from '../../worker/core-module.js';
import { type HvExports, coreConst, ptr } from './exports.js';
import { Vm } from './vm.js';

export const DEFAULT_POOL_MIB = 1024;
export const MAX_POOL_MIB = 4096;
const FRAME = 4096;
const MIB = 1024 * 1024;

export interface PoolStats {
  totalFrames: number;
  freeFrames: number;
  usedFrames: number;
  sharedFrames: number;
  peakFrames: number;
  oomEvents: number;
  vmCount: number;
  totalBytes: number;
  usedBytes: number;
}

export interface VmUsage {
  id: number;
  pointer: number;
  guestFrames: number;
  eptFrames: number;
  /** stopped because the pool was exhausted */
  oom: boolean;
}

export interface KvmAttachInfo {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  pool: number;
}

/** Host monotonic clock in ns shared by every worker (performance.timeOrigin differs per worker). */
export function hostMonotonicNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

export class Kvm {
  private constructor(
    readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly core: HvExports,
    readonly pool: number,
  ) {}

  /** Creates a pool of `poolMiB` MiB (default 1 GiB) and lays the frame allocator over it. */
  static async create(module: WebAssembly.Module, poolMiB: number = DEFAULT_POOL_MIB): Promise<Kvm> {
    if (!Number.isInteger(poolMiB) || poolMiB < 4 || poolMiB > MAX_POOL_MIB) {
      throw new RangeError(`pool size ${poolMiB} MiB is out of range: give a whole number of MiB from 4 to ${MAX_POOL_MIB}`);
    }
    const memory = createPoolMemory(poolMiB);
    const core = await instantiate(module, memory);
    const heapBase = ptr(core.core_heap_base());
    const base = Math.ceil((heapBase + 65536) / 65536) * 65536;
    const end = poolMiB * MIB;
    if (end - base < 64 * FRAME) throw new RangeError(`pool of ${poolMiB} MiB leaves no room for frames`);
    const pool = ptr(core.pool_init(base, end));
    return new Kvm(module, memory, core, pool);
  }

  /** Joins a pool made by Kvm.create in another thread (a vCPU or VM worker). */
  static async attach(info: KvmAttachInfo): Promise<Kvm> {
    const core = await instantiate(info.module, info.memory);
    return new Kvm(info.module, info.memory, core, info.pool);
  }

  /** What another worker needs to attach (all structured-cloneable). */
  attachInfo(): KvmAttachInfo {
    return { module: this.module, memory: this.memory, pool: this.pool };
  }

  /** KVM_CREATE_VM. Throws when the pool has no room for the VM's structs. */
  createVm(): Vm {
    const vm = ptr(this.core.vm_create(this.pool));
    if (vm === 0) throw new Error('cannot create VM: host memory pool exhausted (or 256 VMs exist)');
    return new Vm(this, vm);
  }

  /** Wraps a VM struct created elsewhere (another worker's createVm) by its pointer. */
  openVm(vmPointer: number): Vm {
    return new Vm(this, ptr(vmPointer));
  }

  /** Memory held by every VM in the pool (all workers' VMs), by VM id. */
  vmUsage(): VmUsage[] {
    const c = this.core;
    const out: VmUsage[] = [];
    const max = coreConst(c, 'POOL_MAX_VMS');
    for (let i = 0; i < max; i++) {
      const vm = ptr(c.pool_vm_at(this.pool, i));
      if (vm === 0) continue;
      out.push({ id: c.vm_id(vm), pointer: vm, guestFrames: c.vm_frames(vm), eptFrames: c.vm_table_frames(vm),
        oom: c.vm_state(vm) === coreConst(c, 'VM_STATE_OOM') });
    }
    return out;
  }

  poolStats(): PoolStats {
    const c = this.core;
    const p = this.pool;
    const totalFrames = c.pool_total_frames(p);
    const usedFrames = c.pool_used_frames(p);
    return {
      totalFrames,
      freeFrames: c.pool_free_frames(p),
      usedFrames,
      sharedFrames: c.pool_shared_frames(p),
      peakFrames: c.pool_peak_frames(p),
      oomEvents: c.pool_oom_events(p),
      vmCount: c.pool_vm_count(p),
      totalBytes: totalFrames * FRAME,
      usedBytes: usedFrames * FRAME,
    };
  }
}

async function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<HvExports> {
  const core = await instantiateCore(module, memory, { hostMonotonicNs });
  const init = core['_initialize'];
  if (typeof init === 'function') (init as () => void)();
  return core as unknown as HvExports;
}
