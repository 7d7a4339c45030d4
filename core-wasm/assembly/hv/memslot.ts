// hv/memslot.ts — KVM_SET_USER_MEMORY_REGION: adding, deleting and re-flagging memory slots, and
// VM teardown.
//
// Rules (as KVM's): gpa and size are 4 KiB aligned; size 0 deletes the slot (its pages are
// unmapped and their frames returned to the pool, with an INVEPT); an existing slot may only
// change its flags (dirty logging on/off), not its range or kind; slots never overlap (-EEXIST).

import { FRAME_SIZE, frameFreeContiguous, frameUnref, spinLock, spinUnlock } from './pool';
import {
  VM_OFF_LOCK, VM_OFF_STATE, VM_OFF_MAGIC, VM_OFF_EPT_ROOT, VM_MAX_SLOTS, VM_MAX_VCPUS, VM_STATE_DEAD,
  VM_STRUCT_FRAMES, GPA_LIMIT, SLOT_OFF_GPA, SLOT_OFF_SIZE, SLOT_OFF_FLAGS, SLOT_KIND_MASK,
  SLOT_NONE, SLOT_RAM, SLOT_MMIO, SLOT_LOG_DIRTY, EINVAL, EEXIST, slotPtr, slotOverlaps,
  slotSetDirtyLog, vmPool, vmUnregister,
} from './vm';
import { eptUnmapRange, eptDestroy } from './ept';
import { vcpuAt, vcpuDestroy } from './vcpu';

const PAGE_MASK: u64 = <u64>FRAME_SIZE - 1;

export function vmSetUserMemoryRegion(vm: usize, index: u32, gpa: u64, size: u64, flags: u32): i32 {
  if (index >= VM_MAX_SLOTS) return EINVAL;
  if ((gpa & PAGE_MASK) != 0 || (size & PAGE_MASK) != 0) return EINVAL;
  if (gpa >= GPA_LIMIT || size > GPA_LIMIT - gpa) return EINVAL;
  const kind = flags & SLOT_KIND_MASK;
  if (size != 0 && (kind < SLOT_RAM || kind > SLOT_MMIO)) return EINVAL;
  if ((flags & ~(SLOT_KIND_MASK | SLOT_LOG_DIRTY)) != 0) return EINVAL;
  spinLock(vm + VM_OFF_LOCK);
  const r = setRegionLocked(vm, index, gpa, size, flags);
  spinUnlock(vm + VM_OFF_LOCK);
  return r;
}

function setRegionLocked(vm: usize, index: u32, gpa: u64, size: u64, flags: u32): i32 {
  const s = slotPtr(vm, index);
  const oldFlags = load<u32>(s, SLOT_OFF_FLAGS);
  const oldKind = oldFlags & SLOT_KIND_MASK;
  if (size == 0) {
    if (oldKind == SLOT_NONE) return 0;
    slotSetDirtyLog(vm, index, false);
    atomic.store<u32>(s, SLOT_NONE, SLOT_OFF_FLAGS);
    if (oldKind != SLOT_MMIO) eptUnmapRange(vm, load<u64>(s, SLOT_OFF_GPA), load<u64>(s, SLOT_OFF_SIZE));
    store<u64>(s, 0, SLOT_OFF_GPA);
    store<u64>(s, 0, SLOT_OFF_SIZE);
    return 0;
  }
  const kind = flags & SLOT_KIND_MASK;
  if (oldKind != SLOT_NONE) {
    if (load<u64>(s, SLOT_OFF_GPA) != gpa || load<u64>(s, SLOT_OFF_SIZE) != size || oldKind != kind) return EINVAL;
  } else {
    if (slotOverlaps(vm, index, gpa, size)) return EEXIST;
    store<u64>(s, gpa, SLOT_OFF_GPA);
    store<u64>(s, size, SLOT_OFF_SIZE);
    atomic.store<u32>(s, kind, SLOT_OFF_FLAGS);
  }
  const logDirty = (flags & SLOT_LOG_DIRTY) != 0 && kind != SLOT_MMIO;
  return slotSetDirtyLog(vm, index, logDirty);
}

/** Frees everything the VM holds in the pool: guest frames, EPT tables, bitmaps, the struct. */
export function vmDestroy(vm: usize): void {
  const pool = vmPool(vm);
  atomic.store<u32>(vm, VM_STATE_DEAD, VM_OFF_STATE);
  for (let i: u32 = 0; i < VM_MAX_VCPUS; i++) {
    const v = vcpuAt(vm, i);
    if (v != 0) vcpuDestroy(v);
  }
  for (let i: u32 = 0; i < VM_MAX_SLOTS; i++) slotSetDirtyLog(vm, i, false);
  eptDestroy(vm);
  frameUnref(pool, <usize>load<u32>(vm, VM_OFF_EPT_ROOT));
  vmUnregister(vm);
  store<u32>(vm, 0, VM_OFF_MAGIC);
  frameFreeContiguous(pool, vm, VM_STRUCT_FRAMES);
}
