// fpu/trig.ts — x87 FSIN, FCOS, FSINCOS, FPTAN (SDM vol.2 entries; vol.1 8.3.10 on the x87's
// own 66-bit pi). The argument is reduced exactly by multiples of pi/2 rounded to 66 bits —
// what the hardware does, so results for large or near-multiple-of-pi arguments follow the
// host rather than the true function — then sin/cos are evaluated in double-double and rounded
// once with FCW.RC (within 1 ulp of the host; test/fpu/trans.test.ts). |x| >= 2^63 sets C2
// and leaves the operand unchanged.
// Invariant: results only through `out`/`out2`; unmasked IE/DE leave them unwritten.
import { FLAG_IE, FSW_C2 } from './consts';
import { CLS_ZERO, CLS_DENORMAL, CLS_INF, CLS_UNSUPPORTED, cls80, isNaNCls, exp80, norm80,
  invalid80, nan1, denormalStops } from './f80';
import { storeF80 } from './round';
import { ddHi, ddLo, ddOf, ddAdd, ddSub, ddMul, ddDiv, ddScale, ddNeg } from './dd';
import { pairToF80, pio2, sigDD } from './trans';

@inline function ddToF80(out: usize, x: v128, E: i32, fcw: u32, sw: usize): void {
  pairToF80(out, ddHi(x), ddLo(x), E, fcw, sw);
}


/** sin(r) (cosine = false) or cos(r) (cosine = true) for |r| <= pi/4 by Taylor series. */
function ddSinCos(r: v128, cosine: bool): v128 {
  const r2 = ddMul(r, r);
  let sum = ddOf(1);
  for (let n = 14; n >= 1; n--) {
    const d = cosine ? <f64>((2 * n - 1) * (2 * n)) : <f64>((2 * n) * (2 * n + 1));
    sum = ddSub(ddOf(1), ddDiv(ddMul(r2, sum), ddOf(d)));
  }
  return cosine ? sum : ddMul(r, sum);
}

// 2/pi as a 192-bit binary fraction (Payne-Hanek style reduction for |x| < 2^63).
const TWO_OVER_PI_2: u64 = 0xA2F9836E4E441529;
const TWO_OVER_PI_1: u64 = 0xFC2757D1F534DDC0;
const TWO_OVER_PI_0: u64 = 0xDB6295993C439041;

/** A 128-bit fraction (hi:lo) x 2^-128 as a double-double. */
function frac128(hi: u64, lo: u64): v128 {
  let sh: f64 = 1;
  if (hi == 0) { hi = lo; lo = 0; sh = 5.421010862427522e-20; }
  if (hi == 0) return ddOf(0);
  const z = <i32>clz(hi);
  const m = z == 0 ? hi : (hi << <u64>z) | (lo >> <u64>(64 - z));
  const m2 = lo << <u64>z;
  const v = ddAdd(sigDD(m), ddOf(<f64>(m2 >> 11) * 1.2037062152420224e-35));
  return ddScale(v, sh * Math.pow(2, <f64>(-1 - z)));
}

// pi/2 rounded to 66 significant bits, as the x87 uses for its own argument reduction
// (SDM vol.1 8.3.10): P66 x 2^-65. The host matches this, not the true pi.
const P66_HI: u64 = 0x3;
const P66_LO: u64 = 0x243F6A8885A308D3;

/**
 * Reduce |x| (m, unbiased exponent -1 <= e <= 62) by multiples of the 66-bit pi/2:
 * returns r with |r| <= pi/4 and stores the quadrant (k mod 4) as a byte at `quad`.
 */
function reduce(m: u64, e: i32, quad: usize): v128 {
  // Estimate k = round(x * 2/pi) from the 192-bit 2/pi (P = m * 2/pi, q = P x 2^(e-255)).
  const h0 = mulHiU(m, TWO_OVER_PI_0);
  const l1 = m * TWO_OVER_PI_1, h1 = mulHiU(m, TWO_OVER_PI_1);
  const l2 = m * TWO_OVER_PI_2, h2 = mulHiU(m, TWO_OVER_PI_2);
  const w1 = h0 + l1;
  const t2 = h1 + l2;
  const w2 = t2 + u64(w1 < h0);
  const w3 = h2 + u64(t2 < h1) + u64(w2 < t2);
  const t = e + 1;
  let k: u64 = t == 0 ? 0 : w3 >> <u64>(64 - t);
  const fh: u64 = t == 0 ? w3 : (w3 << <u64>t) | (w2 >> <u64>(64 - t));
  if (fh >> 63) k++;
  // Exact remainder R = x - k*P66 in units of 2^-65 (it is small, so 128-bit wrapping is exact).
  const s = e + 2;
  let xh: u64 = s == 64 ? m : m >> <u64>(64 - s);
  let xl: u64 = s == 64 ? 0 : m << <u64>s;
  const kl = k * P66_LO, kh = mulHiU(k, P66_LO) + k * P66_HI;
  let rl = xl - kl;
  let rh = xh - kh - u64(xl < kl);
  // Keep |R| <= P66/2 (the estimate can be one off near a boundary).
  const halfH = P66_HI >> 1, halfL = (P66_LO >> 1) | (P66_HI << 63);
  if (<i64>rh >= 0 && (rh > halfH || (rh == halfH && rl > halfL))) {
    k++; const b = u64(rl < P66_LO); rl -= P66_LO; rh = rh - P66_HI - b;
  } else if (<i64>rh < 0) {
    const nl = <u64>0 - rl, nh = <u64>0 - rh - u64(rl != 0);
    if (nh > halfH || (nh == halfH && nl > halfL)) {
      k--; const c = rl + P66_LO; rh = rh + P66_HI + u64(c < rl); rl = c;
    }
  }
  store<u8>(quad, <u8>(k & 3));
  const neg = <i64>rh < 0;
  if (neg) { rl = <u64>0 - rl; rh = <u64>0 - rh - u64(rl != 0); }
  const r = ddScale(frac128(rh, rl), 9223372036854775808.0);
  void xh; void xl;
  return neg ? ddNeg(r) : r;
}

@inline function mulHiU(a: u64, b: u64): u64 {
  const a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

const TRIG_SIN = 0, TRIG_COS = 1, TRIG_TAN = 2, TRIG_SINCOS = 3;


/** Shared screening for FSIN/FCOS/FSINCOS/FPTAN; returns true when the instruction is done. */
function trigScreen(out: usize, out2: usize, sig: u64, se: u32, op: i32, fcw: u32, sw: usize): bool {
  const c = cls80(sig, se);
  store<u16>(sw, load<u16>(sw) & ~<u16>(FSW_C2 | 0x200));
  if (c == CLS_UNSUPPORTED || c == CLS_INF) {
    invalid80(out, fcw, sw);
    if (op == TRIG_SINCOS && (fcw & FLAG_IE)) storeF80(out2, load<u64>(out), load<u16>(out, 8));
    return true;
  }
  if (isNaNCls(c)) {
    nan1(out, sig, se, c, fcw, sw);
    if (op == TRIG_SINCOS && (fcw & FLAG_IE || c != 5)) storeF80(out2, load<u64>(out), load<u16>(out, 8));
    return true;
  }
  if (c != CLS_ZERO && exp80(sig, se) >= 63) { store<u16>(sw, load<u16>(sw) | <u16>FSW_C2); return true; }
  if (c == CLS_DENORMAL && denormalStops(fcw, sw)) return true;
  if (c == CLS_ZERO) {
    if (op == TRIG_COS) storeF80(out, 0x8000000000000000, 0x3FFF);
    else storeF80(out, sig, se);
    if (op == TRIG_SINCOS) storeF80(out2, 0x8000000000000000, 0x3FFF);
    return true;
  }
  return false;
}

/** |x| < 2^-500: sin x and tan x are x just inside/outside, cos x is just below 1. */
function trigTiny(out: usize, out2: usize, m: u64, e: i32, neg: bool, op: i32, fcw: u32, sw: usize): void {
  const eps = 7.888609052210118e-31; // 2^-100
  const x = ddAdd(sigDD(m), ddOf(op == TRIG_TAN ? eps : -eps));
  const c = ddSub(ddOf(1), ddOf(eps));
  if (op == TRIG_COS) { ddToF80(out, c, 0, fcw, sw); return; }
  if (op == TRIG_SINCOS) ddToF80(out2, c, 0, fcw, sw);
  ddToF80(out, neg ? ddNeg(x) : x, e, fcw, sw);
}

/**
 * FSIN (op 0: out = sin), FCOS (1: out = cos), FPTAN (2: out = tan; the caller pushes 1.0),
 * FSINCOS (3: out = sin for ST1, out2 = cos for the new ST0). C2 = 1 (operand unchanged,
 * nothing written) when |x| >= 2^63.
 */
export function f80Trig(out: usize, out2: usize, sig: u64, se: u32, op: i32, fcw: u32, sw: usize): void {
  if (trigScreen(out, out2, sig, se, op, fcw, sw)) return;
  const neg = (se & 0x8000) != 0;
  const e = exp80(sig, se), m = norm80(sig);
  if (e < -500) { trigTiny(out, out2, m, e, neg, op, fcw, sw); return; }
  let r: v128, q: i32 = 0;
  if (e < -1) r = ddScale(sigDD(m), Math.pow(2, <f64>e));
  else { r = reduce(m, e, out); q = load<u8>(out); }
  let s = ddSinCos(r, false), c = ddSinCos(r, true);
  if (q & 1) { const t = s; s = c; c = ddNeg(t); }
  if (q & 2) { s = ddNeg(s); c = ddNeg(c); }
  if (neg) s = ddNeg(s);
  if (op == TRIG_SIN) ddToF80(out, s, 0, fcw, sw);
  else if (op == TRIG_COS) ddToF80(out, c, 0, fcw, sw);
  else if (op == TRIG_TAN) ddToF80(out, ddDiv(s, c), 0, fcw, sw);
  else {
    ddToF80(out2, c, 0, fcw, sw);
    ddToF80(out, s, 0, fcw, sw);
  }
}
