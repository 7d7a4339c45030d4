// hv/vcpu.ts — the vCPU struct (KVM's `struct kvm_vcpu`) with its kvm_run area, exit counters
// (what kvm_stat shows) and local APIC page, plus kicks (KVM's kvm_vcpu_kick).
//
// One vCPU = VCPU_STRUCT_FRAMES pool frames, registered in its VM's vCPU table. The CPU
// engineer's architectural state block is a separate allocation (`cpu`), linked both ways
// (CPU_OFF_VCPU / CPU_OFF_VM there, VCPU_OFF_CPU here). hv reaches into the CPU block only
// through addresses recorded at creation: the CPU's request word, its instruction counter and
// the word naming the frames the CPU takes for itself later (its decode cache, freed here), so
// this file does not depend on the CPU's layout.
// A kick = set request bits here, raise the CPU's request word (stop at the next instruction
// boundary) and ring the doorbell (wakes a worker sleeping in Atomics.wait after a HLT exit).
// kvm_run fields are at fixed offsets from the vCPU pointer (RUN_OFF_*), read by TypeScript.

import { FRAME_SIZE, frameAlloc, frameUnref, spinLock, spinUnlock } from './pool';
import { VM_OFF_VCPUS, VM_MAX_VCPUS, VM_OFF_NVCPUS, VM_OFF_LOCK, vmPool } from './vm';

export const VCPU_MAGIC: u32 = 0x55504356; // "VCPU"
export const VCPU_OFF_MAGIC: u32 = 0x00;
export const VCPU_OFF_VM: u32 = 0x04;
export const VCPU_OFF_CPU: u32 = 0x08;
export const VCPU_OFF_REQUEST_PTR: u32 = 0x0c; // address of the CPU's i32 request word (0 = none)
export const VCPU_OFF_INDEX: u32 = 0x10;
export const VCPU_OFF_REQUESTS: u32 = 0x14;    // VCPU_REQ_* bits, atomic
export const VCPU_OFF_ICOUNT_PTR: u32 = 0x18;  // address of the CPU's u64 instructions-retired counter
export const VCPU_OFF_CPU_FRAMES: u32 = 0x1c;
export const VCPU_OFF_WARP_NS: u32 = 0x20;     // u64: deterministic time skipped while halted
export const VCPU_OFF_TSC_OFFSET: u32 = 0x28;  // i64: guest TSC = clock TSC + offset (IA32_TSC writes)
export const VCPU_OFF_MP_STATE: u32 = 0x30;    // KVM_MP_STATE_*
export const VCPU_OFF_DOORBELL: u32 = 0x34;    // i32 futex word for Atomics.wait/notify
export const VCPU_OFF_NMI_PENDING: u32 = 0x38;
export const VCPU_OFF_SIPI_VECTOR: u32 = 0x3c;
export const VCPU_OFF_APIC_BASE: u32 = 0x40;   // u64: IA32_APIC_BASE (MSR 0x1B)
export const VCPU_OFF_PENDING_COMPLETION: u32 = 0x48; // 1 = IO-in / MMIO-read data to hand to the CPU on entry
export const VCPU_OFF_ICOUNT_AT_ENTRY: u32 = 0x50;    // u64
export const VCPU_OFF_CACHE_PTR: u32 = 0x58;    // address of the CPU's u32 word naming its own pool frames (0 = none)
export const VCPU_OFF_CACHE_FRAMES: u32 = 0x5c; // how many frames that run is
export const VCPU_OFF_TSC_ADJUST: u32 = 0x60;  // i64: IA32_TSC_ADJUST (MSR 0x3B), moves with every TSC write

// kvm_run
export const RUN_OFF_EXIT_REASON: u32 = 0x100;
export const RUN_OFF_READY_FOR_INTERRUPT: u32 = 0x104;
export const RUN_OFF_IO_DIRECTION: u32 = 0x108; // KVM_EXIT_IO_IN 0 / OUT 1
export const RUN_OFF_IO_SIZE: u32 = 0x10c;
export const RUN_OFF_IO_PORT: u32 = 0x110;
export const RUN_OFF_IO_COUNT: u32 = 0x114;
export const RUN_OFF_IO_DATA: u32 = 0x118;      // u64
export const RUN_OFF_MMIO_ADDR: u32 = 0x120;    // u64
export const RUN_OFF_MMIO_DATA: u32 = 0x128;    // u64
export const RUN_OFF_MMIO_LEN: u32 = 0x130;
export const RUN_OFF_MMIO_IS_WRITE: u32 = 0x134;
export const RUN_OFF_SUBERROR: u32 = 0x138;     // INTERNAL_ERROR_*
export const RUN_OFF_INFO: u32 = 0x13c;         // the CPU's exit info (reason detail)
export const RUN_OFF_RIP: u32 = 0x140;          // u64
export const RUN_OFF_INSN_BYTES: u32 = 0x148;   // 16 bytes
export const RUN_OFF_INSN_LEN: u32 = 0x158;
export const RUN_OFF_HLT_WAIT_NS: u32 = 0x160;  // u64: how long the VMM may sleep (U64 max: no timer armed)
export const RUN_OFF_HLT_DEADLINE_NS: u32 = 0x168; // u64: next timer deadline on the VM clock (U64 max: none)
export const RUN_OFF_INSTRUCTIONS: u32 = 0x170; // u64: instructions retired during this run() call
export const RUN_OFF_OOM_GPA: u32 = 0x178;      // u64
export const RUN_SIZE: u32 = 0x100;

// exit counters: u64 per exit reason (index = KVM_EXIT_*), then in-kernel events
export const VCPU_OFF_STATS: u32 = 0x200;
export const STAT_COUNT: u32 = 40;
export const STAT_IO_IN_KERNEL: u32 = 32;   // port I/O serviced by the in-core irqchip/PIT
export const STAT_MMIO_IN_KERNEL: u32 = 33; // LAPIC/IOAPIC MMIO serviced in the core
export const STAT_IRQ_INJECTIONS: u32 = 34;
export const STAT_HALT_WAKEUPS: u32 = 35;
export const STAT_TLB_FLUSH_REQUESTS: u32 = 36;
export const STAT_RUNS: u32 = 37;

// local APIC state (irqchip/lapic.ts)
export const VCPU_OFF_LAPIC: u32 = 0x400;

export const VCPU_STRUCT_FRAMES: u32 = 1;

// KVM_EXIT_* (numbers as in linux/kvm.h)
export const EXIT_UNKNOWN: u32 = 0;
export const EXIT_EXCEPTION: u32 = 1; // only with the CPU's exception-exit test mode
export const EXIT_IO: u32 = 2;
export const EXIT_DEBUG: u32 = 4;
export const EXIT_HLT: u32 = 5;
export const EXIT_MMIO: u32 = 6;
export const EXIT_SHUTDOWN: u32 = 8;
export const EXIT_INTR: u32 = 10; // budget spent or kicked: come back when ready
export const EXIT_INTERNAL_ERROR: u32 = 17;

export const INTERNAL_ERROR_EMULATION: u32 = 1;  // unimplemented/invalid instruction (bytes + RIP)
export const INTERNAL_ERROR_HOST_OOM: u32 = 100; // "host out of memory": the pool is exhausted
export const INTERNAL_ERROR_NO_CPU: u32 = 101;   // vCPU has no CPU state block

export const MP_STATE_RUNNABLE: u32 = 0;
export const MP_STATE_UNINITIALIZED: u32 = 1;
export const MP_STATE_INIT_RECEIVED: u32 = 2;
export const MP_STATE_HALTED: u32 = 3;
export const MP_STATE_SIPI_RECEIVED: u32 = 4;

export const VCPU_REQ_TLB_FLUSH: u32 = 1;
export const VCPU_REQ_EVENT: u32 = 2; // an interrupt may have become deliverable
export const VCPU_REQ_KICK: u32 = 4;  // the VMM wants run() to return

/** Creates vCPU `index` of the VM (no CPU block yet). Returns 0 on a bad index, a duplicate or OOM. */
export function vcpuCreate(vm: usize, index: u32): usize {
  if (index >= VM_MAX_VCPUS) return 0;
  const pool = vmPool(vm);
  spinLock(vm + VM_OFF_LOCK);
  const slot = vm + VM_OFF_VCPUS + (<usize>index << 2);
  if (load<u32>(slot) != 0) {
    spinUnlock(vm + VM_OFF_LOCK);
    return 0;
  }
  const v = frameAlloc(pool);
  if (v == 0) {
    spinUnlock(vm + VM_OFF_LOCK);
    return 0;
  }
  store<u32>(v, <u32>vm, VCPU_OFF_VM);
  store<u32>(v, index, VCPU_OFF_INDEX);
  store<u32>(v, MP_STATE_RUNNABLE, VCPU_OFF_MP_STATE);
  store<u64>(v, 0xfee00000 | (index == 0 ? 0x100 : 0) | 0x800, VCPU_OFF_APIC_BASE); // BSP flag, xAPIC enabled
  store<u32>(v, VCPU_MAGIC, VCPU_OFF_MAGIC);
  atomic.store<u32>(slot, <u32>v);
  store<u32>(vm, load<u32>(vm, VM_OFF_NVCPUS) + 1, VM_OFF_NVCPUS);
  spinUnlock(vm + VM_OFF_LOCK);
  return v;
}

/** Links the CPU's state block (and its request word and instruction counter) to the vCPU. */
export function vcpuAttachCpu(vcpu: usize, cpu: usize, frames: u32, requestPtr: usize, icountPtr: usize,
  cachePtr: usize, cacheFrames: u32): void {
  store<u32>(vcpu, <u32>cachePtr, VCPU_OFF_CACHE_PTR);
  store<u32>(vcpu, cacheFrames, VCPU_OFF_CACHE_FRAMES);
  store<u32>(vcpu, <u32>cpu, VCPU_OFF_CPU);
  store<u32>(vcpu, frames, VCPU_OFF_CPU_FRAMES);
  store<u32>(vcpu, <u32>icountPtr, VCPU_OFF_ICOUNT_PTR);
  atomic.store<u32>(vcpu, <u32>requestPtr, VCPU_OFF_REQUEST_PTR);
}

@inline export function vcpuVm(vcpu: usize): usize {
  return <usize>load<u32>(vcpu, VCPU_OFF_VM);
}

export function vcpuAt(vm: usize, index: u32): usize {
  if (index >= VM_MAX_VCPUS) return 0;
  return <usize>atomic.load<u32>(vm + VM_OFF_VCPUS + (<usize>index << 2));
}

/** Instructions the CPU has retired on this vCPU (0 before a CPU block is attached). */
@inline export function vcpuInstructions(vcpu: usize): u64 {
  const p = <usize>load<u32>(vcpu, VCPU_OFF_ICOUNT_PTR);
  return p == 0 ? 0 : load<u64>(p);
}

export function vcpuStatAdd(vcpu: usize, stat: u32, n: u64): void {
  const p = vcpu + VCPU_OFF_STATS + (<usize>stat << 3);
  store<u64>(p, load<u64>(p) + n);
}

/** kvm_vcpu_kick: request bits, stop the CPU at the next instruction boundary, wake a sleeper. */
export function vcpuKick(vcpu: usize, req: u32): void {
  atomic.or<u32>(vcpu, req, VCPU_OFF_REQUESTS);
  const rp = <usize>atomic.load<u32>(vcpu, VCPU_OFF_REQUEST_PTR);
  if (rp != 0) atomic.store<i32>(rp, 1);
  atomic.add<i32>(vcpu, 1, VCPU_OFF_DOORBELL);
  atomic.notify(vcpu + VCPU_OFF_DOORBELL, 1);
}

export function vmKickAll(vm: usize, req: u32): void {
  for (let i: u32 = 0; i < VM_MAX_VCPUS; i++) {
    const v = <usize>atomic.load<u32>(vm + VM_OFF_VCPUS + (<usize>i << 2));
    if (v != 0) vcpuKick(v, req);
  }
}

/** Unregisters and frees a vCPU (its CPU block too, when hv allocated it). */
export function vcpuDestroy(vcpu: usize): void {
  const vm = vcpuVm(vcpu);
  const pool = vmPool(vm);
  spinLock(vm + VM_OFF_LOCK);
  const slot = vm + VM_OFF_VCPUS + (<usize>load<u32>(vcpu, VCPU_OFF_INDEX) << 2);
  if (load<u32>(slot) == <u32>vcpu) {
    atomic.store<u32>(slot, 0);
    store<u32>(vm, load<u32>(vm, VM_OFF_NVCPUS) - 1, VM_OFF_NVCPUS);
  }
  spinUnlock(vm + VM_OFF_LOCK);
  const cpu = <usize>load<u32>(vcpu, VCPU_OFF_CPU);
  const frames = load<u32>(vcpu, VCPU_OFF_CPU_FRAMES);
  const cacheWord = <usize>load<u32>(vcpu, VCPU_OFF_CACHE_PTR);
  const cache = cacheWord != 0 ? <usize>load<u32>(cacheWord) : 0; // the CPU takes its cache at its first run
  const cacheFrames = load<u32>(vcpu, VCPU_OFF_CACHE_FRAMES);
  if (cache != 0) for (let i: u32 = 0; i < cacheFrames; i++) frameUnref(pool, cache + (<usize>i) * FRAME_SIZE);
  for (let i: u32 = 0; i < frames; i++) frameUnref(pool, cpu + (<usize>i) * FRAME_SIZE);
  store<u32>(vcpu, 0, VCPU_OFF_MAGIC);
  frameUnref(pool, vcpu);
}
