// cpu/segment.ts — descriptor tables and segment-register loads (SDM vol. 3A 3.4-3.5 descriptor
// format, 5.5-5.8 privilege checks). System-structure reads are supervisor accesses whatever the
// CPL (sysRead). A descriptor is returned as its 8-byte image; loadSegCache expands it into the
// hidden part (attr = access byte | flags nibble << 8, limit scaled by G).
import * as S from './state';
import { raise, aborted } from './except';
import { readMem, writeMem } from './mmu';
import { updateMode, updateSegBase } from './mode';

/** Reads T at lin as a supervisor access (implicit system-structure access). */
export function sysRead<T>(cpu: usize, lin: u64): T {
  const u = load<u64>(cpu, S.CPU_OFF_TLB_USER);
  store<u64>(cpu, 0, S.CPU_OFF_TLB_USER);
  const v = readMem<T>(cpu, lin);
  store<u64>(cpu, u, S.CPU_OFF_TLB_USER);
  return v;
}

export function sysWrite<T>(cpu: usize, lin: u64, v: T): void {
  const u = load<u64>(cpu, S.CPU_OFF_TLB_USER);
  store<u64>(cpu, 0, S.CPU_OFF_TLB_USER);
  writeMem<T>(cpu, lin, v);
  store<u64>(cpu, u, S.CPU_OFF_TLB_USER);
}

@inline export function segPtr(cpu: usize, seg: i32): usize { return cpu + S.CPU_OFF_SEG + <usize>seg * 16; }

/** The descriptor for selector (GDT or LDT); raises #GP(selector) if outside the table. */
export function readDescriptor(cpu: usize, selector: u32, exc: i32): u64 {
  const idx = <u64>(selector & ~7);
  let base: u64; let limit: u64;
  if (selector & 4) {
    const l = segPtr(cpu, S.SEG_LDTR);
    base = load<u64>(l, S.SEG_BASE); limit = <u64>load<u32>(l, S.SEG_LIMIT);
    if ((load<u16>(l, S.SEG_ATTR) & 0x80) == 0) { raise(cpu, exc, <i32>(selector & 0xFFFC)); return 0; }
  } else {
    base = load<u64>(cpu, S.CPU_OFF_GDTR_BASE); limit = load<u64>(cpu, S.CPU_OFF_GDTR_LIMIT);
  }
  if (idx + 7 > limit) { raise(cpu, exc, <i32>(selector & 0xFFFC)); return 0; }
  return sysRead<u64>(cpu, base + idx);
}

@inline export function descBase(d: u64): u64 { return ((d >> 16) & 0xFF_FFFF) | (((d >> 56) & 0xFF) << 24); }
@inline export function descLimit(d: u64): u32 {
  const l = <u32>((d & 0xFFFF) | (((d >> 48) & 0xF) << 16));
  return (d & (<u64>1 << 55)) ? (l << 12) | 0xFFF : l;
}
@inline export function descAttr(d: u64): u16 { return <u16>(((d >> 40) & 0xFF) | (((d >> 52) & 0xF) << 12)); }
@inline export function descDpl(d: u64): i32 { return <i32>((d >> 45) & 3); }
@inline export function descPresent(d: u64): bool { return (d & (<u64>1 << 47)) != 0; }

/** Loads the hidden part of seg from descriptor d (sets the accessed bit in memory if clear). */
export function loadSegCache(cpu: usize, seg: i32, selector: u32, d: u64): void {
  const p = segPtr(cpu, seg);
  store<u16>(p, <u16>selector, S.SEG_SELECTOR);
  store<u16>(p, descAttr(d), S.SEG_ATTR);
  store<u32>(p, descLimit(d), S.SEG_LIMIT);
  store<u64>(p, descBase(d), S.SEG_BASE); // a descriptor load replaces the whole base (FS/GS too)
  if (seg == S.SEG_CS) updateMode(cpu); else updateSegBase(cpu, seg);
}

/** A null selector in SS/DS/ES/FS/GS (allowed except SS outside 64-bit mode at CPL 3). */
export function loadNullSeg(cpu: usize, seg: i32, selector: u32): void {
  const p = segPtr(cpu, seg);
  store<u16>(p, <u16>selector, S.SEG_SELECTOR);
  store<u16>(p, 0, S.SEG_ATTR);
  store<u32>(p, 0, S.SEG_LIMIT);
  store<u64>(p, 0, S.SEG_BASE);
  updateSegBase(cpu, seg);
}

/** Real-mode / virtual-8086 load: base = selector << 4, the rest unchanged. */
export function loadRealSeg(cpu: usize, seg: i32, selector: u32): void {
  const p = segPtr(cpu, seg);
  store<u16>(p, <u16>selector, S.SEG_SELECTOR);
  store<u64>(p, <u64>(selector & 0xFFFF) << 4, S.SEG_BASE);
  if (seg == S.SEG_CS) updateMode(cpu); else updateSegBase(cpu, seg);
}

/**
 * MOV/POP to a data segment register or SS with the protected-mode checks (SDM MOV, 5.7):
 * #GP(sel) for a bad type/privilege, #NP(sel) (or #SS for SS) when not present.
 */
export function loadDataSeg(cpu: usize, seg: i32, selector: u32): bool {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode == S.MODE_REAL || mode == S.MODE_VM86) { loadRealSeg(cpu, seg, selector); return true; }
  const cpl = load<i32>(cpu, S.CPU_OFF_CPL);
  if ((selector & 0xFFFC) == 0) {
    if (seg == S.SEG_SS && (mode != S.MODE_LONG64 || cpl == 3 || <i32>(selector & 3) != cpl)) { raise(cpu, S.EXC_GP, 0); return false; }
    loadNullSeg(cpu, seg, selector);
    return true;
  }
  const d = readDescriptor(cpu, selector, S.EXC_GP);
  if (aborted(cpu)) return false;
  const type = <u32>((d >> 40) & 0x1F);
  const rpl = <i32>(selector & 3);
  const dpl = descDpl(d);
  if (seg == S.SEG_SS) {
    if (rpl != cpl || dpl != cpl || (type & 0x1A) != 0x12) { raise(cpu, S.EXC_GP, <i32>(selector & 0xFFFC)); return false; }
    if (!descPresent(d)) { raise(cpu, S.EXC_SS, <i32>(selector & 0xFFFC)); return false; }
  } else {
    // data, or readable code; non-conforming needs max(CPL, RPL) <= DPL
    if ((type & 0x10) == 0 || (type & 0x0A) == 0x08) { raise(cpu, S.EXC_GP, <i32>(selector & 0xFFFC)); return false; }
    if ((type & 0x0C) != 0x0C && (rpl > dpl || cpl > dpl)) { raise(cpu, S.EXC_GP, <i32>(selector & 0xFFFC)); return false; }
    if (!descPresent(d)) { raise(cpu, S.EXC_NP, <i32>(selector & 0xFFFC)); return false; }
  }
  loadSegCache(cpu, seg, selector, d);
  return true;
}
