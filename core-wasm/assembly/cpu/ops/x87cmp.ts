// cpu/ops/x87cmp.ts — x87 comparison and classification (SDM vol. 2: FCOM/FCOMP/FCOMPP, FUCOM/
// FUCOMP/FUCOMPP, FICOM/FICOMP, FCOMI/FCOMIP/FUCOMI/FUCOMIP, FTST, FXAM; vol. 1 8.3.6-8.3.7,
// table 8-6/8-7). FCOM-style forms set C3/C2/C0 (C1 = 0); FCOMI-style forms set ZF/PF/CF, clear
// OF/SF/AF and leave C0-C3 alone (this host does not clear C1 either). The unordered forms raise IE only for SNaNs (and unsupported encodings). An empty
// operand is a stack underflow with the result "unordered". The pops happen unless an unmasked
// IE/DE stopped the instruction.
import * as S from '../state';
import { linear } from '../operand';
import { setFlags } from '../flags';
import { f80_compare, f80_cmp_to_fsw, f80_examine } from '../../fpu/api';
import { FX_XB, x87Enter, x87Leave, swPtr, isEmpty, stSig, stSE, pop, underflow, stops, setCond,
  sw, setSw, rmIndex } from './x87stack';
import { readSource, NO_OPERAND } from './x87mem';

const CMP_UNORDERED: i32 = 3;
const FSW_C0: u32 = 0x100;
const FSW_C1: u32 = 0x200;
const FSW_C3: u32 = 0x4000;

/** Compares ST0 with (sig, se), or reports unordered on an empty ST0/operand (underflow). */
function compare(p: usize, emptyOperand: bool, sig: u64, se: u32, quiet: i32): i32 {
  if (emptyOperand || isEmpty(p, 0)) { underflow(p); return CMP_UNORDERED; }
  return f80_compare(stSig(p, 0), stSE(p, 0), sig, se, quiet, swPtr(p));
}

/** Pops `pops` times unless an unmasked IE/DE stopped the instruction. */
@inline function popAfter(p: usize, pops: i32): void {
  if (pops == 0 || stops(p, 3)) return;
  pop(p);
  if (pops == 2) pop(p);
}

/** FCOM/FCOMP m32fp/m64fp and FICOM/FICOMP m16int/m32int. */
export function x87_com_m<T>(cpu: usize, d: usize, kind: i32, pops: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const src = p + FX_XB;
  const se = readSource(cpu, linear(cpu, d), kind, src); if (se == NO_OPERAND) return;
  setCond(p, f80_cmp_to_fsw(compare(p, false, load<u64>(src), <u32>se, 0)));
  popAfter(p, pops);
  x87Leave(cpu, d, p);
}

/** FCOM/FCOMP/FCOMPP (quiet = 0) and FUCOM/FUCOMP/FUCOMPP (quiet = 1) with ST(i). */
export function x87_com_r<T>(cpu: usize, d: usize, quiet: i32, pops: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  setCond(p, f80_cmp_to_fsw(compare(p, isEmpty(p, i), stSig(p, i), stSE(p, i), quiet)));
  popAfter(p, pops);
  x87Leave(cpu, d, p);
}

/** FCOMI/FCOMIP (quiet = 0), FUCOMI/FUCOMIP (quiet = 1): the result in ZF, PF, CF. */
export function x87_comi<T>(cpu: usize, d: usize, quiet: i32, pops: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  const c1 = sw(p) & FSW_C1;
  const under = isEmpty(p, 0) || isEmpty(p, i);
  const r = compare(p, under, stSig(p, i), stSE(p, i), quiet);
  if (!under) setSw(p, sw(p) | c1); // C0-C3 unaffected (C1 = 0 on a stack underflow)
  let f: u64 = 0;
  if (r == 0) f = S.FL_CF;
  else if (r == 1) f = S.FL_ZF;
  else if (r == CMP_UNORDERED) f = S.FL_ZF | S.FL_PF | S.FL_CF;
  setFlags(cpu, S.FL_OF | S.FL_SF | S.FL_ZF | S.FL_AF | S.FL_PF | S.FL_CF, f);
  popAfter(p, pops);
  x87Leave(cpu, d, p);
}

/** FTST: ST0 compared with +0.0. */
export function x87_ftst<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  setCond(p, f80_cmp_to_fsw(compare(p, false, 0, 0, 0)));
  x87Leave(cpu, d, p);
}

/** FXAM: the class of ST0 in C3/C2/C0, its sign in C1; an empty ST0 reads as "empty" (C3 C0). */
export function x87_fxam<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  const sign: u32 = stSE(p, 0) & 0x8000 ? FSW_C1 : 0;
  setCond(p, isEmpty(p, 0) ? FSW_C3 | FSW_C0 | sign : f80_examine(stSig(p, 0), stSE(p, 0)));
  x87Leave(cpu, d, p);
}
