// fpu/f80misc.ts — x87 FRNDINT, FSCALE, FXTRACT, FXAM, FCOM/FUCOM/FTST/FCOMI comparison
// (SDM vol.2 entries of the same names; vol.1 8.1.3 condition codes, 8.5 exceptions).
// Invariant: results only through `out`/`outExp`; unmasked IE/DE/ZE leave them unwritten.
import { FLAG_IE, FLAG_PE, FLAG_ZE, FSW_C0, FSW_C1, FSW_C2, FSW_C3, CTL_X87 } from './consts';
import { CLS_ZERO, CLS_NORMAL, CLS_DENORMAL, CLS_INF, CLS_QNAN, CLS_SNAN, CLS_UNSUPPORTED, cls80,
  isNaNCls, exp80, norm80, ctlFromFcw, invalid80, nan1, nan2, denormalStops, exact80 } from './f80';
import { raise, setC1 } from './wide';
import { roundInc, round80, storeF80 } from './round';

/**
 * Round a finite non-zero f80 (normalised m, unbiased exponent e) to an integer magnitude with
 * rounding control rc. For e >= 63 the value is already an integer (returned as m when e == 63).
 */
export function roundToIntMag(sign: u32, e: i32, m: u64, rc: u32): u64 {
  if (e >= 63) return e == 63 ? m : 0xFFFFFFFFFFFFFFFF;
  let kept: u64, rem: u64, half: u64;
  const sh = 63 - e;
  if (sh < 64) { kept = m >> <u64>sh; rem = m & ((<u64>1 << <u64>sh) - 1); half = <u64>1 << <u64>(sh - 1); }
  else if (sh == 64) { kept = 0; rem = m; half = 0x8000000000000000; }
  else { kept = 0; rem = 1; half = 0x8000000000000000; }
  return kept + roundInc(rc, sign, kept & 1, rem, half);
}

/** The integer part of |value| (truncation) for normalised m and exponent e < 64. */
@inline export function truncMag(e: i32, m: u64): u64 {
  return e < 0 ? 0 : (e >= 63 ? m : m >> <u64>(63 - e));
}

/** True when |value| has a non-zero fraction. */
@inline export function hasFraction(e: i32, m: u64): bool {
  return e < 0 || (e < 63 && (m << <u64>(e + 1)) != 0);
}

/** FRNDINT: round ST0 to an integer with FCW.RC (precision control does not apply). */
export function f80RoundInt(out: usize, sig: u64, se: u32, fcw: u32, sw: usize): void {
  const c = cls80(sig, se);
  if (c == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(c)) { nan1(out, sig, se, c, fcw, sw); return; }
  if (c == CLS_ZERO || c == CLS_INF) { exact80(out, sig, se, sw); return; }
  if (c == CLS_DENORMAL && denormalStops(fcw, sw)) return;
  const sign = se >> 15;
  const e = exp80(sig, se);
  const m = norm80(sig);
  const mag = roundToIntMag(sign, e, m, (fcw >> 10) & 3);
  if (hasFraction(e, m)) raise(sw, FLAG_PE);
  setC1(sw, e < 63 && mag != truncMag(e, m));
  if (e >= 63) { storeF80(out, m, (sign << 15) | <u32>(e + 16383)); return; }
  if (mag == 0) { storeF80(out, 0, sign << 15); return; }
  const z = <i32>clz(mag);
  storeF80(out, mag << <u64>z, (sign << 15) | <u32>(16383 + 63 - z));
}

/** FSCALE: ST0 x 2^trunc(ST1). */
export function f80Scale(out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, fcw: u32, sw: usize): void {
  const ca = cls80(aSig, aSE), cb = cls80(bSig, bSE);
  if (ca == CLS_UNSUPPORTED || cb == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(ca) || isNaNCls(cb)) { nan2(out, aSig, aSE, ca, bSig, bSE, cb, fcw, sw); return; }
  const sb = bSE >> 15;
  if (cb == CLS_INF) {
    if ((ca == CLS_INF && sb != 0) || (ca == CLS_ZERO && sb == 0)) { invalid80(out, fcw, sw); return; }
    if (ca == CLS_DENORMAL && denormalStops(fcw, sw)) return;
    if (ca == CLS_INF || ca == CLS_ZERO) { exact80(out, aSig, aSE, sw); return; }
    if (sb) exact80(out, 0, aSE & 0x8000, sw);
    else exact80(out, 0x8000000000000000, (aSE & 0x8000) | 0x7FFF, sw);
    return;
  }
  if ((ca == CLS_DENORMAL || cb == CLS_DENORMAL) && denormalStops(fcw, sw)) return;
  if (ca == CLS_INF || ca == CLS_ZERO) { exact80(out, aSig, aSE, sw); return; }
  // n = trunc(ST1), clamped far outside the exponent range.
  let n: i32 = 0;
  if (cb != CLS_ZERO) {
    const eb = exp80(bSig, bSE);
    if (eb >= 0) n = eb >= 20 ? 0x100000 : <i32>(norm80(bSig) >> <u64>(63 - eb));
    if (sb) n = -n;
  }
  const ctl = (ctlFromFcw(fcw) & ~0xC) | 0xC; // 64-bit precision
  round80(aSE >> 15, exp80(aSig, aSE) + 16383 + n, norm80(aSig), 0, ctl, sw, out);
}

/** FXTRACT: significand to `out` (new ST0), exponent to `outExp` (new ST1). */
export function f80Extract(out: usize, outExp: usize, sig: u64, se: u32, fcw: u32, sw: usize): void {
  const c = cls80(sig, se);
  setC1(sw, false);
  if (c == CLS_UNSUPPORTED) {
    invalid80(out, fcw, sw);
    if (fcw & FLAG_IE) storeF80(outExp, load<u64>(out), load<u16>(out, 8));
    return;
  }
  if (isNaNCls(c)) {
    nan1(out, sig, se, c, fcw, sw);
    if (c == CLS_QNAN || (fcw & FLAG_IE)) storeF80(outExp, sig | 0x4000000000000000, se);
    return;
  }
  if (c == CLS_ZERO) {
    raise(sw, FLAG_ZE);
    if (!(fcw & FLAG_ZE)) return;
    storeF80(out, 0, se);
    storeF80(outExp, 0x8000000000000000, 0xFFFF);
    return;
  }
  if (c == CLS_INF) { storeF80(out, sig, se); storeF80(outExp, sig, 0x7FFF); return; }
  if (c == CLS_DENORMAL && denormalStops(fcw, sw)) return;
  const e = exp80(sig, se);
  storeF80(out, norm80(sig), (se & 0x8000) | 0x3FFF);
  if (e == 0) { storeF80(outExp, 0, 0); return; }
  const mag: u64 = e < 0 ? <u64>(-e) : <u64>e;
  const z = <i32>clz(mag);
  storeF80(outExp, mag << <u64>z, (e < 0 ? 0x8000 : 0) | <u32>(16383 + 63 - z));
}

/** FXAM: C3,C2,C0 class bits and C1 = sign, as FSW bits (the caller reports "empty" itself). */
export function f80Examine(sig: u64, se: u32): u32 {
  const c = cls80(sig, se);
  const c1: u32 = se & 0x8000 ? FSW_C1 : 0;
  switch (c) {
    case CLS_ZERO: return c1 | FSW_C3;
    case CLS_NORMAL: return c1 | FSW_C2;
    case CLS_DENORMAL: return c1 | FSW_C3 | FSW_C2;
    case CLS_INF: return c1 | FSW_C2 | FSW_C0;
    case CLS_QNAN: case CLS_SNAN: return c1 | FSW_C0;
    default: return c1;
  }
}

export const CMP_LESS: i32 = 0;
export const CMP_EQUAL: i32 = 1;
export const CMP_GREATER: i32 = 2;
export const CMP_UNORDERED: i32 = 3;

/**
 * FCOM/FUCOM/FCOMI/FUCOMI/FTST: compare a with b. `quiet` = 1 for the unordered forms (IE only
 * on SNaN). Returns CMP_*; raises IE/DE; clears C1. The caller sets C3/C2/C0 or ZF/PF/CF
 * (the host FPU sets them to "unordered" even when IE is unmasked).
 */
export function f80Compare(aSig: u64, aSE: u32, bSig: u64, bSE: u32, quiet: i32, sw: usize): i32 {
  const memDen = ((aSE | bSE) & 0x10000) != 0; // SE_SRC_DENORMAL from f80_widen_*
  aSE &= 0xFFFF; bSE &= 0xFFFF;
  const ca = cls80(aSig, aSE), cb = cls80(bSig, bSE);
  setC1(sw, false);
  if (ca == CLS_UNSUPPORTED || cb == CLS_UNSUPPORTED) { raise(sw, FLAG_IE); return CMP_UNORDERED; }
  if (isNaNCls(ca) || isNaNCls(cb)) {
    if (!quiet || ca == CLS_SNAN || cb == CLS_SNAN) raise(sw, FLAG_IE);
    return CMP_UNORDERED;
  }
  if (ca == CLS_DENORMAL || cb == CLS_DENORMAL || memDen) raise(sw, 2);
  const za = ca == CLS_ZERO, zb = cb == CLS_ZERO;
  if (za && zb) return CMP_EQUAL;
  const sa = aSE >> 15, sb = bSE >> 15;
  if (za) return sb ? CMP_GREATER : CMP_LESS;
  if (zb || sa != sb) return sa ? CMP_LESS : CMP_GREATER;
  // Same sign, both non-zero: compare magnitudes (infinity has the largest exponent).
  const ea = ca == CLS_INF ? 0x7FFFFFFF : exp80(aSig, aSE), eb = cb == CLS_INF ? 0x7FFFFFFF : exp80(bSig, bSE);
  const ma = norm80(aSig), mb = norm80(bSig);
  if (ea == eb && ma == mb) return CMP_EQUAL;
  const aBigger = ea > eb || (ea == eb && ma > mb);
  return aBigger != (sa != 0) ? CMP_GREATER : CMP_LESS;
}

/** The FSW condition bits FCOM/FUCOM/FTST set for a CMP_* result. */
export function cmpToFsw(r: i32): u32 {
  if (r == CMP_LESS) return FSW_C0;
  if (r == CMP_EQUAL) return FSW_C3;
  if (r == CMP_GREATER) return 0;
  return FSW_C3 | FSW_C2 | FSW_C0;
}
