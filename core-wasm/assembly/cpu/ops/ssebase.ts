// cpu/ops/ssebase.ts — shared machinery of the SSE instruction groups: the XMM registers and
// MXCSR live in the FXSAVE image (SDM vol. 1 10.5.1, table 10-2) at CPU_OFF_FXSAVE, so FXSAVE and
// FXRSTOR are plain copies; operand pointers for V (ModRM.reg), U (ModRM.rm register) and W
// (register or memory, copied to a scratch slot); the availability checks (SDM vol. 3A 13.1-13.4:
// #UD when CR0.EM = 1 or CR4.OSFXSR = 0, #NM when CR0.TS = 1) and the SIMD floating-point
// exception rule (SDM vol. 1 11.5.2: unmasked -> destination unchanged, #XM with
// CR4.OSXMMEXCPT = 1, else #UD).
// Invariants: bytes 416..511 of the image are never stored by FXSAVE nor loaded by FXRSTOR, so
// they serve as scratch: W copies at FX_TMP (16 bytes), FX_TMP2 (16 bytes), the flag word at
// FX_FLAGS. A handler that faults has written no architectural state.
import * as S from '../state';
import * as D from '../decoded';
import { raise } from '../except';
import { readMem, writeMem, probeWrite } from '../mmu';
import { isMem, linear, rmOff } from '../operand';

export const FX_FCW: usize = 0;
export const FX_FSW: usize = 2;
export const FX_FTW: usize = 4;      // abridged tag byte: bit i = 1 when ST physical reg i is valid
export const FX_FOP: usize = 6;
export const FX_FIP: usize = 8;
export const FX_FDP: usize = 16;
export const FX_MXCSR: usize = 24;
export const FX_MXCSR_MASK: usize = 28;
export const FX_ST: usize = 32;      // 8 x 16 bytes
export const FX_XMM: usize = 160;    // 16 x 16 bytes
export const FX_IMAGE_END: usize = 416;
export const FX_TMP: usize = 416;
export const FX_TMP2: usize = 432;
export const FX_FLAGS: usize = 448;  // u16 exception flags collected by one instruction
export const MXCSR_MASK_VALUE: u32 = 0xFFFF;

const CR0_MP: u64 = 2; const CR0_EM: u64 = 4; const CR0_TS: u64 = 8;
const CR4_OSFXSR: u64 = 1 << 9; const CR4_OSXMMEXCPT: u64 = 1 << 10;

@inline export function fx(cpu: usize): usize { return cpu + S.CPU_OFF_FXSAVE; }
@inline export function xmm(cpu: usize, n: usize): usize { return cpu + S.CPU_OFF_FXSAVE + FX_XMM + (n << 4); }
/** The ModRM.reg XMM register (with REX.R). */
@inline export function vPtr(cpu: usize, d: usize): usize { return xmm(cpu, <usize>load<u8>(d, D.D_REGNUM)); }
/** The ModRM.rm XMM register (register form; D_RM holds n * 8). */
@inline export function uPtr(cpu: usize, d: usize): usize { return xmm(cpu, rmOff(d) >> 3); }
@inline export function mxcsr(cpu: usize): u32 { return load<u32>(cpu + S.CPU_OFF_FXSAVE, FX_MXCSR); }

/** SSE availability: #UD (CR0.EM, !CR4.OSFXSR), then #NM (CR0.TS). False when it raised. */
@inline export function sseOk(cpu: usize): bool {
  const cr0 = load<u64>(cpu, S.CPU_OFF_CR0);
  if ((cr0 & (CR0_EM | CR0_TS)) == 0 && (load<u64>(cpu, S.CPU_OFF_CR4) & CR4_OSFXSR) != 0) return true;
  return sseSlow(cpu);
}

function sseSlow(cpu: usize): bool {
  const cr0 = load<u64>(cpu, S.CPU_OFF_CR0);
  if ((cr0 & CR0_EM) != 0 || (load<u64>(cpu, S.CPU_OFF_CR4) & CR4_OSFXSR) == 0) raise(cpu, S.EXC_UD, -1);
  else raise(cpu, S.EXC_NM, -1);
  return false;
}

/** x87 control instructions and FXSAVE/FXRSTOR: #NM when CR0.EM or CR0.TS (SDM 2.5 table 2-2). */
@inline export function fpuOk(cpu: usize): bool {
  if ((load<u64>(cpu, S.CPU_OFF_CR0) & (CR0_EM | CR0_TS)) == 0) return true;
  raise(cpu, S.EXC_NM, -1);
  return false;
}

/** WAIT/FWAIT: #NM only when CR0.MP and CR0.TS are both set. */
@inline export function waitOk(cpu: usize): bool {
  if ((load<u64>(cpu, S.CPU_OFF_CR0) & (CR0_MP | CR0_TS)) != (CR0_MP | CR0_TS)) return true;
  raise(cpu, S.EXC_NM, -1);
  return false;
}

/** Linear address of the memory operand, checked for `align` (1 = none) alignment: #GP(0). */
@inline export function memLin(cpu: usize, d: usize, align: u64): u64 {
  const lin = linear(cpu, d);
  if (align > 1 && (lin & (align - 1)) != 0) { raise(cpu, S.EXC_GP, 0); }
  return lin;
}

@inline function next(cpu: usize, lin: u64, k: u64): u64 { return (lin + k) & load<u64>(cpu, S.CPU_OFF_LINMASK); }

/** Reads 16 bytes at lin into p. */
export function read128(cpu: usize, lin: u64, p: usize): void {
  const lo = readMem<u64>(cpu, lin); if (load<i32>(cpu, S.CPU_OFF_FAULT) & S.FAULT_ABORT_MASK) return;
  const hi = readMem<u64>(cpu, next(cpu, lin, 8)); if (load<i32>(cpu, S.CPU_OFF_FAULT) & S.FAULT_ABORT_MASK) return;
  store<u64>(p, lo); store<u64>(p, hi, 8);
}

/** Writes the 16 bytes at p to lin; nothing is written unless both pages are writable. */
export function write128(cpu: usize, lin: u64, p: usize): void {
  if (!probeWrite(cpu, lin, 16)) return;
  const lo = load<u64>(p); const hi = load<u64>(p, 8);
  writeMem<u64>(cpu, lin, lo); if (load<i32>(cpu, S.CPU_OFF_FAULT) & S.FAULT_ABORT_MASK) return;
  writeMem<u64>(cpu, next(cpu, lin, 8), hi);
}

/**
 * Pointer to the W operand: the U register, or `bytes` (16, 8, 4, 2) of memory copied to the
 * scratch slot `slot` (the rest zeroed); `align` is the required alignment (16 or 1). 0 on a fault.
 */
export function wPtr(cpu: usize, d: usize, bytes: i32, align: u64, slot: usize): usize {
  if (!isMem(d)) return uPtr(cpu, d);
  const lin = memLin(cpu, d, align);
  if (load<i32>(cpu, S.CPU_OFF_FAULT) & S.FAULT_ABORT_MASK) return 0;
  const p = cpu + S.CPU_OFF_FXSAVE + slot;
  v128.store(p, i64x2.splat(0));
  if (bytes == 16) read128(cpu, lin, p);
  else if (bytes == 8) store<u64>(p, readMem<u64>(cpu, lin));
  else if (bytes == 4) store<u32>(p, readMem<u32>(cpu, lin));
  else store<u16>(p, readMem<u16>(cpu, lin));
  if (load<i32>(cpu, S.CPU_OFF_FAULT) & S.FAULT_ABORT_MASK) return 0;
  return p;
}

/** Clears the per-instruction exception flag word. */
@inline export function flagsPtr(cpu: usize): usize {
  const p = cpu + S.CPU_OFF_FXSAVE + FX_FLAGS;
  store<u16>(p, 0);
  return p;
}

/**
 * Ends a floating-point instruction: ORs the collected flags into MXCSR and returns true when the
 * result may be written; with an unmasked exception raises #XM (or #UD without CR4.OSXMMEXCPT).
 * An unmasked pre-computation exception (IE DE ZE) suppresses the post-computation flags (11.5.2.1).
 */
export function sseCommit(cpu: usize): bool {
  let f = <u32>load<u16>(cpu + S.CPU_OFF_FXSAVE, FX_FLAGS) & 0x3F;
  const mx = mxcsr(cpu);
  const unmasked = f & ~(mx >> 7) & 0x3F;
  if (unmasked != 0) {
    if ((unmasked & 7) != 0) f &= 7;
    store<u32>(cpu + S.CPU_OFF_FXSAVE, mx | f, FX_MXCSR);
    if (load<u64>(cpu, S.CPU_OFF_CR4) & CR4_OSXMMEXCPT) raise(cpu, S.EXC_XM, -1);
    else raise(cpu, S.EXC_UD, -1);
    return false;
  }
  store<u32>(cpu + S.CPU_OFF_FXSAVE, mx | f, FX_MXCSR);
  return true;
}
