// cpu/ops/stringfast.ts — the bulk path of REP MOVS and REP STOS going forward (DF = 0): the
// "fast-string operation" of SDM vol. 1 7.3.9.3, with results that equal the element loop of
// cpu/ops/string.ts exactly. One step moves the whole elements that fit before the source or the
// destination page ends (and within RCX, the caller's byte budget, and the address size: no
// rSI/rDI wrap inside a step) with one memory.copy / memory.fill, then advances rSI, rDI and rCX.
// Invariants, each the element loop's:
// - The source is translated for reading, then the destination for writing, through the TLB or
//   translate (cpu/mmu.ts pageHost): same walks, A/D bits, EPT first-write (COW, dirty log) and
//   the same fault, raised before anything of the step is written, with the registers naming the
//   first element of the step (restartable). MMIO, a ROM write, and an element across a page end
//   return 0: the caller runs that element through the element loop.
// - Each step starts with a TLB that matches the EPT generation, and a destination translation
//   that moved it (a COW copy of a frame the source may share) flushes the TLB and translates the
//   source again, so no step reads a frame the guest's mapping has left.
// - Writes into code frames are noted once per step for the whole range (noteWriteRange):
//   cached blocks are checked again, and a write into the running block sets FAULT_SMC.
// - Overlap: a destination ahead of its source in the same frame (0 < dst - src < step bytes)
//   is what memmove would get wrong; the step is cut to dst - src bytes, which copies exactly
//   as element by element does (a distance below one element: 0, the element loop).
import * as S from '../state';
import { pageHost, tlbCheckGeneration, tlbFlush } from '../mmu';
import { ACC_R, ACC_W } from '../walk';
import { noteWriteRange } from '../codemap';
import { eptGeneration } from '../hvlink';
import { segLinear } from '../operand';

/** At most k elements of `size` bytes from ea fit below the address-size end m (no wrap). */
@inline function noWrap(ea: u64, m: u64, size: u64, k: u64): u64 {
  const room = m - ea; // bytes after the first one
  if (room >= k * size - 1) return k;
  return (room + 1) / size; // room < 4095 here: no overflow
}

/** rSI/rDI/rCX += by, at address size m (a 32-bit result zero-extends, a 16-bit one merges);
 *  the element loop of cpu/ops/string.ts advances with it too. */
@inline export function advanceBy(cpu: usize, off: usize, m: u64, by: u64): void {
  const v = load<u64>(cpu + off);
  const n = (v + by) & m;
  store<u64>(cpu + off, m == 0xFFFF_FFFF ? n : (v & ~m) | n);
}

/** Elements that fit the step: before both page ends, within count and maxBytes, no wrap. */
@inline function stepElements(sl: u64, si: u64, dl: u64, di: u64, m: u64, count: u64, size: u64, maxBytes: u64): u64 {
  let room = <u64>4096 - (dl & 0xFFF);
  const sroom = <u64>4096 - (sl & 0xFFF);
  if (sroom < room) room = sroom;
  if (maxBytes < room) room = maxBytes;
  let k = room / size;
  if (count < k) k = count;
  if (k == 0) return 0;
  k = noWrap(si, m, size, k);
  if (k == 0) return 0;
  return noWrap(di, m, size, k);
}

/**
 * One bulk step of REP MOVS (forward): returns the elements moved, 0 if the caller must run one
 * element the slow way (or if a fault was raised: FAULT is set, nothing changed).
 */
export function movsBulk(cpu: usize, seg: i32, m: u64, count: u64, size: u64, maxBytes: u64): u64 {
  const si = load<u64>(cpu, S.CPU_OFF_RSI) & m;
  const di = load<u64>(cpu, S.CPU_OFF_RDI) & m;
  const dl = segLinear(cpu, S.SEG_ES, di);
  const sl = segLinear(cpu, seg, si); // last: the source is translated first (#SS vs #GP)
  let k = stepElements(sl, si, dl, di, m, count, size, maxBytes);
  if (k == 0) return 0;
  tlbCheckGeneration(cpu); // a COW copy in an earlier step left other entries stale
  let hs = pageHost(cpu, sl, ACC_R);
  if (hs < 0) return 0;
  store<i32>(cpu, S.SEG_ES, S.CPU_OFF_ACCESS_SEG);
  const hd = pageHost(cpu, dl, ACC_W);
  if (hd < 0) return 0;
  if (eptGeneration(load<usize>(cpu, S.CPU_OFF_VM)) != load<u32>(cpu, S.CPU_OFF_EPT_GEN)) {
    tlbFlush(cpu); // the write copied a frame (COW) that the source may be reading
    store<i32>(cpu, seg, S.CPU_OFF_ACCESS_SEG);
    hs = pageHost(cpu, sl, ACC_R);
    if (hs < 0) return 0;
  }
  let bytes = k * size;
  const dist = <u64>(hd - hs);
  if (dist != 0 && dist < bytes) { // destination ahead of the source inside this step
    if (dist < size) return 0;
    k = dist / size;
    bytes = k * size;
  }
  memory.copy(<usize>hd, <usize>hs, <usize>bytes);
  noteWriteRange(cpu, <u64>hd, bytes);
  advanceBy(cpu, S.CPU_OFF_RSI, m, bytes);
  advanceBy(cpu, S.CPU_OFF_RDI, m, bytes);
  advanceBy(cpu, S.CPU_OFF_RCX, m, <u64>(-<i64>k));
  return k;
}

/** One bulk step of REP STOS (forward) of the low `size` bytes of RAX; as movsBulk. */
export function stosBulk(cpu: usize, m: u64, count: u64, size: u64, maxBytes: u64): u64 {
  const di = load<u64>(cpu, S.CPU_OFF_RDI) & m;
  const dl = segLinear(cpu, S.SEG_ES, di);
  const k = stepElements(dl, di, dl, di, m, count, size, maxBytes);
  if (k == 0) return 0;
  tlbCheckGeneration(cpu);
  const hd = pageHost(cpu, dl, ACC_W);
  if (hd < 0) return 0;
  const bytes = k * size;
  fillPattern(<usize>hd, load<u64>(cpu, S.CPU_OFF_RAX), size, bytes);
  noteWriteRange(cpu, <u64>hd, bytes);
  advanceBy(cpu, S.CPU_OFF_RDI, m, bytes);
  advanceBy(cpu, S.CPU_OFF_RCX, m, <u64>(-<i64>k));
  return k;
}

/** Stores the low `size` bytes of v over [h, h + bytes) (bytes a multiple of size). */
function fillPattern(h: usize, v: u64, size: u64, bytes: u64): void {
  const b = v & 0xFF;
  const mask = size == 8 ? <u64>-1 : (<u64>1 << (size * 8)) - 1;
  if ((v & mask) == ((b * 0x0101_0101_0101_0101) & mask)) { memory.fill(h, <u8>b, <usize>bytes); return; }
  const end = h + <usize>bytes;
  if (size == 2) { for (let p = h; p < end; p += 2) store<u16>(p, <u16>v); }
  else if (size == 4) { for (let p = h; p < end; p += 4) store<u32>(p, <u32>v); }
  else { for (let p = h; p < end; p += 8) store<u64>(p, v); }
}
