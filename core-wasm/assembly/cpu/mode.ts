// cpu/mode.ts — derived mode state (SDM vol. 3A 2.2 "Modes of operation", 9.8 "Initializing
// IA-32e mode", 5.5 CPL). Recomputed whenever CR0, EFER, CS or a segment base changes:
// MODE, CPL, LINMASK, the addressing segment bases (ES/CS/SS/DS count as 0 in 64-bit mode) and
// the user bit of the TLB tags.
import * as S from './state';

export const ATTR_L: u32 = 1 << 13;
export const ATTR_DB: u32 = 1 << 14;

export function updateMode(cpu: usize): void {
  const cr0 = load<u64>(cpu, S.CPU_OFF_CR0);
  const efer = load<u64>(cpu, S.CPU_OFF_EFER);
  const csAttr = <u32>load<u16>(cpu + S.CPU_OFF_SEG + <usize>S.SEG_CS * 16, S.SEG_ATTR);
  const lma = (efer & 0x400) != 0;
  let mode: i32;
  if ((cr0 & 1) == 0) mode = S.MODE_REAL;
  else if (load<u64>(cpu, S.CPU_OFF_RFLAGS) & S.FL_VM) mode = S.MODE_VM86;
  else if (lma && (csAttr & ATTR_L) != 0) mode = S.MODE_LONG64;
  else if (lma) mode = (csAttr & ATTR_DB) ? S.MODE_COMPAT32 : S.MODE_COMPAT16;
  else mode = (csAttr & ATTR_DB) ? S.MODE_PROT32 : S.MODE_PROT16;
  store<i32>(cpu, mode, S.CPU_OFF_MODE);
  let cpl: i32 = 0;
  if (mode == S.MODE_VM86) cpl = 3;
  else if (mode != S.MODE_REAL) cpl = <i32>(load<u16>(cpu + S.CPU_OFF_SEG + <usize>S.SEG_CS * 16, S.SEG_SELECTOR) & 3);
  store<i32>(cpu, cpl, S.CPU_OFF_CPL);
  store<u64>(cpu, cpl == 3 ? 1 : 0, S.CPU_OFF_TLB_USER);
  store<u64>(cpu, lma ? 0xFFFF_FFFF_FFFF_FFFF : 0xFFFF_FFFF, S.CPU_OFF_LINMASK);
  for (let i = 0; i < 6; i++) updateSegBase(cpu, i);
}

export function updateSegBase(cpu: usize, seg: i32): void {
  if (seg >= 6) return; // LDTR/TR are not used for addressing
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  const base = load<u64>(cpu + S.CPU_OFF_SEG + <usize>seg * 16, S.SEG_BASE);
  store<u64>(cpu + S.CPU_OFF_SEGBASE + (<usize>seg << 3), mode == S.MODE_LONG64 && seg < S.SEG_FS ? 0 : base);
}

/** Code size of the current mode in bytes: 2, 4 or 8 (RIP wraps to it). */
@inline export function ripMask(cpu: usize): u64 { return ripMaskOf(load<i32>(cpu, S.CPU_OFF_MODE)); }

@inline export function ripMaskOf(mode: i32): u64 {
  if (mode == S.MODE_LONG64) return 0xFFFF_FFFF_FFFF_FFFF;
  if (mode == S.MODE_PROT32 || mode == S.MODE_COMPAT32) return 0xFFFF_FFFF;
  return 0xFFFF;
}

/** Stack-pointer width of the current mode/SS: 8, 4 or 2 bytes (SS.B). */
@inline export function stackSize(cpu: usize): i32 {
  const mode = load<i32>(cpu, S.CPU_OFF_MODE);
  if (mode == S.MODE_LONG64) return 8;
  return (load<u16>(cpu + S.CPU_OFF_SEG + <usize>S.SEG_SS * 16, S.SEG_ATTR) & <u16>ATTR_DB) ? 4 : 2;
}
