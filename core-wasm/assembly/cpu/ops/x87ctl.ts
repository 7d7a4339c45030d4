// cpu/ops/x87ctl.ts — x87 control instructions that kernels and C runtimes execute early
// (SDM vol. 2: FNINIT, FNCLEX, FWAIT, FNSTCW, FLDCW, FNSTSW m16/AX; EMMS), on the FXSAVE-image
// x87 state (ops/ssebase.ts): FCW at 0, FSW (with TOP in bits 11-13) at 2, abridged FTW at 4.
// #NM rules (vol. 3A 2.5 table 2-2): CR0.EM or CR0.TS -> #NM for x87 instructions; WAIT/FWAIT
// only when CR0.MP and CR0.TS are both set; EMMS: #UD with CR0.EM, #NM with CR0.TS. FWAIT, FLDCW
// and EMMS first deliver a pending unmasked x87 exception (FSW.ES) as #MF; the FN* forms do not.
// FCW's reserved bits read as 0, except bit 6 (1). FSW.ES and FSW.B follow the unmasked exception
// flags: ES = B = (FSW & ~FCW & 3Fh) != 0.
import * as S from '../state';
import { aborted, raise } from '../except';
import { readMem, writeMem } from '../mmu';
import { fpuOk, waitOk, fx, memLin, FX_FCW, FX_FSW, FX_FTW, FX_FOP, FX_FIP, FX_FDP } from './ssebase';
import { moveTop, FX_FCS, FX_FDS } from './x87stack';

/** Recomputes FSW.ES and FSW.B from the unmasked exception flags. */
@inline export function fswSummary(cpu: usize): void {
  const p = fx(cpu);
  const sw = <u32>load<u16>(p, FX_FSW) & 0x7F7F;
  const es = (sw & ~<u32>load<u16>(p, FX_FCW) & 0x3F) != 0 ? <u32>0x8080 : 0;
  store<u16>(p, <u16>(sw | es), FX_FSW);
}

export function fninit<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  const p = fx(cpu);
  moveTop(p, (<u32>load<u16>(p, FX_FSW) >> 11) & 7, 0); // TOP = 0: the registers stay where they are
  store<u16>(p, 0x037F, FX_FCW);
  store<u16>(p, 0, FX_FSW);
  store<u16>(p, 0, FX_FTW);
  store<u16>(p, 0, FX_FOP);
  store<u64>(p, 0, FX_FIP);
  store<u64>(p, 0, FX_FDP);
  store<u16>(p, 0, FX_FCS);
  store<u16>(p, 0, FX_FDS);
}

/** FNCLEX: clears the exception flags, SF, ES and B. */
export function fnclex<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  store<u16>(fx(cpu), load<u16>(fx(cpu), FX_FSW) & 0x7F00, FX_FSW);
}

/** WAIT/FWAIT: #MF when an unmasked x87 exception is pending (FSW.ES). */
export function fwait<T>(cpu: usize, d: usize): void {
  if (!waitOk(cpu)) return;
  if (load<u16>(fx(cpu), FX_FSW) & 0x80) raise(cpu, S.EXC_MF, -1);
}

export function fnstcw<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  writeMem<u16>(cpu, memLin(cpu, d, 1), load<u16>(fx(cpu), FX_FCW));
}

/** FLDCW is a waiting instruction: a pending unmasked exception raises #MF first. */
export function fldcw<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  if (load<u16>(fx(cpu), FX_FSW) & 0x80) { raise(cpu, S.EXC_MF, -1); return; }
  const v = readMem<u16>(cpu, memLin(cpu, d, 1)); if (aborted(cpu)) return;
  store<u16>(fx(cpu), (v & 0x1F7F) | 0x40, FX_FCW); // reserved bits: 6 reads as 1, 7 and 13-15 as 0
  fswSummary(cpu);
}

export function fnstsw<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  writeMem<u16>(cpu, memLin(cpu, d, 1), load<u16>(fx(cpu), FX_FSW));
}

export function fnstsw_ax<T>(cpu: usize, d: usize): void {
  if (!fpuOk(cpu)) return;
  store<u16>(cpu, load<u16>(fx(cpu), FX_FSW), S.CPU_OFF_RAX);
}

/** EMMS: every x87 register tagged empty, and (as on the host) TOP = 0. */
export function emms<T>(cpu: usize, d: usize): void {
  const cr0 = load<u64>(cpu, S.CPU_OFF_CR0);
  if (cr0 & 4) { raise(cpu, S.EXC_UD, -1); return; }
  if (cr0 & 8) { raise(cpu, S.EXC_NM, -1); return; }
  if (load<u16>(fx(cpu), FX_FSW) & 0x80) { raise(cpu, S.EXC_MF, -1); return; } // pending x87 exception
  const p = fx(cpu);
  store<u8>(p, 0, FX_FTW);
  moveTop(p, (<u32>load<u16>(p, FX_FSW) >> 11) & 7, 0);
  store<u16>(p, load<u16>(p, FX_FSW) & ~<u16>0x3800, FX_FSW);
}
