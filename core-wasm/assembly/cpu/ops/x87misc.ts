// cpu/ops/x87misc.ts — x87 instructions on the top of the stack (SDM vol. 2 entries of each name;
// vol. 1 8.3.5, 8.3.8-8.3.10): FCHS, FABS, FSQRT, FRNDINT, F2XM1, FSIN, FCOS (ST0 <- f(ST0));
// FSCALE, FPREM, FPREM1 (ST0 <- f(ST0, ST1)); FYL2X, FYL2XP1, FPATAN (ST1 <- f(ST0, ST1), pop);
// FXTRACT, FPTAN, FSINCOS (two results: ST0 replaced, then a push); FINCSTP, FDECSTP, FFREE,
// FFREEP, FNOP and the 287 no-ops FNENI, FNDISI, FNSETPM (no-wait, no effect on a 387 or later).
// FSIN/FCOS/FPTAN/FSINCOS with |ST0| >= 2^63 set C2 and change nothing else. Stack faults as in
// x87stack.ts; the transcendentals are the softfloat's approximations (within 1 ulp, fpu/trans.ts).
import { f80_sqrt, f80_round_int, f80_f2xm1, f80_trig, f80_scale, f80_prem, f80_yl2x, f80_patan,
  f80_extract } from '../../fpu/api';
import { FX_XA, FX_XB, INDEF_SIG, INDEF_SE, ONE_SIG, ONE_SE, x87Enter, x87EnterNoWait, x87Leave, fcwOf,
  swPtr, sw, setSw, isEmpty, stSig, stSE, putST, putSTFrom, push, pop, rotateUp, rotateDown, setEmpty, underflow,
  overflow, stops, raised, setC1, rmIndex } from './x87stack';

export const X87U_CHS: i32 = 0;
export const X87U_ABS: i32 = 1;
export const X87U_SQRT: i32 = 2;
export const X87U_RNDINT: i32 = 3;
export const X87U_F2XM1: i32 = 4;
export const X87U_SIN: i32 = 5;
export const X87U_COS: i32 = 6;

export const X87B_SCALE: i32 = 0;
export const X87B_PREM: i32 = 1;
export const X87B_PREM1: i32 = 2;
export const X87B_YL2X: i32 = 3;
export const X87B_YL2XP1: i32 = 4;
export const X87B_PATAN: i32 = 5;

export const X87P_XTRACT: i32 = 0;
export const X87P_PTAN: i32 = 1;
export const X87P_SINCOS: i32 = 2;

const FSW_C0: u32 = 0x100;
const FSW_C2: u32 = 0x400;
const FSW_C3: u32 = 0x4000;

/** ST0 <- f(ST0) for X87U_*. */
export function x87_unary<T>(cpu: usize, d: usize, op: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  if (isEmpty(p, 0)) {
    if (op >= X87U_SIN) setSw(p, sw(p) & ~FSW_C2);
    if (underflow(p)) putST(p, 0, INDEF_SIG, INDEF_SE);
    x87Leave(cpu, d, p);
    return;
  }
  const sig = stSig(p, 0), se = stSE(p, 0), fcw = fcwOf(p), s = swPtr(p), out = p + FX_XA;
  setC1(p, false);
  switch (op) {
    case X87U_CHS: putST(p, 0, sig, se ^ 0x8000); setC1(p, false); x87Leave(cpu, d, p); return;
    case X87U_ABS: putST(p, 0, sig, se & 0x7FFF); setC1(p, false); x87Leave(cpu, d, p); return;
    case X87U_SQRT: f80_sqrt(out, sig, se, fcw, s); break;
    case X87U_RNDINT: f80_round_int(out, sig, se, fcw, s); break;
    case X87U_F2XM1: f80_f2xm1(out, sig, se, fcw, s); break;
    default: f80_trig(out, p + FX_XB, sig, se, op == X87U_SIN ? 0 : 1, fcw, s);
  }
  if (!stops(p, 7) && (op < X87U_SIN || (sw(p) & FSW_C2) == 0)) putSTFrom(p, 0, out);
  x87Leave(cpu, d, p);
}

/**
 * FPREM/FPREM1. When the result is a NaN (NaN or invalid operands) or an unmasked exception stops
 * the instruction, this host clears C1 and C2 but leaves C0 and C3 as they were; the softfloat
 * reports all four, so C0/C3 are put back.
 */
function prem(p: usize, out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, nearest: i32): void {
  const keep = sw(p) & (FSW_C0 | FSW_C3);
  f80_prem(out, aSig, aSE, bSig, bSE, nearest, fcwOf(p), swPtr(p));
  const nan = (raised(p) & 1) != 0 || ((load<u16>(out, 8) & 0x7FFF) == 0x7FFF && (load<u64>(out) << 1) != 0);
  if (nan || stops(p, 7)) setSw(p, (sw(p) & ~(FSW_C0 | FSW_C3)) | keep);
}

/** X87B_*: FSCALE/FPREM/FPREM1 replace ST0; FYL2X/FYL2XP1/FPATAN replace ST1 and pop. */
export function x87_binary<T>(cpu: usize, d: usize, op: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const toSt1 = op >= X87B_YL2X;
  const dst: u32 = toSt1 ? 1 : 0;
  let done: bool;
  if (isEmpty(p, 0) || isEmpty(p, 1)) {
    if (op == X87B_PREM || op == X87B_PREM1) setSw(p, sw(p) & ~FSW_C2); // "reduction complete"
    done = underflow(p);
    if (done) putST(p, dst, INDEF_SIG, INDEF_SE);
  } else {
    const aSig = stSig(p, 0), aSE = stSE(p, 0), bSig = stSig(p, 1), bSE = stSE(p, 1);
    const fcw = fcwOf(p), s = swPtr(p), out = p + FX_XA;
    setC1(p, false);
    switch (op) {
      case X87B_SCALE: f80_scale(out, aSig, aSE, bSig, bSE, fcw, s); break;
      case X87B_PREM: case X87B_PREM1: prem(p, out, aSig, aSE, bSig, bSE, op == X87B_PREM1 ? 1 : 0); break;
      case X87B_YL2X: f80_yl2x(out, aSig, aSE, bSig, bSE, 0, fcw, s); break;
      case X87B_YL2XP1: f80_yl2x(out, aSig, aSE, bSig, bSE, 1, fcw, s); break;
      default: f80_patan(out, bSig, bSE, aSig, aSE, fcw, s);
    }
    done = !stops(p, 7);
    if (done) putSTFrom(p, dst, out);
  }
  if (done && toSt1) pop(p);
  x87Leave(cpu, d, p);
}

/** FXTRACT (ST0 <- exponent, push significand), FPTAN (ST0 <- tan, push 1.0), FSINCOS (sin, push cos). */
export function x87_push2<T>(cpu: usize, d: usize, op: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  if (op != X87P_XTRACT) setSw(p, sw(p) & ~FSW_C2); // C2 = 0 unless the operand is out of range
  if (isEmpty(p, 0)) {
    if (underflow(p)) { putST(p, 0, INDEF_SIG, INDEF_SE); push(p, INDEF_SIG, INDEF_SE); } // no overflow check then
  } else if (!isEmpty(p, 7)) {
    if (overflow(p)) { putST(p, 0, INDEF_SIG, INDEF_SE); push(p, INDEF_SIG, INDEF_SE); }
  } else {
    const sig = stSig(p, 0), se = stSE(p, 0), fcw = fcwOf(p), s = swPtr(p), a = p + FX_XA, b = p + FX_XB;
    setC1(p, false);
    if (op == X87P_XTRACT) {
      f80_extract(a, b, sig, se, fcw, s);
      if (!stops(p, 7)) { putSTFrom(p, 0, b); push(p, load<u64>(a), <u32>load<u16>(a, 8)); }
    } else {
      f80_trig(a, b, sig, se, op == X87P_PTAN ? 2 : 3, fcw, s);
      if (!stops(p, 7) && (sw(p) & FSW_C2) == 0) {
        // FPTAN pushes 1.0, or the NaN result again when the operand gave one.
        const nan = (load<u16>(a, 8) & 0x7FFF) == 0x7FFF && (load<u64>(a) << 1) != 0;
        if (op == X87P_PTAN) { putSTFrom(p, 0, a); if (nan) push(p, load<u64>(a), <u32>load<u16>(a, 8)); else push(p, ONE_SIG, ONE_SE); }
        else { putSTFrom(p, 0, a); push(p, load<u64>(b), <u32>load<u16>(b, 8)); }
      }
    }
  }
  x87Leave(cpu, d, p);
}

/** FDECSTP (inc = 0) / FINCSTP (inc = 1): TOP -/+ 1, tags and contents unchanged, C1 = 0. */
export function x87_stp<T>(cpu: usize, d: usize, inc: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  if (inc) rotateUp(p); else rotateDown(p);
  setC1(p, false);
  x87Leave(cpu, d, p);
}

/** FFREE ST(i) / FFREEP ST(i): tag ST(i) empty (and pop). */
export function x87_ffree<T>(cpu: usize, d: usize, doPop: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  setEmpty(p, rmIndex(d));
  setC1(p, false);
  if (doPop) pop(p);
  x87Leave(cpu, d, p);
}

/** FNOP: a waiting instruction that only updates FOP/FIP. */
export function x87_fnop<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  x87Leave(cpu, d, p);
}

/** FNENI/FNDISI/FNSETPM: 8087/287 controls, ignored by the 387 and later (#NM still applies). */
export function x87_fnop_nw<T>(cpu: usize, d: usize): void {
  x87EnterNoWait(cpu);
}
