// cpu/ops/privileged.ts — CPUID, RDTSC/RDTSCP, RDMSR/WRMSR, RDPMC, MOV to/from CR and DR, CLTS,
// INVD/WBINVD, INVLPG, LGDT/LIDT/SGDT/SIDT, LLDT/LTR/SLDT/STR, LMSW/SMSW (SDM vol. 2; vol. 3A
// 2.5 control registers, 4.10.4 TLB invalidation). CPL-0-only forms raise #GP(0) elsewhere.
import * as S from '../state';
import * as D from '../decoded';
import { raise, aborted } from '../except';
import { readMem, writeMem, tlbFlush, tlbFlushPage } from '../mmu';
import { regRead, regWrite, rmOff, isMem, linear, readE, writeE } from '../operand';
import { updateMode } from '../mode';
import { cpuid as cpuidLeaf } from '../cpuid';
import { msrRead, msrWrite } from '../msr';
import { readDescriptor, loadSegCache, segPtr, sysRead, sysWrite, descPresent } from '../segment';
import { tscRead } from '../hvlink';

@inline function cpl0(cpu: usize): bool {
  if (load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return false; }
  return true;
}

export function cpuid<T>(cpu: usize, d: usize): void {
  cpuidLeaf(cpu, load<u32>(cpu, S.CPU_OFF_RAX), load<u32>(cpu, S.CPU_OFF_RCX));
}

function readTsc(cpu: usize): bool {
  if ((load<u64>(cpu, S.CPU_OFF_CR4) & 4) != 0 && load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return false; }
  const t = tscRead(cpu);
  store<u64>(cpu, t & 0xFFFF_FFFF, S.CPU_OFF_RAX);
  store<u64>(cpu, t >> 32, S.CPU_OFF_RDX);
  return true;
}

export function rdtsc<T>(cpu: usize, d: usize): void { readTsc(cpu); }
export function rdtscp<T>(cpu: usize, d: usize): void {
  if (readTsc(cpu)) store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_TSC_AUX) & 0xFFFF_FFFF, S.CPU_OFF_RCX);
}

export function rdmsr<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  const out = cpu + S.CPU_OFF_WALK;
  if (!msrRead(cpu, load<u32>(cpu, S.CPU_OFF_RCX), out)) { raise(cpu, S.EXC_GP, 0); return; }
  const v = load<u64>(out);
  store<u64>(cpu, v & 0xFFFF_FFFF, S.CPU_OFF_RAX);
  store<u64>(cpu, v >> 32, S.CPU_OFF_RDX);
}

export function wrmsr<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  const v = (<u64>load<u32>(cpu, S.CPU_OFF_RDX) << 32) | <u64>load<u32>(cpu, S.CPU_OFF_RAX);
  if (!msrWrite(cpu, load<u32>(cpu, S.CPU_OFF_RCX), v)) raise(cpu, S.EXC_GP, 0);
}

/** RDPMC: no performance counters are offered: #GP(0). */
export function rdpmc<T>(cpu: usize, d: usize): void { raise(cpu, S.EXC_GP, 0); }

export function clts<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_CR0) & ~<u64>8, S.CPU_OFF_CR0);
}

export function invd<T>(cpu: usize, d: usize): void { cpl0(cpu); }

export function invlpg<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  tlbFlushPage(cpu, linear(cpu, d));
}

/** CR numbers: 0 2 3 4 8 (8 only in 64-bit mode); others #UD. */
@inline function crValid(cpu: usize, n: u32): bool {
  return n == 0 || n == 2 || n == 3 || n == 4 || (n == 8 && load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_LONG64);
}

export function mov_RC<T>(cpu: usize, d: usize): void {
  const n = <u32>load<u8>(d, D.D_REGNUM);
  if (!crValid(cpu, n)) { raise(cpu, S.EXC_UD, -1); return; }
  if (!cpl0(cpu)) return;
  const v = n == 0 ? load<u64>(cpu, S.CPU_OFF_CR0) : n == 2 ? load<u64>(cpu, S.CPU_OFF_CR2) : n == 3 ? load<u64>(cpu, S.CPU_OFF_CR3)
    : n == 4 ? load<u64>(cpu, S.CPU_OFF_CR4) : load<u64>(cpu, S.CPU_OFF_CR8);
  regWrite<T>(cpu, rmOff(d), <T>v);
}

export function mov_CR<T>(cpu: usize, d: usize): void {
  const n = <u32>load<u8>(d, D.D_REGNUM);
  if (!crValid(cpu, n)) { raise(cpu, S.EXC_UD, -1); return; }
  if (!cpl0(cpu)) return;
  let v = <u64>regRead<T>(cpu, rmOff(d));
  if (n == 0) {
    v |= 0x10; // ET is hardwired
    if ((v >> 32) != 0 || ((v & 0x8000_0000) != 0 && (v & 1) == 0) || ((v & 0x2000_0000) != 0 && (v & 0x4000_0000) == 0)) { raise(cpu, S.EXC_GP, 0); return; }
    let efer = load<u64>(cpu, S.CPU_OFF_EFER);
    if ((v & 0x8000_0000) != 0 && (efer & 0x100) != 0) {
      if ((load<u64>(cpu, S.CPU_OFF_CR4) & 0x20) == 0) { raise(cpu, S.EXC_GP, 0); return; }
      efer |= 0x400;
    } else if ((v & 0x8000_0000) == 0) efer &= ~<u64>0x400;
    store<u64>(cpu, efer, S.CPU_OFF_EFER);
    store<u64>(cpu, v, S.CPU_OFF_CR0);
    updateMode(cpu); tlbFlush(cpu);
  } else if (n == 2) store<u64>(cpu, v, S.CPU_OFF_CR2);
  else if (n == 3) { store<u64>(cpu, v & 0x000F_FFFF_FFFF_FFFF, S.CPU_OFF_CR3); tlbFlush(cpu); }
  else if (n == 4) {
    if ((v & ~<u64>0x3767FF) != 0) { raise(cpu, S.EXC_GP, 0); return; }
    if ((load<u64>(cpu, S.CPU_OFF_EFER) & 0x400) != 0 && (v & 0x20) == 0) { raise(cpu, S.EXC_GP, 0); return; }
    store<u64>(cpu, v, S.CPU_OFF_CR4); tlbFlush(cpu);
  } else {
    if (v > 15) { raise(cpu, S.EXC_GP, 0); return; }
    store<u64>(cpu, v, S.CPU_OFF_CR8);
  }
}

export function mov_RD<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  let n = <u32>load<u8>(d, D.D_REGNUM);
  if (n >= 8) { raise(cpu, S.EXC_UD, -1); return; }
  if (n == 4 || n == 5) n += 2;
  regWrite<T>(cpu, rmOff(d), <T>load<u64>(cpu + S.CPU_OFF_DR + (<usize>n << 3)));
}

export function mov_DR<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  let n = <u32>load<u8>(d, D.D_REGNUM);
  if (n >= 8) { raise(cpu, S.EXC_UD, -1); return; }
  if (n == 4 || n == 5) n += 2;
  let v = <u64>regRead<T>(cpu, rmOff(d));
  if (n == 6) v = (v & 0xE00F) | 0xFFFF_0FF0;
  if (n == 7) v = (v & 0xFFFF_2BFF) | 0x400;
  store<u64>(cpu + S.CPU_OFF_DR + (<usize>n << 3), v);
}

/** SGDT/SIDT store limit (2 bytes) and base (8 in 64-bit mode, else 4). */
function storeTable(cpu: usize, d: usize, off: usize): void {
  const lin = linear(cpu, d);
  const m64 = load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_LONG64;
  writeMem<u16>(cpu, lin, <u16>load<u64>(cpu + off + 8));
  if (aborted(cpu)) return;
  if (m64) writeMem<u64>(cpu, lin + 2, load<u64>(cpu + off));
  else writeMem<u32>(cpu, lin + 2, <u32>load<u64>(cpu + off));
}

function loadTable(cpu: usize, d: usize, off: usize): void {
  if (!cpl0(cpu)) return;
  const lin = linear(cpu, d);
  const m64 = load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_LONG64;
  const limit = readMem<u16>(cpu, lin);
  let base: u64 = m64 ? readMem<u64>(cpu, lin + 2) : <u64>readMem<u32>(cpu, lin + 2);
  if (aborted(cpu)) return;
  if (!m64 && load<u8>(d, D.D_OSIZE) == 2) base &= 0xFF_FFFF;
  store<u64>(cpu + off, base);
  store<u64>(cpu + off + 8, <u64>limit);
}

export function sgdt<T>(cpu: usize, d: usize): void { storeTable(cpu, d, S.CPU_OFF_GDTR_BASE); }
export function sidt<T>(cpu: usize, d: usize): void { storeTable(cpu, d, S.CPU_OFF_IDTR_BASE); }
export function lgdt<T>(cpu: usize, d: usize): void { loadTable(cpu, d, S.CPU_OFF_GDTR_BASE); }
export function lidt<T>(cpu: usize, d: usize): void { loadTable(cpu, d, S.CPU_OFF_IDTR_BASE); }

export function smsw<T>(cpu: usize, d: usize): void {
  const v = load<u64>(cpu, S.CPU_OFF_CR0);
  if (isMem(d)) writeE<u16>(cpu, d, <u16>v); else writeE<T>(cpu, d, <T>v);
}

/** LMSW: loads PE MP EM TS; cannot clear PE. */
export function lmsw<T>(cpu: usize, d: usize): void {
  if (!cpl0(cpu)) return;
  const v = <u64>readE<u16>(cpu, d);
  if (aborted(cpu)) return;
  const cr0 = load<u64>(cpu, S.CPU_OFF_CR0);
  store<u64>(cpu, (cr0 & ~<u64>0xE) | (v & 0xF) | (cr0 & 1), S.CPU_OFF_CR0);
  updateMode(cpu);
}

export function sldt<T>(cpu: usize, d: usize): void { writeE<T>(cpu, d, <T>load<u16>(segPtr(cpu, S.SEG_LDTR), S.SEG_SELECTOR)); }
export function str<T>(cpu: usize, d: usize): void { writeE<T>(cpu, d, <T>load<u16>(segPtr(cpu, S.SEG_TR), S.SEG_SELECTOR)); }

/** LLDT/LTR: system descriptors (16 bytes in IA-32e mode); LTR marks the TSS busy. */
function loadSystemSeg(cpu: usize, d: usize, seg: i32): void {
  if (load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_REAL) { raise(cpu, S.EXC_UD, -1); return; }
  if (!cpl0(cpu)) return;
  const sel = <u32>readE<u16>(cpu, d);
  if (aborted(cpu)) return;
  if ((sel & 0xFFFC) == 0) {
    if (seg == S.SEG_TR) { raise(cpu, S.EXC_GP, 0); return; }
    store<u16>(segPtr(cpu, seg), <u16>sel, S.SEG_SELECTOR);
    store<u16>(segPtr(cpu, seg), 0, S.SEG_ATTR);
    return;
  }
  if (sel & 4) { raise(cpu, S.EXC_GP, <i32>(sel & 0xFFFC)); return; }
  const desc = readDescriptor(cpu, sel, S.EXC_GP);
  if (aborted(cpu)) return;
  const type = <u32>((desc >> 40) & 0x1F);
  const long = (load<u64>(cpu, S.CPU_OFF_EFER) & 0x400) != 0;
  const ok = seg == S.SEG_LDTR ? type == 0x02 : (type == 0x09 || (!long && type == 0x01));
  if (!ok) { raise(cpu, S.EXC_GP, <i32>(sel & 0xFFFC)); return; }
  if (!descPresent(desc)) { raise(cpu, S.EXC_NP, <i32>(sel & 0xFFFC)); return; }
  let upper: u64 = 0;
  const gdt = load<u64>(cpu, S.CPU_OFF_GDTR_BASE) + <u64>(sel & ~7);
  if (long) { upper = sysRead<u64>(cpu, gdt + 8); if (aborted(cpu)) return; }
  if (seg == S.SEG_TR) { sysWrite<u64>(cpu, gdt, desc | (<u64>2 << 40)); if (aborted(cpu)) return; }
  loadSegCache(cpu, seg, sel, seg == S.SEG_TR ? desc | (<u64>2 << 40) : desc);
  const p = segPtr(cpu, seg);
  store<u64>(p, load<u64>(p, S.SEG_BASE) | ((upper & 0xFFFF_FFFF) << 32), S.SEG_BASE);
}

export function lldt<T>(cpu: usize, d: usize): void { loadSystemSeg(cpu, d, S.SEG_LDTR); }
export function ltr<T>(cpu: usize, d: usize): void { loadSystemSeg(cpu, d, S.SEG_TR); }
