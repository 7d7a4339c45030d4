// fpu/trans.ts — x87 transcendental instructions F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS,
// FSINCOS, FPTAN (SDM vol.2 entries of those names, including their special-operand tables).
// The x87 itself does not round these correctly; here they are computed in double-double
// (about 100 bits, fpu/dd.ts) and rounded once to 64 bits with FCW.RC, so they are close to
// but not always bit-identical with the host: test/fpu/trans.test.ts reports the worst ulp gap.
// FSIN/FCOS/FSINCOS/FPTAN are in trig.ts.
// Invariant: results only through `out`/`out2`; unmasked IE/DE/ZE leave them unwritten.
import { FLAG_IE, FLAG_ZE, FLAG_PE, FSW_C2, CTL_X87, CTL_UEU, CTL_OEU } from './consts';

import { CLS_ZERO, CLS_DENORMAL, CLS_INF, CLS_UNSUPPORTED, cls80, isNaNCls, exp80, norm80,
  invalid80, nan1, nan2, denormalStops, exact80 } from './f80';
import { raise, setC1 } from './wide';
import { round80, storeF80 } from './round';
import { dd, ddHi, ddLo, ddOf, ddAdd, ddSub, ddMul, ddDiv, ddSqrt, ddScale, ddNeg } from './dd';

const LN2_HI = reinterpret<f64>(0x3FE62E42FEFA39EF), LN2_LO = reinterpret<f64>(0x3C7ABC9E3B39803F);
const PIO2_HI = reinterpret<f64>(0x3FF921FB54442D18), PIO2_LO = reinterpret<f64>(0x3C91A62633145C07);
const PIO2_LO2 = reinterpret<f64>(0xB91F1976B7ED8FBC); // next 53 bits of pi/2

@inline function ln2(): v128 { return dd(LN2_HI, LN2_LO); }
@inline export function pio2(): v128 { return dd(PIO2_HI, PIO2_LO); }

/** The significand (normalised) as a double-double in [1, 2). */
@inline export function sigDD(m: u64): v128 {
  return dd(<f64>(m >> 11) * 2.220446049250313e-16, <f64>(m & 0x7FF) * 1.0842021724855044e-19);
}

/** A finite f80 as double-double scaled by 2^-e (so callers keep huge exponents apart). */
@inline function f80DD(sig: u64, se: u32): v128 {
  const v = sigDD(norm80(sig));
  return se & 0x8000 ? ddNeg(v) : v;
}

@inline function ctl64(fcw: u32): u32 {
  let c = ((fcw >> 10) & 3) | 0xC | CTL_X87;
  if (!(fcw & 0x10)) c |= CTL_UEU;
  if (!(fcw & 0x08)) c |= CTL_OEU;
  return c;
}

@inline function ddToF80(out: usize, x: v128, E: i32, fcw: u32, sw: usize): void {
  pairToF80(out, ddHi(x), ddLo(x), E, fcw, sw);
}

/** Round (h + l) * 2^E (a double-double) to an f80 at `out`; PE is always raised. */
export function pairToF80(out: usize, h: f64, l: f64, E: i32, fcw: u32, sw: usize): void {
  if (h == 0) { exact80(out, 0, 0, sw); return; }
  let sign: u32 = 0;
  if (h < 0) { sign = 1; h = -h; l = -l; }
  const hb = reinterpret<u64>(h);
  const eh = <i32>((hb >> 52) & 0x7FF);
  let hi: u64 = (hb & 0xFFFFFFFFFFFFF) | 0x10000000000000;
  let lo: u64 = 0;
  if (l != 0) {
    const lb = reinterpret<u64>(Math.abs(l));
    const el = <i32>((lb >> 52) & 0x7FF);
    const ml: u64 = (lb & 0xFFFFFFFFFFFFF) | 0x10000000000000;
    const s = eh - el;
    let L: u64;
    if (s <= 64) L = ml << <u64>(64 - s);
    else if (s < 128) L = (ml >> <u64>(s - 64)) | u64((ml << <u64>(128 - s)) != 0);
    else L = 1;
    if (l > 0) { lo = L; }
    else { lo = <u64>0 - L; hi -= u64(L != 0); }
  }
  const z = <i32>clz(hi);
  const sig = (hi << <u64>z) | (lo >> <u64>(64 - z));
  lo <<= <u64>z;
  const e = (127 - z) + eh - 1075 - 64 + E;
  round80(sign, e + 16383, sig, lo | 1, ctl64(fcw), sw, out);
  raise(sw, FLAG_PE);
}

/** ln(m) for m in [0.7, 1.42] via 2 atanh((m-1)/(m+1)). */
function ddLn(m: v128): v128 {
  const s = ddDiv(ddSub(m, ddOf(1)), ddAdd(m, ddOf(1)));
  return ddLnFromS(s);
}

function ddLnFromS(s: v128): v128 {
  const s2 = ddMul(s, s);
  let sum = ddOf(0);
  for (let k = 17; k >= 0; k--) sum = ddAdd(ddMul(sum, s2), ddDiv(ddOf(1), ddOf(<f64>(2 * k + 1))));
  return ddScale(ddMul(s, sum), 2);
}

/** ST1 * log2(ST0) (FYL2X) and ST1 * log2(ST0 + 1) (FYL2XP1, plus1 = 1). */
export function f80Yl2x(out: usize, xSig: u64, xSE: u32, ySig: u64, ySE: u32, plus1: i32, fcw: u32, sw: usize): void {
  const cx = cls80(xSig, xSE), cy = cls80(ySig, ySE);
  setC1(sw, false);
  if (cx == CLS_UNSUPPORTED || cy == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(cx) || isNaNCls(cy)) { nan2(out, xSig, xSE, cx, ySig, ySE, cy, fcw, sw); return; }
  const sx = xSE >> 15, sy = ySE >> 15;
  if (!plus1) {
    if (sx && cx != CLS_ZERO) { invalid80(out, fcw, sw); return; }
    if (!(cx == CLS_ZERO && cy != CLS_ZERO && cy != CLS_INF) && (cx == CLS_DENORMAL || cy == CLS_DENORMAL) && denormalStops(fcw, sw)) return;
    const isOne = cx != CLS_INF && cx != CLS_ZERO && exp80(xSig, xSE) == 0 && norm80(xSig) == 0x8000000000000000;
    if (cx == CLS_ZERO) {
      if (cy == CLS_ZERO) { invalid80(out, fcw, sw); return; }
      if (cy != CLS_INF) { raise(sw, FLAG_ZE); if (!(fcw & FLAG_ZE)) return; }
      exact80(out, 0x8000000000000000, ((sy ^ 1) << 15) | 0x7FFF, sw); return;
    }
    if (cx == CLS_INF) {
      if (cy == CLS_ZERO) { invalid80(out, fcw, sw); return; }
      exact80(out, 0x8000000000000000, (sy << 15) | 0x7FFF, sw); return;
    }
    if (isOne) {
      if (cy == CLS_INF) { invalid80(out, fcw, sw); return; }
      exact80(out, 0, (sy ^ 0) << 15, sw); return;
    }
    const xBelow1 = exp80(xSig, xSE) < 0;
    if (cy == CLS_INF) { exact80(out, 0x8000000000000000, ((sy ^ u32(xBelow1)) << 15) | 0x7FFF, sw); return; }
    if (cy == CLS_ZERO) { exact80(out, 0, ((sy ^ u32(xBelow1)) << 15), sw); return; }
    let e = exp80(xSig, xSE);
    let m = sigDD(norm80(xSig));
    if (ddHi(m) > 1.4142135623730951) { m = ddScale(m, 0.5); e++; }
    const l2 = ddAdd(ddOf(<f64>e), ddDiv(ddLn(m), ln2()));
    ddToF80(out, ddMul(l2, f80DD(ySig, ySE)), exp80(ySig, ySE), fcw, sw);
    return;
  }
  if (cx == CLS_INF && sx) { invalid80(out, fcw, sw); return; }
  if ((cx == CLS_DENORMAL || cy == CLS_DENORMAL) && denormalStops(fcw, sw)) return;
  if (cx == CLS_ZERO) {
    if (cy == CLS_INF) { invalid80(out, fcw, sw); return; }
    exact80(out, 0, (sx ^ sy) << 15, sw); return;
  }
  if (cy == CLS_ZERO) {
    if (cx == CLS_INF) { invalid80(out, fcw, sw); return; }
    exact80(out, 0, (sx ^ sy) << 15, sw); return;
  }
  if (cx == CLS_INF || cy == CLS_INF) {
    exact80(out, 0x8000000000000000, ((sx ^ sy) << 15) | 0x7FFF, sw); return;
  }
  const ex = exp80(xSig, xSE);
  let l2: v128;
  let E = exp80(ySig, ySE);
  if (ex < -120) { l2 = ddDiv(f80DD(xSig, xSE), ln2()); E += ex; }
  else {
    const x = ddScale(f80DD(xSig, xSE), Math.pow(2, <f64>ex));
    l2 = ddDiv(ddLnFromS(ddDiv(x, ddAdd(ddOf(2), x))), ln2());
  }
  ddToF80(out, ddMul(l2, f80DD(ySig, ySE)), E, fcw, sw);
}

/** F2XM1: 2^x - 1 for -1 <= x <= 1. */
export function f80F2xm1(out: usize, sig: u64, se: u32, fcw: u32, sw: usize): void {
  const c = cls80(sig, se);
  setC1(sw, false);
  if (c == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(c)) { nan1(out, sig, se, c, fcw, sw); return; }
  if (c == CLS_ZERO) { exact80(out, sig, se, sw); return; }
  if (c == CLS_INF) {
    if (se & 0x8000) exact80(out, 0x8000000000000000, 0xBFFF, sw); else exact80(out, sig, se, sw);
    return;
  }
  if (c == CLS_DENORMAL && denormalStops(fcw, sw)) return;
  const e = exp80(sig, se);
  if (e < -120) { ddToF80(out, ddMul(f80DD(sig, se), ln2()), e, fcw, sw); return; }
  const t = ddScale(ddMul(ddScale(f80DD(sig, se), Math.pow(2, <f64>e)), ln2()), 1.0 / 256);
  let sum = ddOf(0);
  for (let n = 12; n >= 1; n--) sum = ddMul(ddAdd(sum, ddOf(1)), ddDiv(t, ddOf(<f64>n)));
  for (let i = 0; i < 8; i++) sum = ddMul(sum, ddAdd(sum, ddOf(2)));
  ddToF80(out, sum, 0, fcw, sw);
}

/** atan(r) for 0 <= r <= 1 by three argument halvings and a Taylor series. */
function ddAtan(r: v128): v128 {
  for (let i = 0; i < 3; i++) r = ddDiv(r, ddAdd(ddOf(1), ddSqrt(ddAdd(ddOf(1), ddMul(r, r)))));
  const r2 = ddMul(r, r);
  let sum = ddOf(0);
  for (let k = 16; k >= 0; k--) {
    const term = ddDiv(ddOf(1), ddOf(<f64>(2 * k + 1)));
    sum = ddAdd(ddMul(sum, r2), k & 1 ? ddNeg(term) : term);
  }
  return ddScale(ddMul(r, sum), 8);
}

/** FPATAN: atan2(ST1 = y, ST0 = x) into `out` (the new ST0 after the pop). */
export function f80Patan(out: usize, ySig: u64, ySE: u32, xSig: u64, xSE: u32, fcw: u32, sw: usize): void {
  const cy = cls80(ySig, ySE), cx = cls80(xSig, xSE);
  setC1(sw, false);
  if (cx == CLS_UNSUPPORTED || cy == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(cx) || isNaNCls(cy)) { nan2(out, ySig, ySE, cy, xSig, xSE, cx, fcw, sw); return; }
  if ((cx == CLS_DENORMAL || cy == CLS_DENORMAL) && denormalStops(fcw, sw)) return;
  const sy = ySE >> 15, sx = xSE >> 15;
  let a: v128;
  if (cy == CLS_ZERO) {
    if (!sx) { exact80(out, 0, sy << 15, sw); return; }
    a = dd(PIO2_HI * 2, PIO2_LO * 2);
  } else if (cx == CLS_ZERO) a = pio2();
  else if (cy == CLS_INF) {
    if (cx == CLS_INF) a = sx ? ddMul(pio2(), ddOf(1.5)) : ddScale(pio2(), 0.5);
    else a = pio2();
  } else if (cx == CLS_INF) {
    if (!sx) { exact80(out, 0, sy << 15, sw); return; }
    a = dd(PIO2_HI * 2, PIO2_LO * 2);
  } else {
    const d = exp80(ySig, ySE) - exp80(xSig, xSE);
    const my = sigDD(norm80(ySig)), mx = sigDD(norm80(xSig));
    if (d < -120) {
      if (!sx) { ddToF80(out, sy ? ddNeg(ddDiv(my, mx)) : ddDiv(my, mx), d, fcw, sw); return; }
      a = dd(PIO2_HI * 2, PIO2_LO * 2);
    } else if (d > 120) a = pio2();
    else {
      const r = ddScale(ddDiv(my, mx), Math.pow(2, <f64>d));
      a = ddHi(r) > 1 ? ddSub(pio2(), ddAtan(ddDiv(ddOf(1), r))) : ddAtan(r);
      if (sx) a = ddSub(dd(PIO2_HI * 2, PIO2_LO * 2), a);
    }
  }
  ddToF80(out, sy ? ddNeg(a) : a, 0, fcw, sw);
}
