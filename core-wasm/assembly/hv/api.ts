// hv/api.ts — the hypervisor's wasm export surface (KVM's ioctls, as functions). TypeScript
// (src/vmm/kvm/) calls these; addresses and sizes cross the boundary as f64 where they may
// exceed 32 bits (exact up to 2^53), so the JS side needs no BigInt.
// Struct offsets are exported as constants (wasm globals) so TypeScript never hard-codes them.

import {
  poolInit, poolTotalFrames, poolFreeFrames, frameAlloc, frameAllocContiguous, frameUnref,
  frameRefcount, POOL_OFF_USED, POOL_OFF_SHARED, POOL_OFF_PEAK_USED, POOL_OFF_OOM_EVENTS,
  POOL_OFF_VM_COUNT, POOL_OFF_FREE_COUNT, POOL_OFF_BUMP, POOL_OFF_END_FRAME, POOL_OFF_VM_TABLE,
  POOL_MAX_VMS,
} from './pool';
import {
  vmCreate, VM_OFF_FRAMES, VM_OFF_TABLE_FRAMES, VM_OFF_COW_COPIES, VM_OFF_STATE, VM_OFF_ID,
  VM_OFF_OOM_GPA, VM_OFF_NVCPUS,
} from './vm';
import { vmSetUserMemoryRegion, vmDestroy } from './memslot';
import { irqchipReset } from './irq';
import { vmClockSet, CLOCK_REALTIME, DEFAULT_TSC_HZ } from './clock';
import {
  eptTranslate, eptGeneration, eptFlush, eptUnmapRange, eptWriteProtectRange, eptSharePage,
  eptDirtyLogFetch,
} from './ept';

export {
  eptTranslate, eptGeneration, EPT_MMIO, EPT_OOM, EPT_ROM_WRITE, EPT_UNMAPPED, ACCESS_READ,
  ACCESS_WRITE, ACCESS_EXEC, ACCESS_HOST, ACCESS_NO_ALLOC,
} from './ept';
export {
  VM_STATE_RUNNING, VM_STATE_OOM, VM_STATE_DEAD, SLOT_RAM, SLOT_ROM, SLOT_MMIO, SLOT_LOG_DIRTY,
  VM_MAX_SLOTS, VM_MAX_VCPUS,
} from './vm';
export * from './vcpu_api';
// the contract's CPU-pointer entry points, exported for the VMM and tests as well
export {
  irqPending, irqAcknowledge, nmiPending, nmiAcknowledge, tscRead, tscWrite, apicBaseRead, apicBaseWrite,
  apicMsrRead, apicMsrWrite,
} from './irq';

// ---- host memory pool ----

/** Lays the pool out over [base, end) of the shared memory; returns the pool pointer. */
export function pool_init(base: usize, end: f64): usize {
  return poolInit(base, <u32>((<u64>end) >> 12));
}
export function pool_total_frames(pool: usize): u32 { return poolTotalFrames(pool); }
export function pool_free_frames(pool: usize): u32 { return poolFreeFrames(pool); }
export function pool_used_frames(pool: usize): u32 { return atomic.load<u32>(pool, POOL_OFF_USED); }
export function pool_shared_frames(pool: usize): u32 { return atomic.load<u32>(pool, POOL_OFF_SHARED); }
export function pool_peak_frames(pool: usize): u32 { return atomic.load<u32>(pool, POOL_OFF_PEAK_USED); }
export function pool_oom_events(pool: usize): u32 { return atomic.load<u32>(pool, POOL_OFF_OOM_EVENTS); }
export function pool_vm_count(pool: usize): u32 { return atomic.load<u32>(pool, POOL_OFF_VM_COUNT); }
/** The VM struct registered at table index `i` (0 when free): walk 0..VM table size for per-VM usage. */
export function pool_vm_at(pool: usize, i: u32): usize {
  return i < POOL_MAX_VMS ? <usize>atomic.load<u32>(pool + POOL_OFF_VM_TABLE + (<usize>i << 2)) : 0;
}
export { POOL_MAX_VMS };
export function pool_recycled_frames(pool: usize): u32 { return atomic.load<u32>(pool, POOL_OFF_FREE_COUNT); }
export function pool_never_used_frames(pool: usize): u32 {
  return load<u32>(pool, POOL_OFF_END_FRAME) - atomic.load<u32>(pool, POOL_OFF_BUMP);
}
/** One zeroed frame (or `n` contiguous) for a struct of the layers above; 0 when exhausted. */
export function pool_alloc(pool: usize, n: u32): usize {
  return n == 1 ? frameAlloc(pool) : frameAllocContiguous(pool, n);
}
export function pool_free(pool: usize, hpa: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) frameUnref(pool, hpa + (<usize>i << 12));
}
export function pool_frame_refcount(pool: usize, hpa: usize): u32 {
  return frameRefcount(pool, hpa & ~(<usize>0xfff));
}

// ---- VMs and memory slots ----

/** KVM_CREATE_VM: an empty VM with a reset irqchip (PIC, IOAPIC, PIT) and a realtime clock. */
export function vm_create(pool: usize): usize {
  const vm = vmCreate(pool);
  if (vm == 0) return 0;
  irqchipReset(vm);
  vmClockSet(vm, CLOCK_REALTIME, DEFAULT_TSC_HZ, 0);
  return vm;
}
export function vm_destroy(vm: usize): void { vmDestroy(vm); }
export function vm_id(vm: usize): u32 { return load<u32>(vm, VM_OFF_ID); }
export function vm_state(vm: usize): u32 { return atomic.load<u32>(vm, VM_OFF_STATE); }
export function vm_oom_gpa(vm: usize): f64 { return <f64>load<u64>(vm, VM_OFF_OOM_GPA); }
export function vm_frames(vm: usize): u32 { return atomic.load<u32>(vm, VM_OFF_FRAMES); }
export function vm_table_frames(vm: usize): u32 { return atomic.load<u32>(vm, VM_OFF_TABLE_FRAMES); }
export function vm_cow_copies(vm: usize): u32 { return atomic.load<u32>(vm, VM_OFF_COW_COPIES); }
export function vm_nvcpus(vm: usize): u32 { return load<u32>(vm, VM_OFF_NVCPUS); }

/** KVM_SET_USER_MEMORY_REGION: 0 or -errno. flags = SLOT_RAM/ROM/MMIO | SLOT_LOG_DIRTY; size 0 deletes. */
export function vm_set_user_memory_region(vm: usize, slot: u32, gpa: f64, size: f64, flags: u32): i32 {
  if (gpa < 0 || size < 0) return -22;
  return vmSetUserMemoryRegion(vm, slot, <u64>gpa, <u64>size, flags);
}

// ---- EPT ----

/** eptTranslate for the VMM: host address (>= 0) or a negative EPT_* code. */
export function ept_translate(vm: usize, gpa: f64, access: i32): f64 {
  if (gpa < 0) return <f64>EPT_MMIO_VALUE;
  return <f64>eptTranslate(vm, <u64>gpa, access);
}
const EPT_MMIO_VALUE: i64 = -1;

export function ept_generation(vm: usize): u32 { return eptGeneration(vm); }
export function ept_flush(vm: usize): void { eptFlush(vm); }
export function ept_unmap(vm: usize, gpa: f64, size: f64): void { eptUnmapRange(vm, <u64>gpa, <u64>size); }
export function ept_write_protect(vm: usize, gpa: f64, size: f64): void { eptWriteProtectRange(vm, <u64>gpa, <u64>size); }
export function ept_share_page(srcVm: usize, srcGpa: f64, dstVm: usize, dstGpa: f64): i32 {
  return eptSharePage(srcVm, <u64>srcGpa, dstVm, <u64>dstGpa);
}
/** KVM_GET_DIRTY_LOG (get and clear): address of the fetched bitmap, 0 when logging is off. */
export function dirty_log_fetch(vm: usize, slot: u32): usize { return eptDirtyLogFetch(vm, slot); }
