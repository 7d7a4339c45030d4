// hv/vm.ts — the VM struct (KVM's `struct kvm`) and its memory slots (KVM_SET_USER_MEMORY_REGION).
//
// A VM struct is VM_STRUCT_FRAMES contiguous pool frames. It holds the EPT root, the EPT generation
// (bumped by every INVEPT-like flush), per-VM frame counters, the memory slots, the vCPU table,
// the clock settings and the VM-wide irqchip devices (PIC pair, IOAPIC, PIT) at fixed offsets.
// Slots never overlap; a guest-physical address outside every slot is an MMIO hole (as in KVM,
// an access there exits to the VMM). Slot kinds: RAM (pool frames, allocated on first touch),
// ROM (pool frames, guest writes ignored, the VMM fills them), MMIO (always exits).
// Errors are negative errno values, as the KVM ioctls return them.

import {
  FRAME_SHIFT, FRAME_SIZE, frameAlloc, frameAllocContiguous, frameFreeContiguous,
  poolRegisterVm, poolUnregisterVm,
} from './pool';

export const VM_MAGIC: u32 = 0x4d564d4b; // "KMVM"
export const VM_STRUCT_FRAMES: u32 = 2;

export const VM_OFF_MAGIC: u32 = 0x00;
export const VM_OFF_POOL: u32 = 0x04;
export const VM_OFF_ID: u32 = 0x08;
export const VM_OFF_STATE: u32 = 0x0c;        // VM_STATE_*
export const VM_OFF_EPT_ROOT: u32 = 0x10;     // hpa of the PML4 table
export const VM_OFF_EPT_GEN: u32 = 0x14;      // u32, atomic
export const VM_OFF_FRAMES: u32 = 0x18;       // guest pages mapped (shared ones included), atomic
export const VM_OFF_TABLE_FRAMES: u32 = 0x1c; // EPT table frames, atomic
export const VM_OFF_COW_COPIES: u32 = 0x20;   // copy-on-write copies made, atomic
export const VM_OFF_NVCPUS: u32 = 0x24;
export const VM_OFF_LOCK: u32 = 0x28;         // slots and irqchip lock
export const VM_OFF_OOM_GPA: u32 = 0x30;      // u64: gpa whose allocation failed
export const VM_OFF_MAX_FRAMES: u32 = 0x38;   // 0 = no per-VM limit
export const VM_OFF_IRQ_LOCK: u32 = 0x3c;     // irqchip lock (PIC, IOAPIC, PIT)
// clock (hv/clock.ts)
export const VM_OFF_CLOCK_MODE: u32 = 0x100;
export const VM_OFF_ICOUNT_SHIFT: u32 = 0x104;
export const VM_OFF_TSC_HZ: u32 = 0x108;      // u64
export const VM_OFF_HOST_BASE_NS: u32 = 0x110; // f64
// memory slots
export const VM_OFF_SLOTS: u32 = 0x200;
export const VM_MAX_SLOTS: u32 = 32;
export const SLOT_SIZE: u32 = 64;
// vCPUs
export const VM_OFF_VCPUS: u32 = 0xa00;
export const VM_MAX_VCPUS: u32 = 64;
// VM-wide irqchip devices
export const VM_OFF_PIC: u32 = 0xc00;    // 2 x PIC_SIZE
export const VM_OFF_PIT: u32 = 0xd00;
export const VM_OFF_IOAPIC: u32 = 0xe00;
export const VM_OFF_IRQ_LEVELS: u32 = 0xf80; // u32 bitmap x 2 (GSI 0..63 line levels as raised by the VMM)

export const VM_STATE_RUNNING: u32 = 0;
export const VM_STATE_OOM: u32 = 1;      // host pool exhausted: the VM is stopped
export const VM_STATE_DEAD: u32 = 2;

// slot struct
export const SLOT_OFF_GPA: u32 = 0;      // u64
export const SLOT_OFF_SIZE: u32 = 8;     // u64
export const SLOT_OFF_FLAGS: u32 = 16;   // kind | SLOT_LOG_DIRTY
export const SLOT_OFF_DIRTY: u32 = 20;   // bitmap address (0 = logging off)
export const SLOT_OFF_DIRTY_FRAMES: u32 = 24;

export const SLOT_KIND_MASK: u32 = 0xff;
export const SLOT_NONE: u32 = 0;
export const SLOT_RAM: u32 = 1;
export const SLOT_ROM: u32 = 2;
export const SLOT_MMIO: u32 = 3;
export const SLOT_LOG_DIRTY: u32 = 0x100;

export const EINVAL: i32 = -22;
export const EEXIST: i32 = -17;
export const ENOMEM: i32 = -12;
export const ENOENT: i32 = -2;
export const EBUSY: i32 = -16;

/** Maximum guest-physical address width the EPT maps (4-level: 48 bits). */
export const GPA_LIMIT: u64 = 1 << 48;

/** The pool could not give this VM a frame: the VM stops ("host out of memory"); `gpa` is the
 * guest-physical page it was for, or VM_OOM_NO_GPA for the VM's own structures (a decode cache). */
export function vmStopForOom(vm: usize, gpa: u64): void {
  atomic.store<u32>(vm, VM_STATE_OOM, VM_OFF_STATE);
  store<u64>(vm, gpa, VM_OFF_OOM_GPA);
}
export const VM_OOM_NO_GPA: u64 = 0xffff_ffff_ffff_ffff;

@inline export function vmPool(vm: usize): usize {
  return <usize>load<u32>(vm, VM_OFF_POOL);
}

@inline export function slotPtr(vm: usize, i: u32): usize {
  return vm + VM_OFF_SLOTS + <usize>(i * SLOT_SIZE);
}

/** Allocates and registers an empty VM (no slots, empty EPT). Returns 0 when the pool is exhausted. */
export function vmCreate(pool: usize): usize {
  const vm = frameAllocContiguous(pool, VM_STRUCT_FRAMES);
  if (vm == 0) return 0;
  const root = frameAlloc(pool);
  if (root == 0) {
    frameFreeContiguous(pool, vm, VM_STRUCT_FRAMES);
    return 0;
  }
  store<u32>(vm, <u32>pool, VM_OFF_POOL);
  store<u32>(vm, <u32>root, VM_OFF_EPT_ROOT);
  store<u32>(vm, 1, VM_OFF_TABLE_FRAMES);
  store<u32>(vm, 1, VM_OFF_EPT_GEN);
  const id = poolRegisterVm(pool, vm);
  if (id == 0) {
    frameFreeContiguous(pool, root, 1);
    frameFreeContiguous(pool, vm, VM_STRUCT_FRAMES);
    return 0;
  }
  store<u32>(vm, id, VM_OFF_ID);
  atomic.store<u32>(vm, VM_MAGIC, VM_OFF_MAGIC);
  return vm;
}

/** The slot index holding `gpa`, or -1 (an MMIO hole). Slow path: a scan of at most 32 slots. */
export function slotFind(vm: usize, gpa: u64): i32 {
  for (let i: u32 = 0; i < VM_MAX_SLOTS; i++) {
    const s = slotPtr(vm, i);
    if ((load<u32>(s, SLOT_OFF_FLAGS) & SLOT_KIND_MASK) == SLOT_NONE) continue;
    const base = load<u64>(s, SLOT_OFF_GPA);
    if (gpa >= base && gpa - base < load<u64>(s, SLOT_OFF_SIZE)) return <i32>i;
  }
  return -1;
}

/** Checks a new slot's range against the others (except `self`). */
export function slotOverlaps(vm: usize, self: u32, gpa: u64, size: u64): bool {
  for (let i: u32 = 0; i < VM_MAX_SLOTS; i++) {
    if (i == self) continue;
    const s = slotPtr(vm, i);
    if ((load<u32>(s, SLOT_OFF_FLAGS) & SLOT_KIND_MASK) == SLOT_NONE) continue;
    const base = load<u64>(s, SLOT_OFF_GPA);
    const end = base + load<u64>(s, SLOT_OFF_SIZE);
    if (gpa < end && base < gpa + size) return true;
  }
  return false;
}

/** Turns dirty logging of a slot on (allocating its bitmap) or off. Returns 0 or -errno. */
export function slotSetDirtyLog(vm: usize, i: u32, on: bool): i32 {
  const s = slotPtr(vm, i);
  const pool = vmPool(vm);
  const flags = load<u32>(s, SLOT_OFF_FLAGS);
  const bitmap = <usize>load<u32>(s, SLOT_OFF_DIRTY);
  if (on && bitmap == 0) {
    const pages = load<u64>(s, SLOT_OFF_SIZE) >> FRAME_SHIFT;
    const bytes = ((pages + 31) >> 5) << 3; // two halves: live bitmap + last fetched copy
    const frames = <u32>((bytes + FRAME_SIZE - 1) >> FRAME_SHIFT);
    const bm = frameAllocContiguous(pool, frames);
    if (bm == 0) return ENOMEM;
    store<u32>(s, frames, SLOT_OFF_DIRTY_FRAMES);
    atomic.store<u32>(s, <u32>bm, SLOT_OFF_DIRTY);
    store<u32>(s, flags | SLOT_LOG_DIRTY, SLOT_OFF_FLAGS);
  } else if (!on && bitmap != 0) {
    store<u32>(s, flags & ~SLOT_LOG_DIRTY, SLOT_OFF_FLAGS);
    atomic.store<u32>(s, 0, SLOT_OFF_DIRTY);
    frameFreeContiguous(pool, bitmap, load<u32>(s, SLOT_OFF_DIRTY_FRAMES));
    store<u32>(s, 0, SLOT_OFF_DIRTY_FRAMES);
  }
  return 0;
}

export function vmUnregister(vm: usize): void {
  poolUnregisterVm(vmPool(vm), vm);
}
