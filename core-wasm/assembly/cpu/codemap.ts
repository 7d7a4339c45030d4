// cpu/codemap.ts — this vCPU's view of which host frames hold code its block cache decoded
// (cpu/block.ts), and the code epoch that says when cached blocks must be checked again.
// The code map is a bitmap hashed by host frame number (a set bit may be a false positive: it only
// sends that frame's writes down the slow path). A TLB write tag of a frame in the map carries
// TLB_CODE, so the write fast path misses and the MMU's slow path calls codeWritten after the
// store (cpu/mmu.ts); a bulk REP MOVS/STOS step notes its whole range (noteWriteRange). The code
// epoch (CPU_OFF_CODE_EPOCH) moves on every event after which a cached block may no longer match
// memory or its mapping: a write by this vCPU into a code frame,
// any TLB flush, the start of cpu_execute (the VMM, DMA or another vCPU may have written memory),
// exception and interrupt delivery and system instructions (the serialization the SDM requires
// before cross-modified code runs: vol. 3A 9.1.3 "Handling self- and cross-modifying code").
// Invariant: a block validated in the current epoch at the current host address matches memory.
import * as S from './state';

export const CODEMAP_BITS: usize = 32768;   // CPU_OFF_CODEMAP holds CODEMAP_BITS / 8 bytes
export const TLB_CODE: u64 = 2;             // in a TLB write tag: the frame is in the code map

@inline function bitOf(h: u64): usize { return <usize>((h >> 12) & <u64>(CODEMAP_BITS - 1)); }

@inline export function isCodeFrame(cpu: usize, h: u64): bool {
  const b = bitOf(h);
  return (load<u8>(cpu + S.CPU_OFF_CODEMAP + (b >> 3)) & (<u8>1 << <u8>(b & 7))) != 0;
}

@inline export function bumpCodeEpoch(cpu: usize): void {
  store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_CODE_EPOCH) + 1, S.CPU_OFF_CODE_EPOCH);
}

/** Adds the frame at host address h to the map; write tags already filled for it lose their fast path. */
export function markCodeFrame(cpu: usize, h: u64): void {
  const b = bitOf(h);
  const a = cpu + S.CPU_OFF_CODEMAP + (b >> 3);
  const m = <u8>1 << <u8>(b & 7);
  const v = load<u8>(a);
  if (v & m) return;
  store<u8>(a, v | m);
  const t = cpu + S.CPU_OFF_TLB;
  for (let i: usize = 0; i < S.TLB_ENTRIES; i++) {
    const e = t + i * S.TLB_ENTRY_SIZE;
    const w = load<u64>(e, S.TLB_TAG_W);
    if ((w & TLB_CODE) == 0 && bitOf((w & ~<u64>0xFFF) + load<u64>(e, S.TLB_ADDEND)) == b) store<u64>(e, w | TLB_CODE, S.TLB_TAG_W);
  }
}

/** This vCPU wrote at host address h (at most 8 bytes) of a frame in the code map. */
export function codeWritten(cpu: usize, h: u64): void {
  bumpCodeEpoch(cpu);
  // Into the running block's own bytes: end the block after this instruction.
  if (h - load<u64>(cpu, S.CPU_OFF_SMC_LO) < load<u64>(cpu, S.CPU_OFF_SMC_LEN)) {
    store<i32>(cpu, load<i32>(cpu, S.CPU_OFF_FAULT) | S.FAULT_SMC, S.CPU_OFF_FAULT);
  }
}

/** The write at host address h may have hit a code frame (slow paths: after the store). */
@inline export function noteWrite(cpu: usize, h: u64): void {
  if (isCodeFrame(cpu, h)) codeWritten(cpu, h);
}

/** This vCPU wrote the n bytes at host address h, all in one frame (bulk REP MOVS/STOS, after the
 *  store): like noteWrite, but the whole range is compared with the running block's bytes. */
export function noteWriteRange(cpu: usize, h: u64, n: u64): void {
  if (!isCodeFrame(cpu, h)) return;
  bumpCodeEpoch(cpu);
  const lo = load<u64>(cpu, S.CPU_OFF_SMC_LO);
  const len = load<u64>(cpu, S.CPU_OFF_SMC_LEN);
  if (len != 0 && (h - lo < len || lo - h < n)) {
    store<i32>(cpu, load<i32>(cpu, S.CPU_OFF_FAULT) | S.FAULT_SMC, S.CPU_OFF_FAULT);
  }
}
