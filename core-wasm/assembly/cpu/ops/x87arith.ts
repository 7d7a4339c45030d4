// cpu/ops/x87arith.ts — x87 basic arithmetic (SDM vol. 2: FADD/FADDP/FIADD, FSUB/FSUBP/FISUB,
// FSUBR/FSUBRP/FISUBR, FMUL/FMULP/FIMUL, FDIV/FDIVP/FIDIV, FDIVR/FDIVRP/FIDIVR; vol. 1 8.3.5).
// Every form computes dest <- dest OP source with OP from X87_*; SUBR and DIVR compute
// source OP dest (the softfloat takes a, b in that order, fpu/api.ts). Register forms name the
// destination with TO_STI (0: ST0 <- ST0 OP ST(i); 1: ST(i) <- ST(i) OP ST0) and may pop.
// An empty operand is a stack underflow (the masked response stores the indefinite); unmasked
// IE/DE/ZE leave the destination and TOP alone.
import { linear } from '../operand';
import { f80_add, f80_sub, f80_mul, f80_div } from '../../fpu/api';
import { FX_XA, FX_XB, INDEF_SIG, INDEF_SE, x87Enter, x87Leave, fcwOf, swPtr, isEmpty, stSig, stSE,
  putST, putSTFrom, pop, underflow, stops, setC1, rmIndex } from './x87stack';
import { readSource, NO_OPERAND } from './x87mem';

export const X87_ADD: i32 = 0;
export const X87_MUL: i32 = 1;
export const X87_SUB: i32 = 4;
export const X87_SUBR: i32 = 5;
export const X87_DIV: i32 = 6;
export const X87_DIVR: i32 = 7;

/** out <- dest OP src for the operation `op` (dest and src as significand, sign+exponent). */
function operate(op: i32, out: usize, dSig: u64, dSE: u32, sSig: u64, sSE: u32, fcw: u32, sw: usize): void {
  switch (op) {
    case X87_ADD: f80_add(out, dSig, dSE, sSig, sSE, fcw, sw); break;
    case X87_MUL: f80_mul(out, dSig, dSE, sSig, sSE, fcw, sw); break;
    case X87_SUB: f80_sub(out, dSig, dSE, sSig, sSE, fcw, sw); break;
    case X87_SUBR: f80_sub(out, sSig, sSE, dSig, dSE, fcw, sw); break;
    case X87_DIV: f80_div(out, dSig, dSE, sSig, sSE, fcw, sw); break;
    default: f80_div(out, sSig, sSE, dSig, dSE, fcw, sw);
  }
}

/** ST(dst) <- ST(dst) OP (sig, se); false when an unmasked exception stopped the instruction. */
function apply(p: usize, op: i32, dst: u32, sig: u64, se: u32): bool {
  const out = p + FX_XA;
  setC1(p, false);
  operate(op, out, stSig(p, dst), stSE(p, dst), sig, se, fcwOf(p), swPtr(p));
  if (stops(p, 7)) return false;
  putSTFrom(p, dst, out);
  return true;
}

/** FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR with an m32fp/m64fp/m32int/m16int source (XM_*). */
export function x87_arith_m<T>(cpu: usize, d: usize, op: i32, kind: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const src = p + FX_XB;
  const se = readSource(cpu, linear(cpu, d), kind, src); if (se == NO_OPERAND) return;
  if (isEmpty(p, 0)) { if (underflow(p)) putST(p, 0, INDEF_SIG, INDEF_SE); }
  else apply(p, op, 0, load<u64>(src), <u32>se);
  x87Leave(cpu, d, p);
}

/** Register forms: toSti picks the destination, doPop pops after a completed operation. */
export function x87_arith_r<T>(cpu: usize, d: usize, op: i32, toSti: i32, doPop: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  const dst: u32 = toSti ? i : 0, src: u32 = toSti ? 0 : i;
  let done: bool;
  if (isEmpty(p, dst) || isEmpty(p, src)) {
    done = underflow(p);
    if (done) putST(p, dst, INDEF_SIG, INDEF_SE);
  } else done = apply(p, op, dst, stSig(p, src), stSE(p, src));
  if (done && doPop) pop(p);
  x87Leave(cpu, d, p);
}
