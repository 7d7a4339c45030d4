// fpu/f80conv.ts — x87 conversions: FILD/FIST/FISTP/FISTTP (f80 <-> int16/32/64, SDM vol.2
// FIST, FISTTP), FLD/FST m32/m64 (f32/f64 <-> f80 with rounding and flags), FBLD/FBSTP
// (18-digit packed BCD, SDM vol.1 4.7). Out-of-range or NaN sources give the integer indefinite
// (the most negative integer) or the BCD indefinite with IE.
// Invariant: memory-destination results are returned (or written to `out` for BCD); callers
// skip the store when IE/OE/UE were raised unmasked.
import { FLAG_IE, FLAG_DE, FLAG_OE, CTL_OEU, FLAG_UE, FLAG_PE, FMT_F64, FMT_F32, CTL_X87, CTL_UEFLAG, F80_INDEF_SIG } from './consts';
import { CLS_ZERO, CLS_DENORMAL, CLS_INF, CLS_SNAN, CLS_UNSUPPORTED, cls80, isNaNCls, exp80, norm80,
  denormalStops } from './f80';
import { raise, setC1 } from './wide';
import { finish, storeF80 } from './round';
import { roundToIntMag, truncMag, hasFraction } from './f80misc';

/** FILD: an integer (sign-extended to i64) to f80 at `out`; always exact. */
export function f80FromInt(out: usize, v: i64): void {
  if (v == 0) { storeF80(out, 0, 0); return; }
  const sign: u32 = v < 0 ? 1 : 0;
  const mag: u64 = v < 0 ? <u64>(-v) : <u64>v;
  const z = <i32>clz(mag);
  storeF80(out, mag << <u64>z, (sign << 15) | <u32>(16383 + 63 - z));
}

/**
 * FIST/FISTP (trunc = 0, FCW.RC) and FISTTP (trunc = 1, toward zero) to a `bits`-wide integer
 * (16, 32, 64). Returns the value sign-extended; the integer indefinite on IE.
 */
export function f80ToInt(sig: u64, se: u32, bits: i32, trunc: i32, fcw: u32, sw: usize): i64 {
  const indef: i64 = <i64>(<u64>0xFFFFFFFFFFFFFFFF << <u64>(bits - 1));
  const c = cls80(sig, se);
  setC1(sw, false);
  if (c == CLS_UNSUPPORTED || c == CLS_INF || isNaNCls(c)) { raise(sw, FLAG_IE); return indef; }
  if (c == CLS_ZERO) return 0; // denormals raise no DE here: they round like any other value
  const sign = se >> 15;
  const rc: u32 = trunc ? 3 : (fcw >> 10) & 3;
  const e = exp80(sig, se);
  const m = norm80(sig);
  const mag = roundToIntMag(sign, e, m, rc);
  const limit: u64 = (<u64>1 << <u64>(bits - 1)) - (sign ? 0 : 1);
  if (e > 63 || mag > limit) { raise(sw, FLAG_IE); return indef; }
  if (hasFraction(e, m)) raise(sw, FLAG_PE);
  setC1(sw, mag != truncMag(e, m));
  return sign ? -<i64>mag : <i64>mag;
}

/** FST/FSTP m64 (fmt FMT_F64) and m32 (FMT_F32): round with FCW.RC; returns the bit pattern. */
export function f80ToBin(sig: u64, se: u32, fmt: i32, fcw: u32, sw: usize): u64 {
  const c = cls80(sig, se);
  const sign = <u64>(se >> 15);
  const f64 = fmt == FMT_F64;
  const top: u64 = f64 ? sign << 63 : sign << 31;
  const infBits: u64 = f64 ? 0x7FF0000000000000 : 0x7F800000;
  setC1(sw, false);
  if (c == CLS_UNSUPPORTED) { raise(sw, FLAG_IE); return f64 ? 0xFFF8000000000000 : 0xFFC00000; }
  if (isNaNCls(c)) {
    if (c == CLS_SNAN) raise(sw, FLAG_IE);
    const payload = f64 ? (sig << 1) >> 12 : (sig << 1) >> 41;
    return top | infBits | payload | (f64 ? 0x0008000000000000 : 0x00400000);
  }
  if (c == CLS_INF) return top | infBits;
  if (c == CLS_ZERO) return top;
  // A denormal source raises no DE here; unmasked UE/OE only flag (nothing is stored).
  let ctl = ((fcw >> 10) & 3) | CTL_X87;
  if (!(fcw & FLAG_UE)) ctl |= CTL_UEFLAG;
  if (!(fcw & FLAG_OE)) ctl |= CTL_OEU;
  return finish(<u32>sign, exp80(sig, se), norm80(sig), 0, fmt, ctl, sw, 0);
}

/** FLD m64 / m32: widen exactly to f80 at `out`; SNaN gives IE (quieted), denormals DE. */
export function f80FromBin(out: usize, bits: u64, fmt: i32, fcw: u32, sw: usize): void {
  const f64 = fmt == FMT_F64;
  const fracBits: u64 = f64 ? 52 : 23;
  const expMax: u32 = f64 ? 0x7FF : 0xFF;
  const bias: i32 = f64 ? 1023 : 127;
  const sign = <u32>(bits >> (f64 ? 63 : 31)) & 1;
  const e = <u32>(bits >> fracBits) & expMax;
  const frac = bits & ((<u64>1 << fracBits) - 1);
  setC1(sw, false);
  if (e == expMax) {
    if (frac == 0) { storeF80(out, 0x8000000000000000, (sign << 15) | 0x7FFF); return; }
    const quiet = (frac >> (fracBits - 1)) & 1;
    if (!quiet) { raise(sw, FLAG_IE); if (!(fcw & FLAG_IE)) return; }
    storeF80(out, 0xC000000000000000 | (frac << (63 - fracBits)), (sign << 15) | 0x7FFF);
    return;
  }
  if (e == 0) {
    if (frac == 0) { storeF80(out, 0, sign << 15); return; }
    raise(sw, FLAG_DE); // the host loads the value even with DE unmasked
    const z = <i32>clz(frac);
    storeF80(out, frac << <u64>z, (sign << 15) | <u32>(16383 - bias + 1 - (z - (63 - <i32>fracBits))));
    return;
  }
  storeF80(out, 0x8000000000000000 | (frac << (63 - fracBits)), (sign << 15) | (<u32>(<i32>e - bias + 16383)));
}

/** FBLD: 18 packed BCD digits (lo = bytes 0-7, hi = bytes 8-9) to f80 at `out`. */
export function f80FromBcd(out: usize, lo: u64, hi: u32): void {
  // hi holds byte 8 (digits 17,16) and byte 9 (sign in bit 7); lo holds digits 15..0.
  let v: u64 = <u64>(((hi >> 4) & 15) * 10 + (hi & 15));
  for (let i = 7; i >= 0; i--) v = v * 100 + ((lo >> <u64>(i * 8 + 4)) & 15) * 10 + ((lo >> <u64>(i * 8)) & 15);
  const sign: u32 = (hi >> 15) & 1;
  if (v == 0) { storeF80(out, 0, sign << 15); return; }
  const z = <i32>clz(v);
  storeF80(out, v << <u64>z, (sign << 15) | <u32>(16383 + 63 - z));
}

/** FBSTP: round with FCW.RC and write 10 BCD bytes at `out` (BCD indefinite on IE). */
export function f80ToBcd(out: usize, sig: u64, se: u32, fcw: u32, sw: usize): void {
  const c = cls80(sig, se);
  setC1(sw, false);
  if (c == CLS_UNSUPPORTED || c == CLS_INF || isNaNCls(c)) { bcdIndefinite(out, fcw, sw); return; }
  const sign = se >> 15;
  let mag: u64 = 0;
  if (c != CLS_ZERO) {
    const e = exp80(sig, se); // denormals raise no DE here
    const m = norm80(sig);
    mag = roundToIntMag(sign, e, m, (fcw >> 10) & 3);
    if (e > 63 || mag > 999999999999999999) { bcdIndefinite(out, fcw, sw); return; }
    if (hasFraction(e, m)) raise(sw, FLAG_PE);
    setC1(sw, mag != truncMag(e, m));
  }
  let lo: u64 = 0;
  for (let i = 0; i < 16; i++) { lo |= (mag % 10) << <u64>(i * 4); mag /= 10; }
  const hi = <u32>((mag / 10) << 4 | (mag % 10)) | (sign << 15);
  storeF80(out, lo, hi);
}

function bcdIndefinite(out: usize, fcw: u32, sw: usize): void {
  raise(sw, FLAG_IE);
  if (fcw & FLAG_IE) storeF80(out, F80_INDEF_SIG, 0xFFFF);
}

/** Flag in a widened operand's sign+exponent word: "denormal in its source format" (DE). */
export const SE_SRC_DENORMAL: u32 = 0x10000;

/**
 * Widen an f32/f64 memory operand of an arithmetic instruction (FADD m32fp, FCOM m64fp, ...)
 * to f80 without raising anything: the significand goes to `out`, the sign+exponent word is
 * returned (and stored at out+8 without the flag). NaNs keep their signaling bit, so the
 * operation applies the x87 NaN rules to the original operand; a source denormal comes back
 * normalised with SE_SRC_DENORMAL set so the operation raises DE at the right point.
 */
export function f80Widen(out: usize, bits: u64, fmt: i32): u32 {
  const f64 = fmt == FMT_F64;
  const fracBits: u64 = f64 ? 52 : 23;
  const expMax: u32 = f64 ? 0x7FF : 0xFF;
  const bias: i32 = f64 ? 1023 : 127;
  const sign = <u32>(bits >> (f64 ? 63 : 31)) & 1;
  const e = <u32>(bits >> fracBits) & expMax;
  const frac = bits & ((<u64>1 << fracBits) - 1);
  let sig: u64, se: u32;
  if (e == expMax) { sig = 0x8000000000000000 | (frac << (63 - fracBits)); se = (sign << 15) | 0x7FFF; }
  else if (e == 0) {
    if (frac == 0) { sig = 0; se = sign << 15; }
    else {
      const z = <i32>clz(frac);
      sig = frac << <u64>z;
      se = (sign << 15) | <u32>(16383 - bias + 1 - (z - (63 - <i32>fracBits)));
      storeF80(out, sig, se);
      return se | SE_SRC_DENORMAL;
    }
  } else { sig = 0x8000000000000000 | (frac << (63 - fracBits)); se = (sign << 15) | <u32>(<i32>e - bias + 16383); }
  storeF80(out, sig, se);
  return se;
}
