// cpu/ops/fxsr.ts — FPU/SSE state instructions (SDM vol. 2: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR;
// vol. 1 10.5.1 for the 512-byte image, table 10-2/10-3) and CLTS (vol. 3A 2.8.x: clears CR0.TS).
// The CPU keeps the x87/SSE state as the FXSAVE image itself (ops/ssebase.ts), so FXSAVE stores
// bytes 0..415 and FXRSTOR loads them (MXCSR_MASK at 28 is read-only; bytes 416..511 are
// neither stored nor loaded; outside 64-bit mode XMM8-15, bytes 288..415, are not either).
// 64-bit (REX.W) and legacy formats differ only in FIP/FDP: 64-bit offsets, or 32-bit offsets with
// the FCS/FDS selectors in bytes 12-13 and 20-21 (kept beside the image, ops/x87stack.ts). FOP is 11 bits.
// Invariant: all faults (#NM, #GP alignment, #GP reserved MXCSR bits, #PF) come before any write.
import * as S from '../state';
import { aborted, raise } from '../except';
import { readMem, writeMem, probeWrite } from '../mmu';
import { fswSummary } from './x87ctl';
import { sseOk, fpuOk, fx, memLin, FX_MXCSR, FX_MXCSR_MASK, FX_IMAGE_END, MXCSR_MASK_VALUE, FX_FOP, FX_FIP,
  FX_FDP } from './ssebase';
import { FX_FCS, FX_FDS } from './x87stack';
import * as D from '../decoded';

/** REX.W selects the 64-bit format of the instruction and data pointers. */
@inline function rexW(d: usize): bool { return (load<u8>(d, D.D_REX) & 8) != 0; }

/** The FIP or FDP quadword as the image stores it: 64-bit, or 32-bit offset and selector. */
@inline function pointerWord(p: usize, off: usize, sel: usize, wide: bool): u64 {
  const v = load<u64>(p + off);
  return wide ? v : (v & 0xFFFFFFFF) | (<u64>load<u16>(p + sel) << 32);
}

@inline function lin8(cpu: usize, lin: u64, k: u64): u64 { return (lin + k) & load<u64>(cpu, S.CPU_OFF_LINMASK); }

/** Bytes of the image FXSAVE/FXRSTOR move: XMM8-15 only in 64-bit mode. */
@inline function imageEnd(cpu: usize): usize {
  return load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_LONG64 ? FX_IMAGE_END : FX_IMAGE_END - 128;
}

export function fxsave<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  const lin = memLin(cpu, d, 16); if (aborted(cpu)) return;
  const end = imageEnd(cpu);
  if (!probeWrite(cpu, lin, <i32>end)) return;
  const p = fx(cpu);
  store<u32>(p, MXCSR_MASK_VALUE, FX_MXCSR_MASK);
  const wide = rexW(d);
  for (let i: usize = 0; i < end; i += 8) {
    let v = load<u64>(p + i);
    if (i == FX_FIP) v = pointerWord(p, FX_FIP, FX_FCS, wide);
    else if (i == FX_FDP) v = pointerWord(p, FX_FDP, FX_FDS, wide);
    writeMem<u64>(cpu, lin8(cpu, lin, <u64>i), v);
    if (aborted(cpu)) return;
  }
}

export function fxrstor<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  const lin = memLin(cpu, d, 16); if (aborted(cpu)) return;
  readMem<u8>(cpu, lin); if (aborted(cpu)) return;
  readMem<u8>(cpu, lin8(cpu, lin, FX_IMAGE_END - 1)); if (aborted(cpu)) return;
  const mx = readMem<u32>(cpu, lin8(cpu, lin, FX_MXCSR)); if (aborted(cpu)) return;
  if (mx & ~MXCSR_MASK_VALUE) { raise(cpu, S.EXC_GP, 0); return; }
  const p = fx(cpu);
  const end = imageEnd(cpu);
  for (let i: usize = 0; i < end; i += 8) {
    const x = readMem<u64>(cpu, lin8(cpu, lin, <u64>i));
    if (aborted(cpu)) return; // cannot happen after the probes above, except for MMIO
    if (i == FX_MXCSR) store<u32>(p + i, <u32>x); // keep MXCSR_MASK
    else store<u64>(p + i, x);
  }
  store<u16>(p, (load<u16>(p) & 0x1F7F) | 0x40); // FCW reserved bits
  store<u16>(p, load<u16>(p, FX_FOP) & 0x7FF, FX_FOP);
  const wide = rexW(d);
  store<u16>(p + FX_FCS, wide ? 0 : load<u16>(p, FX_FIP + 4));
  store<u16>(p + FX_FDS, wide ? 0 : load<u16>(p, FX_FDP + 4));
  if (!wide) { store<u64>(p, load<u64>(p, FX_FIP) & 0xFFFFFFFF, FX_FIP); store<u64>(p, load<u64>(p, FX_FDP) & 0xFFFFFFFF, FX_FDP); }
  fswSummary(cpu);
}

/** LDMXCSR m32: #GP(0) when a reserved bit is set. */
export function ldmxcsr<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  const v = readMem<u32>(cpu, memLin(cpu, d, 1)); if (aborted(cpu)) return;
  if (v & ~MXCSR_MASK_VALUE) { raise(cpu, S.EXC_GP, 0); return; }
  store<u32>(fx(cpu), v, FX_MXCSR);
}

export function stmxcsr<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  writeMem<u32>(cpu, memLin(cpu, d, 1), load<u32>(fx(cpu), FX_MXCSR));
}

/** CLTS: CPL 0 only (#GP(0) otherwise); clears CR0.TS. */
export function clts<T>(cpu: usize, d: usize): void {
  if (load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return; }
  store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_CR0) & ~(<u64>8), S.CPU_OFF_CR0);
}
