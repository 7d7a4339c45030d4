// hv/ept.ts — extended page tables: guest-physical -> host-physical, VT-x style (Intel SDM vol. 3C,
// ch. 29 "VMX support for address translation": 4-level EPT, entry bits 0 R / 1 W / 2 X,
// bit 8 accessed, bit 9 dirty, bits 51:12 the frame; bits 62:52 are ignored by hardware and hold
// our software bit EPT_SW_ROM).
//
// Host-physical = an address in the shared wasm memory. Tables are pool frames. Entries change
// only with atomic cmpxchg/xchg, so vCPUs of one VM may fault on the same page at once: the loser
// of a race frees what it allocated and takes the winner's entry.
// eptTranslate is the EPT-violation handler and the TLB-miss path in one: the fast path is four
// loads and a permission check; everything else (first touch, COW, dirty logging, MMIO, OOM)
// goes to eptFault. A translation obtained for reading must not be used for writing: the CPU's
// TLB calls eptTranslate(write) before it caches a writable entry (that is how COW and the dirty
// log see every first write after a flush).
// Every removal of a permission or mapping bumps the VM's EPT generation (INVEPT) and kicks its
// vCPUs; each vCPU compares the generation with the one its TLB was filled under.

import {
  FRAME_SHIFT, FRAME_SIZE, frameAlloc, frameRef, frameRefcount, frameUnref,
} from './pool';
import {
  VM_OFF_EPT_ROOT, VM_OFF_EPT_GEN, VM_OFF_FRAMES, VM_OFF_TABLE_FRAMES, VM_OFF_COW_COPIES,
  VM_OFF_STATE, VM_OFF_OOM_GPA, VM_STATE_RUNNING, VM_STATE_OOM, GPA_LIMIT,
  SLOT_OFF_GPA, SLOT_OFF_SIZE, SLOT_OFF_FLAGS, SLOT_OFF_DIRTY, SLOT_KIND_MASK, SLOT_RAM,
  SLOT_MMIO, SLOT_LOG_DIRTY, EINVAL, ENOMEM, vmPool, slotFind, slotPtr,
} from './vm';
import { vmKickAll, VCPU_REQ_TLB_FLUSH } from './vcpu';
import { vmStopForOom } from './vm';

export const EPT_R: u64 = 1;
export const EPT_W: u64 = 2;
export const EPT_X: u64 = 4;
export const EPT_A: u64 = 1 << 8;
export const EPT_D: u64 = 1 << 9;
export const EPT_SW_ROM: u64 = 1 << 52;
export const EPT_ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

// access bits for eptTranslate
export const ACCESS_READ: i32 = 1;
export const ACCESS_WRITE: i32 = 2;
export const ACCESS_EXEC: i32 = 4;
export const ACCESS_HOST: i32 = 0x100;     // the VMM's own access: may write ROM
export const ACCESS_NO_ALLOC: i32 = 0x200; // do not allocate on first touch (read as zero)

export const EPT_MMIO: i64 = -1;
export const EPT_OOM: i64 = -2;
export const EPT_ROM_WRITE: i64 = -3;
export const EPT_UNMAPPED: i64 = -4; // only with ACCESS_NO_ALLOC: never touched, reads as zero

/**
 * gpa -> host linear address of that byte (valid to the end of its 4 KiB page), or a negative
 * EPT_* code. Called by the CPU on TLB misses and by the VMM's GuestMemory.
 */
export function eptTranslate(vm: usize, gpa: u64, access: i32): i64 {
  if (gpa >= GPA_LIMIT) return EPT_MMIO;
  let e = load<u64>(<usize>load<u32>(vm, VM_OFF_EPT_ROOT) + <usize>((gpa >> 36) & 0xff8));
  if ((e & 7) == 0) return eptFault(vm, gpa, access);
  e = load<u64>(<usize>(e & EPT_ADDR_MASK) + <usize>((gpa >> 27) & 0xff8));
  if ((e & 7) == 0) return eptFault(vm, gpa, access);
  e = load<u64>(<usize>(e & EPT_ADDR_MASK) + <usize>((gpa >> 18) & 0xff8));
  if ((e & 7) == 0) return eptFault(vm, gpa, access);
  e = load<u64>(<usize>(e & EPT_ADDR_MASK) + <usize>((gpa >> 9) & 0xff8));
  const need: u64 = <u64>(access & 7) | EPT_A | ((<u64>(access & 2)) << 8);
  if ((e & need) != need) return eptFault(vm, gpa, access);
  return <i64>((e & EPT_ADDR_MASK) | (gpa & 0xfff));
}

export function eptGeneration(vm: usize): u32 {
  return atomic.load<u32>(vm, VM_OFF_EPT_GEN);
}

/** INVEPT: every vCPU of the VM drops its cached translations before its next guest access. */
export function eptFlush(vm: usize): void {
  atomic.add<u32>(vm, 1, VM_OFF_EPT_GEN);
  vmKickAll(vm, VCPU_REQ_TLB_FLUSH);
}

/** Address of the leaf entry for gpa; with `create`, missing tables are allocated (0 = OOM). */
export function eptLeafPtr(vm: usize, gpa: u64, create: bool): usize {
  let table = <usize>load<u32>(vm, VM_OFF_EPT_ROOT);
  for (let shift: u64 = 39; shift > 12; shift -= 9) {
    const p = table + <usize>(((gpa >> shift) & 511) << 3);
    let e = atomic.load<u64>(p);
    if ((e & 7) == 0) {
      if (!create) return 0;
      const t = frameAlloc(vmPool(vm));
      if (t == 0) return 0;
      const ne = <u64>t | EPT_R | EPT_W | EPT_X;
      const seen = atomic.cmpxchg<u64>(p, e, ne);
      if (seen == e) {
        atomic.add<u32>(vm, 1, VM_OFF_TABLE_FRAMES);
        e = ne;
      } else {
        frameUnref(vmPool(vm), t);
        e = seen;
      }
    }
    table = <usize>(e & EPT_ADDR_MASK);
  }
  return table + <usize>(((gpa >> 12) & 511) << 3);
}

function stopForOom(vm: usize, gpa: u64): i64 {
  vmStopForOom(vm, gpa);
  return EPT_OOM;
}

function logDirty(slot: usize, gpa: u64): void {
  const bm = <usize>atomic.load<u32>(slot, SLOT_OFF_DIRTY);
  if (bm == 0) return;
  const page = (gpa - load<u64>(slot, SLOT_OFF_GPA)) >> FRAME_SHIFT;
  atomic.or<u32>(bm + <usize>((page >> 5) << 2), 1 << <u32>(page & 31));
}

/** The EPT-violation handler: everything the fast path of eptTranslate does not cover. */
function eptFault(vm: usize, gpa: u64, access: i32): i64 {
  if (gpa >= GPA_LIMIT) return EPT_MMIO;
  const si = slotFind(vm, gpa);
  if (si < 0) return EPT_MMIO;
  const slot = slotPtr(vm, <u32>si);
  const kind = load<u32>(slot, SLOT_OFF_FLAGS) & SLOT_KIND_MASK;
  if (kind == SLOT_MMIO) return EPT_MMIO;
  const write = (access & ACCESS_WRITE) != 0;
  const pool = vmPool(vm);
  const leaf = eptLeafPtr(vm, gpa, (access & ACCESS_NO_ALLOC) == 0);
  if (leaf == 0) {
    if ((access & ACCESS_NO_ALLOC) != 0) return EPT_UNMAPPED;
    return stopForOom(vm, gpa);
  }
  while (true) {
    let e = atomic.load<u64>(leaf);
    if ((e & 7) == 0) {
      if ((access & ACCESS_NO_ALLOC) != 0) return EPT_UNMAPPED;
      if (atomic.load<u32>(vm, VM_OFF_STATE) != VM_STATE_RUNNING) return EPT_OOM;
      const f = frameAlloc(pool);
      if (f == 0) return stopForOom(vm, gpa);
      const ne: u64 = <u64>f | EPT_R | EPT_X | EPT_A | (kind == SLOT_RAM ? EPT_W : EPT_SW_ROM);
      if (atomic.cmpxchg<u64>(leaf, e, ne) != e) {
        frameUnref(pool, f);
        continue;
      }
      atomic.add<u32>(vm, 1, VM_OFF_FRAMES);
      e = ne;
    }
    if (write && (e & EPT_W) == 0) {
      if ((e & EPT_SW_ROM) != 0) {
        if ((access & ACCESS_HOST) == 0) return EPT_ROM_WRITE;
        return <i64>((e & EPT_ADDR_MASK) | (gpa & 0xfff));
      }
      const old = <usize>(e & EPT_ADDR_MASK);
      if (frameRefcount(pool, old) > 1) {
        // copy-on-write: a private copy replaces the shared frame
        if (atomic.load<u32>(vm, VM_OFF_STATE) != VM_STATE_RUNNING) return EPT_OOM;
        const f = frameAlloc(pool);
        if (f == 0) return stopForOom(vm, gpa);
        memory.copy(f, old, FRAME_SIZE);
        const ne: u64 = <u64>f | EPT_R | EPT_W | EPT_X | EPT_A;
        if (atomic.cmpxchg<u64>(leaf, e, ne) != e) {
          frameUnref(pool, f);
          continue;
        }
        atomic.add<u32>(vm, 1, VM_OFF_COW_COPIES);
        eptFlush(vm); // other vCPUs may still hold the shared frame for reading
        frameUnref(pool, old);
        e = ne;
      } else {
        // sole owner of a write-protected page: write protection was for tracking only
        const ne = e | EPT_W;
        if (atomic.cmpxchg<u64>(leaf, e, ne) != e) continue;
        e = ne;
      }
    }
    const mark: u64 = write ? (EPT_A | EPT_D) : EPT_A;
    if ((e & mark) != mark) {
      const before = atomic.or<u64>(leaf, mark);
      if (write && (before & EPT_D) == 0 && (load<u32>(slot, SLOT_OFF_FLAGS) & SLOT_LOG_DIRTY) != 0) {
        logDirty(slot, gpa);
      }
    }
    return <i64>((e & EPT_ADDR_MASK) | (gpa & 0xfff));
  }
  return EPT_MMIO; // unreachable
}

/** Next gpa worth visiting after `gpa` when its leaf table is missing (skips absent subtrees). */
function nextPresent(vm: usize, gpa: u64): u64 {
  let table = <usize>load<u32>(vm, VM_OFF_EPT_ROOT);
  for (let shift: u64 = 39; shift > 12; shift -= 9) {
    const e = atomic.load<u64>(table + <usize>(((gpa >> shift) & 511) << 3));
    if ((e & 7) == 0) return ((gpa >> shift) + 1) << shift;
    table = <usize>(e & EPT_ADDR_MASK);
  }
  return gpa + FRAME_SIZE;
}

/** Removes the mappings of [gpa, gpa+size) and drops their frames (balloon, slot deletion). */
export function eptUnmapRange(vm: usize, gpa: u64, size: u64): void {
  const pool = vmPool(vm);
  const end = gpa + size;
  let g = gpa & ~(<u64>FRAME_SIZE - 1);
  let removed: u32 = 0;
  while (g < end) {
    const leaf = eptLeafPtr(vm, g, false);
    if (leaf == 0) { g = nextPresent(vm, g); continue; }
    const e = atomic.xchg<u64>(leaf, 0);
    if ((e & 7) != 0) {
      removed++;
      frameUnref(pool, <usize>(e & EPT_ADDR_MASK));
    }
    g += FRAME_SIZE;
  }
  if (removed != 0) {
    atomic.sub<u32>(vm, removed, VM_OFF_FRAMES);
  }
  eptFlush(vm);
}

/** Write-protects the present pages of [gpa, gpa+size) (snapshots, dirty tracking); INVEPT after. */
export function eptWriteProtectRange(vm: usize, gpa: u64, size: u64): void {
  const end = gpa + size;
  let g = gpa & ~(<u64>FRAME_SIZE - 1);
  while (g < end) {
    const leaf = eptLeafPtr(vm, g, false);
    if (leaf == 0) { g = nextPresent(vm, g); continue; }
    let e = atomic.load<u64>(leaf);
    while ((e & EPT_W) != 0) {
      const seen = atomic.cmpxchg<u64>(leaf, e, e & ~(EPT_W | EPT_D));
      if (seen == e) break;
      e = seen;
    }
    g += FRAME_SIZE;
  }
  eptFlush(vm);
}

/**
 * KSM-style merge: dstVm's page at dstGpa becomes a read-only mapping of srcVm's frame at srcGpa
 * (both write-protected, refcount + 1); the first write on either side copies. Returns 0 or -errno.
 */
export function eptSharePage(srcVm: usize, srcGpa: u64, dstVm: usize, dstGpa: u64): i32 {
  const pool = vmPool(srcVm);
  if (vmPool(dstVm) != pool) return EINVAL;
  const si = slotFind(srcVm, srcGpa);
  const di = slotFind(dstVm, dstGpa);
  if (si < 0 || di < 0) return EINVAL;
  if ((load<u32>(slotPtr(srcVm, <u32>si), SLOT_OFF_FLAGS) & SLOT_KIND_MASK) != SLOT_RAM) return EINVAL;
  if ((load<u32>(slotPtr(dstVm, <u32>di), SLOT_OFF_FLAGS) & SLOT_KIND_MASK) != SLOT_RAM) return EINVAL;
  const s = eptTranslate(srcVm, srcGpa & ~(<u64>FRAME_SIZE - 1), ACCESS_READ);
  if (s < 0) return ENOMEM;
  const srcLeaf = eptLeafPtr(srcVm, srcGpa, false);
  const dstLeaf = eptLeafPtr(dstVm, dstGpa, true);
  if (dstLeaf == 0) return ENOMEM;
  const frame = <usize>s;
  // write-protect the source mapping first, so no writer slips in after the reference is shared
  let e = atomic.load<u64>(srcLeaf);
  while (true) {
    const seen = atomic.cmpxchg<u64>(srcLeaf, e, e & ~(EPT_W | EPT_D));
    if (seen == e) break;
    e = seen;
  }
  if (<usize>(e & EPT_ADDR_MASK) != frame) return EINVAL; // raced with a COW; caller may retry
  eptFlush(srcVm);
  if (srcVm == dstVm && srcLeaf == dstLeaf) return 0;
  frameRef(pool, frame);
  const old = atomic.xchg<u64>(dstLeaf, <u64>frame | EPT_R | EPT_X | EPT_A);
  if ((old & 7) != 0) frameUnref(pool, <usize>(old & EPT_ADDR_MASK));
  else atomic.add<u32>(dstVm, 1, VM_OFF_FRAMES);
  eptFlush(dstVm);
  return 0;
}

/**
 * KVM_GET_DIRTY_LOG: moves the slot's dirty bitmap into its second half (returned address, one
 * bit per page, 32-bit little-endian words) and re-arms logging: the D bits of the reported pages
 * are cleared and the TLBs flushed, so the next write to each of them is logged again.
 * Returns 0 when logging is off for the slot.
 */
export function eptDirtyLogFetch(vm: usize, slotIndex: u32): usize {
  const slot = slotPtr(vm, slotIndex);
  const bm = <usize>atomic.load<u32>(slot, SLOT_OFF_DIRTY);
  if (bm == 0) return 0;
  const base = load<u64>(slot, SLOT_OFF_GPA);
  const pages = load<u64>(slot, SLOT_OFF_SIZE) >> FRAME_SHIFT;
  const words = <usize>((pages + 31) >> 5);
  const out = bm + (words << 2);
  for (let w: usize = 0; w < words; w++) {
    const bits = atomic.xchg<u32>(bm + (w << 2), 0);
    store<u32>(out + (w << 2), bits);
    let rest = bits;
    while (rest != 0) {
      const b = ctz<u32>(rest);
      rest &= rest - 1;
      const gpa = base + ((<u64>((w << 5) + b)) << FRAME_SHIFT);
      const leaf = eptLeafPtr(vm, gpa, false);
      if (leaf != 0) atomic.and<u64>(leaf, ~EPT_D);
    }
  }
  eptFlush(vm);
  return out;
}

/** Drops every mapping and every EPT table of the VM except the root (VM teardown). */
export function eptDestroy(vm: usize): void {
  const pool = vmPool(vm);
  const root = <usize>load<u32>(vm, VM_OFF_EPT_ROOT);
  for (let i: usize = 0; i < 512; i++) {
    const e3 = load<u64>(root + (i << 3));
    if ((e3 & 7) == 0) continue;
    const t3 = <usize>(e3 & EPT_ADDR_MASK);
    for (let j: usize = 0; j < 512; j++) {
      const e2 = load<u64>(t3 + (j << 3));
      if ((e2 & 7) == 0) continue;
      const t2 = <usize>(e2 & EPT_ADDR_MASK);
      for (let k: usize = 0; k < 512; k++) {
        const e1 = load<u64>(t2 + (k << 3));
        if ((e1 & 7) == 0) continue;
        const t1 = <usize>(e1 & EPT_ADDR_MASK);
        for (let l: usize = 0; l < 512; l++) {
          const e0 = load<u64>(t1 + (l << 3));
          if ((e0 & 7) != 0) frameUnref(pool, <usize>(e0 & EPT_ADDR_MASK));
        }
        frameUnref(pool, t1);
      }
      frameUnref(pool, t2);
    }
    frameUnref(pool, t3);
  }
  memory.fill(root, 0, FRAME_SIZE);
  store<u32>(vm, 0, VM_OFF_FRAMES);
  store<u32>(vm, 1, VM_OFF_TABLE_FRAMES);
}

