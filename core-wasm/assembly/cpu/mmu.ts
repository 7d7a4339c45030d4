// cpu/mmu.ts — linear-address access through the addend TLB (ARCHITECTURE.md "Nested paging").
// A TLB entry maps one 4 KiB linear page to host memory: host = linear + addend. Separate tags for
// read, write and execute; each tag carries the user bit (CPU_OFF_TLB_USER) so a supervisor fill
// never serves a user access. A hit costs a compare and an add. Misses walk the guest tables
// (cpu/walk.ts) and the EPT (eptTranslate) and fill only the access type that was checked, so a
// first write always reaches eptTranslate(write) (COW, dirty log). A write tag of a frame holding
// cached code carries TLB_CODE (cpu/codemap.ts): its writes take the slow path, which notes them.
// pageHost serves bulk string steps (one page at a time) from the same tags; their writes are noted
// per step (noteWriteRange).
// Every flush moves the code epoch. Flush rules: tlbFlush on CR3
// writes, CR0.PG/WP and CR4.PGE/PAE/PSE changes, EFER changes, INVLPG (one page), and when
// eptGeneration(vm) moved. MMIO pages are never cached: their accesses exit (reads complete by
// re-execution via CPU_OFF_IO_READY/IO_DATA, writes exit after the instruction).
import * as S from './state';
import { raise, exitBefore, exitAfter, internalError } from './except';
import { walk, ACC_R, ACC_W, ACC_X } from './walk';
import { eptTranslate, eptGeneration } from './hvlink';
import { bumpCodeEpoch, isCodeFrame, noteWrite, codeWritten, TLB_CODE } from './codemap';

const NEG_FAULT: i64 = -1;   // exception raised / exit set
const NEG_MMIO: i64 = -2;    // gpa is MMIO (CPU_OFF_EXIT_ADDR holds the gpa of the byte)
const NEG_ROM: i64 = -3;     // write to ROM: dropped

export function tlbFlush(cpu: usize): void {
  const t = cpu + S.CPU_OFF_TLB;
  for (let i: usize = 0; i < S.TLB_ENTRIES; i++) {
    const e = t + i * S.TLB_ENTRY_SIZE;
    store<u64>(e, S.TLB_INVALID, S.TLB_TAG_R);
    store<u64>(e, S.TLB_INVALID, S.TLB_TAG_W);
    store<u64>(e, S.TLB_INVALID, S.TLB_TAG_X);
  }
  store<u32>(cpu, eptGeneration(load<usize>(cpu, S.CPU_OFF_VM)), S.CPU_OFF_EPT_GEN);
  bumpCodeEpoch(cpu); // mappings of cached blocks may have changed
}

export function tlbFlushPage(cpu: usize, lin: u64): void {
  const e = cpu + S.CPU_OFF_TLB + <usize>(((lin >> 12) & (S.TLB_ENTRIES - 1)) * S.TLB_ENTRY_SIZE);
  store<u64>(e, S.TLB_INVALID, S.TLB_TAG_R);
  store<u64>(e, S.TLB_INVALID, S.TLB_TAG_W);
  store<u64>(e, S.TLB_INVALID, S.TLB_TAG_X);
  bumpCodeEpoch(cpu);
}

@inline function tlbEntry(cpu: usize, lin: u64): usize {
  return cpu + S.CPU_OFF_TLB + (<usize>((lin >> 12) & (S.TLB_ENTRIES - 1)) << 5);
}

/** Full translation of the byte at lin; fills the TLB tag for `access`. Returns host address or NEG_*. */
export function translate(cpu: usize, lin: u64, access: i32): i64 {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode >= S.MODE_LONG64 && mode <= S.MODE_COMPAT32) {
    if ((<i64>(lin << 16) >> 16) != <i64>lin) {
      raise(cpu, load<i32>(cpu, S.CPU_OFF_ACCESS_SEG) == S.SEG_SS ? S.EXC_SS : S.EXC_GP, 0);
      return NEG_FAULT;
    }
  } else {
    lin &= 0xFFFF_FFFF;
  }
  const user = load<u64>(cpu, S.CPU_OFF_TLB_USER) != 0;
  let gpa: i64;
  if (load<u64>(cpu, S.CPU_OFF_CR0) & 0x8000_0000) {
    gpa = walk(cpu, lin, access, user);
    if (gpa < 0) return NEG_FAULT;
  } else {
    gpa = <i64>lin;
  }
  const vm = load<usize>(cpu, S.CPU_OFF_VM);
  const page = <u64>gpa & ~<u64>0xFFF;
  const h = eptTranslate(vm, page, access);
  if (h < 0) {
    store<u64>(cpu, <u64>gpa, S.CPU_OFF_EXIT_ADDR);
    if (h == -1) return NEG_MMIO;
    if (h == -3) return NEG_ROM;
    store<u64>(cpu, <u64>gpa, S.CPU_OFF_EXIT_ADDR);
    internalError(cpu, S.INTERNAL_HOST_OOM);
    return NEG_FAULT;
  }
  // Fill. A new addend invalidates the other tags of the entry (they may name the old frame).
  const e = tlbEntry(cpu, lin);
  const tag = (lin & ~<u64>0xFFF) | (user ? 1 : 0);
  const addend = <u64>h - (lin & ~<u64>0xFFF);
  if (load<u64>(e, S.TLB_ADDEND) != addend) {
    store<u64>(e, S.TLB_INVALID, S.TLB_TAG_R);
    store<u64>(e, S.TLB_INVALID, S.TLB_TAG_W);
    store<u64>(e, S.TLB_INVALID, S.TLB_TAG_X);
    store<u64>(e, addend, S.TLB_ADDEND);
  }
  if (access == ACC_W) { store<u64>(e, tag | (isCodeFrame(cpu, <u64>h) ? TLB_CODE : 0), S.TLB_TAG_W); store<u64>(e, tag, S.TLB_TAG_R); }
  else if (access == ACC_R) store<u64>(e, tag, S.TLB_TAG_R);
  else store<u64>(e, tag, S.TLB_TAG_X);
  return h + <i64>(lin & 0xFFF);
}

// ---- reads

/** The tag a hit must carry for an access of n bytes at lin: the page of its last byte, so an
 *  access across the page end never hits (its last page maps to another TLB entry). */
@inline function hitTag(cpu: usize, lin: u64, n: u64): u64 {
  return ((lin + n - 1) & ~<u64>0xFFF) | load<u64>(cpu, S.CPU_OFF_TLB_USER);
}

@inline export function readMem<T>(cpu: usize, lin: u64): T {
  const e = tlbEntry(cpu, lin);
  if (load<u64>(e, S.TLB_TAG_R) == hitTag(cpu, lin, sizeof<T>())) {
    return load<T>(<usize>(lin + load<u64>(e, S.TLB_ADDEND)));
  }
  return <T>readSlow(cpu, lin, <i32>sizeof<T>());
}

/** Read of n bytes (1..8) at lin, any alignment; on fault returns 0 with FAULT set. */
export function readSlow(cpu: usize, lin: u64, n: i32): u64 {
  const first = 4096 - <i32>(lin & 0xFFF);
  if (first >= n) {
    const h = translate(cpu, lin, ACC_R);
    if (h >= 0) return loadN(<usize>h, n);
    if (h == NEG_MMIO) return mmioRead(cpu, n);
    return 0;
  }
  const h1 = translate(cpu, lin, ACC_R);
  if (h1 < 0) { if (h1 == NEG_MMIO) internalError(cpu, S.INTERNAL_UNSUPPORTED); return 0; }
  const h2 = translate(cpu, lin + <u64>first, ACC_R);
  if (h2 < 0) { if (h2 == NEG_MMIO) internalError(cpu, S.INTERNAL_UNSUPPORTED); return 0; }
  let v: u64 = 0;
  for (let i = 0; i < n; i++) {
    const b = i < first ? load<u8>(<usize>h1 + i) : load<u8>(<usize>h2 + (i - first));
    v |= <u64>b << (<u64>i * 8);
  }
  return v;
}

@inline function loadN(h: usize, n: i32): u64 {
  if (n == 1) return load<u8>(h);
  if (n == 2) return load<u16>(h);
  if (n == 4) return load<u32>(h);
  return load<u64>(h);
}

/** MMIO read: consume the VMM's data if this is the re-execution, else exit (instruction not retired). */
function mmioRead(cpu: usize, n: i32): u64 {
  if (load<i32>(cpu, S.CPU_OFF_IO_READY)) {
    store<i32>(cpu, 0, S.CPU_OFF_IO_READY);
    const v = load<u64>(cpu, S.CPU_OFF_IO_DATA);
    return n == 8 ? v : v & ((<u64>1 << (<u64>n * 8)) - 1);
  }
  store<i32>(cpu, n, S.CPU_OFF_EXIT_SIZE);
  store<i32>(cpu, 0, S.CPU_OFF_EXIT_DIRECTION);
  store<i32>(cpu, 1, S.CPU_OFF_EXIT_COUNT);
  exitBefore(cpu, S.CPU_EXIT_MMIO);
  return 0;
}

// ---- writes

@inline export function writeMem<T>(cpu: usize, lin: u64, v: T): void {
  const e = tlbEntry(cpu, lin);
  if (load<u64>(e, S.TLB_TAG_W) == hitTag(cpu, lin, sizeof<T>())) {
    store<T>(<usize>(lin + load<u64>(e, S.TLB_ADDEND)), v);
    return;
  }
  writeSlow(cpu, lin, <u64>v, <i32>sizeof<T>());
}

/** Write of n bytes at lin; both pages are checked before any byte is written. */
export function writeSlow(cpu: usize, lin: u64, v: u64, n: i32): void {
  // A frame in the code map (cpu/codemap.ts): the mapping is cached, the write must be noted.
  const e = tlbEntry(cpu, lin);
  if (load<u64>(e, S.TLB_TAG_W) == (hitTag(cpu, lin, <u64>n) | TLB_CODE)) {
    const hc = lin + load<u64>(e, S.TLB_ADDEND);
    storeN(<usize>hc, v, n);
    codeWritten(cpu, hc);
    return;
  }
  const first = 4096 - <i32>(lin & 0xFFF);
  if (first >= n) {
    const h = translate(cpu, lin, ACC_W);
    if (h >= 0) { storeN(<usize>h, v, n); noteWrite(cpu, <u64>h); return; }
    if (h == NEG_MMIO) mmioWrite(cpu, v, n);
    return;
  }
  const h1 = translate(cpu, lin, ACC_W);
  if (h1 == NEG_FAULT) return;
  const h2 = translate(cpu, lin + <u64>first, ACC_W);
  if (h2 == NEG_FAULT) return;
  if (h1 == NEG_MMIO || h2 == NEG_MMIO) { internalError(cpu, S.INTERNAL_UNSUPPORTED); return; }
  for (let i = 0; i < n; i++) {
    const b = <u8>(v >> (<u64>i * 8));
    if (i < first) { if (h1 >= 0) store<u8>(<usize>h1 + i, b); }
    else if (h2 >= 0) store<u8>(<usize>h2 + (i - first), b);
  }
  if (h1 >= 0) noteWrite(cpu, <u64>h1);
  if (h2 >= 0) noteWrite(cpu, <u64>h2);
}

@inline function storeN(h: usize, v: u64, n: i32): void {
  if (n == 1) store<u8>(h, <u8>v);
  else if (n == 2) store<u16>(h, <u16>v);
  else if (n == 4) store<u32>(h, <u32>v);
  else store<u64>(h, v);
}

function mmioWrite(cpu: usize, v: u64, n: i32): void {
  if ((load<i32>(cpu, S.CPU_OFF_FAULT) & ~S.FAULT_SMC) != 0) { internalError(cpu, S.INTERNAL_UNSUPPORTED); return; } // a second MMIO access
  store<u64>(cpu, v, S.CPU_OFF_EXIT_DATA);
  store<i32>(cpu, n, S.CPU_OFF_EXIT_SIZE);
  store<i32>(cpu, 1, S.CPU_OFF_EXIT_DIRECTION);
  store<i32>(cpu, 1, S.CPU_OFF_EXIT_COUNT);
  exitAfter(cpu, S.CPU_EXIT_MMIO);
}

/** Probes that n bytes at lin are writable (fills the TLB); false with FAULT set otherwise. */
export function probeWrite(cpu: usize, lin: u64, n: i32): bool {
  const e = tlbEntry(cpu, lin);
  if ((load<u64>(e, S.TLB_TAG_W) & ~TLB_CODE) == hitTag(cpu, lin, <u64>n)) return true;
  const first = 4096 - <i32>(lin & 0xFFF);
  if (translate(cpu, lin, ACC_W) == NEG_FAULT) return false;
  if (first < n && translate(cpu, lin + <u64>first, ACC_W) == NEG_FAULT) return false;
  return true;
}

// ---- bulk access (REP MOVS / REP STOS, cpu/ops/stringfast.ts)

/**
 * Host address of the byte at lin for an access of `access` (ACC_R or ACC_W) that stays inside
 * lin's page: a TLB hit, else translate (which fills the TLB, raises faults, returns NEG_MMIO for
 * MMIO and NEG_ROM for a ROM write). The write tag is taken whether or not it carries TLB_CODE: the
 * caller notes its writes with noteWriteRange (cpu/codemap.ts), as writeSlow does.
 */
export function pageHost(cpu: usize, lin: u64, access: i32): i64 {
  const e = tlbEntry(cpu, lin);
  const tag = (lin & ~<u64>0xFFF) | load<u64>(cpu, S.CPU_OFF_TLB_USER);
  const hit = access == ACC_W ? (load<u64>(e, S.TLB_TAG_W) & ~TLB_CODE) == tag : load<u64>(e, S.TLB_TAG_R) == tag;
  if (hit) return <i64>(lin + load<u64>(e, S.TLB_ADDEND));
  return translate(cpu, lin, access);
}

// ---- instruction fetch

/**
 * Host address of the code bytes at lin and how many are readable there (written to
 * CPU_OFF_FETCH_VALID). Near a page end the bytes are copied to CPU_OFF_FETCHBUF so the decoder
 * sees one run; if the next page cannot be fetched, FETCH_VALID stops at the page end and
 * FETCH_FAULT_ADDR names the page, to be faulted only if the instruction really extends there.
 */
export function fetchPtr(cpu: usize, lin: u64): usize {
  const h = fetchHost(cpu, lin);
  if (h == 0) return 0;
  const left = 4096 - <i32>(lin & 0xFFF);
  if (left >= 15) { store<i32>(cpu, 15, S.CPU_OFF_FETCH_VALID); return h; }
  const buf = cpu + S.CPU_OFF_FETCHBUF;
  memory.copy(buf, h, <usize>left);
  const next = lin + <u64>left;
  const cr2 = load<u64>(cpu, S.CPU_OFF_CR2);
  const t2 = translate(cpu, next, ACC_X);
  if (t2 < 0) {
    // Not a fault yet: the decoder may not need these bytes. Undo what translate raised.
    store<i32>(cpu, 0, S.CPU_OFF_FAULT);
    store<u64>(cpu, cr2, S.CPU_OFF_CR2);
    store<i32>(cpu, left, S.CPU_OFF_FETCH_VALID);
    store<u64>(cpu, next, S.CPU_OFF_FETCH_FAULT_ADDR);
    return buf;
  }
  memory.copy(buf + <usize>left, <usize>t2, <usize>(15 - left));
  store<i32>(cpu, 15, S.CPU_OFF_FETCH_VALID);
  return buf;
}

/** Host address of the code byte at lin (execute TLB, else a walk that fills it); 0 with FAULT set. */
export function fetchHost(cpu: usize, lin: u64): usize {
  const e = tlbEntry(cpu, lin);
  if (load<u64>(e, S.TLB_TAG_X) == ((lin & ~<u64>0xFFF) | load<u64>(cpu, S.CPU_OFF_TLB_USER))) {
    return <usize>(lin + load<u64>(e, S.TLB_ADDEND));
  }
  const t = translate(cpu, lin, ACC_X);
  if (t < 0) { if (t == NEG_MMIO) internalError(cpu, S.INTERNAL_UNSUPPORTED); return 0; }
  return <usize>t;
}

/** The fetch of FETCH_FAULT_ADDR was needed: raise its fault for real. */
export function fetchFault(cpu: usize): void {
  const t = translate(cpu, load<u64>(cpu, S.CPU_OFF_FETCH_FAULT_ADDR), ACC_X);
  if (t >= 0 || load<i32>(cpu, S.CPU_OFF_FAULT) == 0) internalError(cpu, S.INTERNAL_UNSUPPORTED);
}

/** Flush when the EPT changed under the TLB. */
@inline export function tlbCheckGeneration(cpu: usize): void {
  if (eptGeneration(load<usize>(cpu, S.CPU_OFF_VM)) != load<u32>(cpu, S.CPU_OFF_EPT_GEN)) tlbFlush(cpu);
}
