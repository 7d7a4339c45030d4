// cpu/ops/x87ldst.ts — x87 data transfer (SDM vol. 2: FLD, FILD, FBLD, FLD1/FLDL2T/FLDL2E/FLDPI/
// FLDLG2/FLDLN2/FLDZ, FST/FSTP, FIST/FISTP, FISTTP, FBSTP, FXCH, FCMOVcc; vol. 1 8.3.3-8.3.4).
// Loads check the push target (ST7) after the memory read: a full stack is a stack overflow.
// Stores compute the value with the working FSW, write memory, and only then change the stack,
// so a #PF leaves everything as it was; a store whose conversion raised IE/OE/UE unmasked writes
// nothing and does not pop (fpu/api.ts). An empty source is a stack underflow: masked, the
// destination receives the indefinite of its format (real, integer or BCD).
import { aborted } from '../except';
import { readMem, writeMem } from '../mmu';
import { linear } from '../operand';
import { getCF, getZF, getPF } from '../flags';
import { f80_from_f32, f80_from_f64, f80_from_int, f80_from_bcd, f80_to_f32, f80_to_f64, f80_to_int,
  f80_to_bcd, f80_const } from '../../fpu/api';
import { FX_XA, INDEF_SIG, INDEF_SE, ONE_SIG, ONE_SE, x87Enter, x87Leave, fcwOf, swPtr, isEmpty, stSig, stSE,
  st, putST, putSTFrom, push, pop, pushChecked, overflow, underflow, stops, setC1, rmIndex } from './x87stack';
import { XM_F32, XM_F64, XM_F80, XM_I16, XM_I32, XM_I64, XM_BCD, XM_T16, XM_T32, read80, write80 } from './x87mem';

const FL_IE: u32 = 1;

/** FLD m32fp/m64fp/m80fp, FILD m16/m32/m64int, FBLD m80bcd. */
export function x87_fld_m<T>(cpu: usize, d: usize, kind: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const lin = linear(cpu, d);
  const v = p + FX_XA;
  let bits: u64 = 0;
  if (kind == XM_F80 || kind == XM_BCD) { if (!read80(cpu, lin, v)) return; }
  else if (kind == XM_F32) bits = <u64>readMem<u32>(cpu, lin);
  else if (kind == XM_F64 || kind == XM_I64) bits = readMem<u64>(cpu, lin);
  else if (kind == XM_I32) bits = <u64><i64>readMem<i32>(cpu, lin);
  else bits = <u64><i64>readMem<i16>(cpu, lin);
  if (aborted(cpu)) return;
  setC1(p, false);
  if (!isEmpty(p, 7)) {
    if (overflow(p)) push(p, INDEF_SIG, INDEF_SE);
    x87Leave(cpu, d, p);
    return;
  }
  if (kind == XM_F32) f80_from_f32(v, <u32>bits, fcwOf(p), swPtr(p));
  else if (kind == XM_F64) f80_from_f64(v, bits, fcwOf(p), swPtr(p));
  else if (kind == XM_BCD) f80_from_bcd(v, load<u64>(v), <u32>load<u16>(v, 8));
  else if (kind != XM_F80) f80_from_int(v, <i64>bits);
  if (!stops(p, FL_IE)) push(p, load<u64>(v), <u32>load<u16>(v, 8));
  x87Leave(cpu, d, p);
}

/** FLD ST(i): pushes a copy of ST(i) (as it was before the push). */
export function x87_fld_r<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  setC1(p, false);
  if (isEmpty(p, i)) { if (underflow(p)) push(p, INDEF_SIG, INDEF_SE); } // no overflow check then
  else pushChecked(p, stSig(p, i), stSE(p, i));
  x87Leave(cpu, d, p);
}

/** FLD1 (which = 5), FLDZ (6), FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2 (0-4, rounded with FCW.RC). */
export function x87_fldc<T>(cpu: usize, d: usize, which: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  setC1(p, false);
  if (!isEmpty(p, 7)) { if (overflow(p)) push(p, INDEF_SIG, INDEF_SE); }
  else if (which == 5) push(p, ONE_SIG, ONE_SE);
  else if (which == 6) push(p, 0, 0);
  else {
    const v = p + FX_XA;
    f80_const(v, which, fcwOf(p), swPtr(p));
    push(p, load<u64>(v), <u32>load<u16>(v, 8));
  }
  x87Leave(cpu, d, p);
}

/** The value FST/FIST/FBSTP store for ST0 (to the scratch at `v`); `empty`: the indefinite. */
function storeValue(p: usize, kind: i32, empty: bool, v: usize): void {
  const sig = stSig(p, 0), se = stSE(p, 0), fcw = fcwOf(p), s = swPtr(p);
  setC1(p, false);
  if (kind == XM_F80 || kind == XM_BCD) {
    if (empty) { store<u64>(v, INDEF_SIG); store<u64>(v, INDEF_SE, 8); }
    else if (kind == XM_F80) { store<u64>(v, sig); store<u64>(v, se, 8); setC1(p, false); }
    else f80_to_bcd(v, sig, se, fcw, s);
    return;
  }
  let bits: u64;
  if (kind == XM_F32) bits = empty ? 0xFFC00000 : <u64>f80_to_f32(sig, se, fcw, s);
  else if (kind == XM_F64) bits = empty ? 0xFFF8000000000000 : f80_to_f64(sig, se, fcw, s);
  else {
    const w: i32 = kind == XM_I16 || kind == XM_T16 ? 16 : kind == XM_I32 || kind == XM_T32 ? 32 : 64;
    const trunc: i32 = kind >= XM_T16 ? 1 : 0;
    bits = empty ? <u64>1 << <u64>(w - 1) : <u64>f80_to_int(sig, se, w, trunc, fcw, s);
  }
  store<u64>(v, bits);
}

/** Bytes a store of `kind` writes. */
@inline function storeBytes(kind: i32): i32 {
  if (kind == XM_I16 || kind == XM_T16) return 2;
  if (kind == XM_F32 || kind == XM_I32 || kind == XM_T32) return 4;
  if (kind == XM_F80 || kind == XM_BCD) return 10;
  return 8;
}

/** FST/FSTP m32fp/m64fp, FSTP m80fp, FIST/FISTP/FISTTP m16/32/64int, FBSTP m80bcd. */
export function x87_fst_m<T>(cpu: usize, d: usize, kind: i32, doPop: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const lin = linear(cpu, d);
  const v = p + FX_XA;
  const empty = isEmpty(p, 0);
  let write = true;
  if (empty) write = underflow(p);
  storeValue(p, kind, empty, v);
  if (!empty && stops(p, 0x1F)) write = false;
  if (write) {
    const n = storeBytes(kind);
    if (n == 10) { if (!write80(cpu, lin, v)) return; }
    else if (n == 8) writeMem<u64>(cpu, lin, load<u64>(v));
    else if (n == 4) writeMem<u32>(cpu, lin, load<u32>(v));
    else writeMem<u16>(cpu, lin, load<u16>(v));
    if (aborted(cpu)) return;
    if (doPop) pop(p);
  }
  x87Leave(cpu, d, p);
}

/**
 * FST ST(i) (doPop 0), FSTP ST(i) and the FSTP8/FSTP9 aliases (1): ST(i) <- ST0. FSTP1 (D9 D8+i,
 * doPop 2) does the same, but on this host an empty ST0 is no underflow: it only pops.
 */
export function x87_fst_r<T>(cpu: usize, d: usize, doPop: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  setC1(p, false);
  let ok = true;
  if (isEmpty(p, 0)) {
    ok = doPop == 2 || underflow(p);
    if (ok && doPop != 2) putST(p, i, INDEF_SIG, INDEF_SE);
  } else putST(p, i, stSig(p, 0), stSE(p, 0));
  if (ok && doPop) pop(p);
  x87Leave(cpu, d, p);
}

/** FXCH ST(i): empty operands are an underflow; masked, they take part as the indefinite. */
export function x87_fxch<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  setC1(p, false);
  const e0 = isEmpty(p, 0), ei = isEmpty(p, i);
  if (e0 || ei) {
    if (!underflow(p)) { x87Leave(cpu, d, p); return; }
    if (e0) putST(p, 0, INDEF_SIG, INDEF_SE);
    if (ei) putST(p, i, INDEF_SIG, INDEF_SE);
  }
  const a = v128.load(st(p, 0));
  v128.store(st(p, 0), v128.load(st(p, i)));
  v128.store(st(p, i), a);
  x87Leave(cpu, d, p);
}

/** FCMOVcc ST0,ST(i): cond 0 B (CF), 1 E (ZF), 2 BE (CF or ZF), 3 U (PF); neg = the DB forms. */
export function x87_fcmov<T>(cpu: usize, d: usize, neg: i32, cond: i32): void {
  const p = x87Enter(cpu); if (!p) return;
  const i = rmIndex(d);
  let c: bool;
  if (cond == 0) c = getCF(cpu) != 0;
  else if (cond == 1) c = getZF(cpu) != 0;
  else if (cond == 2) c = (getCF(cpu) | getZF(cpu)) != 0;
  else c = getPF(cpu) != 0;
  if (neg) c = !c;
  if (isEmpty(p, 0) || isEmpty(p, i)) { if (underflow(p)) putST(p, 0, INDEF_SIG, INDEF_SE); }
  else if (c) putSTFrom(p, 0, st(p, i));
  x87Leave(cpu, d, p);
}
