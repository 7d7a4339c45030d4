// fpu/round.ts — the rounding core: turns an exact-enough intermediate (sign, exponent,
// 64-bit normalised significand + 64 more bits below it, the lowest of which is sticky)
// into an f80 (x87, with precision control 24/53/64 and unmasked-exception exponent wrapping),
// an f64 or an f32, raising PE/UE/OE and reporting "rounded up" (FSW.C1) for the x87.
// Implements IEEE 754 rounding with tininess detected after rounding (SDM vol.1 4.9.1.5),
// masked/unmasked overflow and underflow responses (SDM 4.9.1.4-5, 8.5.4-5, 11.5.2.4-5).
// When even the wrapped exponent is out of range (FSCALE), the host delivers a signed infinity
// or zero with OE/UE and PE, whatever the rounding mode.
// Memory destinations (roundBin) with UE/OE unmasked raise only UE/OE (no PE, C1 clear) and the
// caller stores nothing.
// Invariant: `sig` has bit 63 set on entry (the caller handles zero results).
import { FLAG_OE, FLAG_PE, FLAG_UE, RC_DOWN, RC_NEAREST, RC_UP, CTL_FTZ, CTL_UEU, CTL_OEU, CTL_X87,
  CTL_UEFLAG, CTL_PEWRAP, FMT_F80, FMT_F64 } from './consts';
import { raise, setC1 } from './wide';

/** 1 when a discarded remainder `rem` (scaled so that `half` is one half ulp) rounds the kept part up. */
@inline export function roundInc(rc: u32, sign: u32, lsb: u64, rem: u64, half: u64): u64 {
  if (rem == 0) return 0;
  if (rc == RC_NEAREST) return u64(rem > half || (rem == half && lsb != 0));
  if (rc == RC_DOWN) return u64(sign != 0);
  if (rc == RC_UP) return u64(sign == 0);
  return 0;
}

@inline function precisionBits(ctl: u32): i32 {
  const pc = (ctl >> 2) & 3;
  return pc == 0 ? 24 : (pc == 2 ? 53 : 64);
}

@inline export function storeF80(out: usize, sig: u64, se: u32): void {
  store<u64>(out, sig);
  store<u16>(out, <u16>se, 8);
}

/** Round (sig:lo) x 2^(e-16383-63) to an x87 register value at `out`. `e` is the biased exponent. */
export function round80(sign: u32, e: i32, sig: u64, lo: u64, ctl: u32, flags: usize, out: usize): void {
  const rc = ctl & 3;
  const p = precisionBits(ctl);
  let f: u32 = 0;
  let kept: u64, rem: u64, half: u64;
  if (p == 64) { kept = sig; rem = lo; half = 0x8000000000000000; }
  else {
    const sh = <u64>(64 - p);
    kept = sig >> sh;
    rem = (sig & ((<u64>1 << sh) - 1)) | u64(lo != 0);
    half = <u64>1 << (sh - 1);
  }
  const inc = roundInc(rc, sign, kept & 1, rem, half);
  let rounded = kept + inc;
  let carry = p == 64 ? (inc != 0 && rounded == 0) : (rounded >> <u64>p) != 0;
  if (e < 1 && !(e == 0 && carry)) {
    // Tiny after rounding.
    if (ctl & CTL_UEU) {
      if (e + 24576 < 1) { massive80(sign, false, ctl, flags, out); return; }
      e += 24576;
      f |= FLAG_UE;
    } else {
      denormal80(sign, 1 - e, sig, lo, p, rc, ctl, flags, out);
      return;
    }
  }
  if (rem != 0) f |= FLAG_PE;
  let up = inc != 0;
  let outSig: u64;
  if (carry) { outSig = 0x8000000000000000; e++; }
  else outSig = rounded << <u64>(64 - p);
  if (e >= 0x7FFF) {
    if (ctl & CTL_OEU) {
      if (e - 24576 >= 0x7FFF) { massive80(sign, true, ctl, flags, out); return; }
      e -= 24576;
      f |= FLAG_OE;
    } else {
      f |= FLAG_OE | FLAG_PE;
      const toInf = rc == RC_NEAREST || (rc == RC_DOWN && sign != 0) || (rc == RC_UP && sign == 0);
      if (toInf) { outSig = 0x8000000000000000; e = 0x7FFF; up = true; }
      else { outSig = p == 64 ? 0xFFFFFFFFFFFFFFFF : (((<u64>1 << <u64>p) - 1) << <u64>(64 - p)); e = 0x7FFE; up = false; }
    }
  }
  storeF80(out, outSig, (sign << 15) | <u32>e);
  raise(flags, f);
  if (ctl & CTL_X87) setC1(flags, up);
}

/** Unmasked over/underflow beyond the wrapping range (FSCALE): signed infinity or zero. */
function massive80(sign: u32, over: bool, ctl: u32, flags: usize, out: usize): void {
  storeF80(out, over ? 0x8000000000000000 : 0, (sign << 15) | (over ? 0x7FFF : 0));
  raise(flags, (over ? FLAG_OE : FLAG_UE) | FLAG_PE);
  if (ctl & CTL_X87) setC1(flags, over);
}

/** Masked-underflow path: shift right by n (>= 1) with sticky, round at precision p, store. */
function denormal80(sign: u32, n: i32, sig: u64, lo: u64, p: i32, rc: u32, ctl: u32, flags: usize, out: usize): void {
  if (n >= 128) { lo = u64((sig | lo) != 0); sig = 0; }
  else if (n > 64) { lo = (sig >> <u64>(n - 64)) | u64(((sig << <u64>(128 - n)) | lo) != 0); sig = 0; }
  else if (n == 64) { lo = sig | u64(lo != 0); sig = 0; }
  else { lo = (sig << <u64>(64 - n)) | (lo >> <u64>n) | u64((lo << <u64>(64 - n)) != 0); sig = sig >> <u64>n; }
  let kept: u64, rem: u64, half: u64;
  if (p == 64) { kept = sig; rem = lo; half = 0x8000000000000000; }
  else {
    const sh = <u64>(64 - p);
    kept = sig >> sh;
    rem = (sig & ((<u64>1 << sh) - 1)) | u64(lo != 0);
    half = <u64>1 << (sh - 1);
  }
  const inc = roundInc(rc, sign, kept & 1, rem, half);
  const outSig = (kept + inc) << <u64>(64 - p);
  let f: u32 = 0;
  if (rem != 0) f = FLAG_UE | FLAG_PE;
  else if (ctl & CTL_UEFLAG) f = FLAG_UE;
  storeF80(out, outSig, (sign << 15) | <u32>(outSig >> 63));
  raise(flags, f);
  if (ctl & CTL_X87) setC1(flags, inc != 0);
}

/**
 * Round sig x 2^(e-bias-62) (sig normalised at bit 62, bit 0 sticky) to a binary format with
 * p significand bits and expBits exponent bits; returns the packed encoding.
 */
export function roundBin(sign: u32, e: i32, sig: u64, p: i32, expBits: i32, ctl: u32, flags: usize): u64 {
  const rc = ctl & 3;
  const sh = <u64>(63 - p);
  const mask = (<u64>1 << sh) - 1, half = <u64>1 << (sh - 1);
  const emax = (1 << expBits) - 1;
  const signBit = <u64>sign << <u64>(p - 1 + expBits);
  let f: u32 = 0;
  let denorm = false;
  if (e < 1) {
    let tiny = true;
    if (e == 0) {
      const inc0 = roundInc(rc, sign, (sig >> sh) & 1, sig & mask, half);
      if (((sig >> sh) + inc0) >> <u64>p) tiny = false;
    }
    if (tiny) {
      if (ctl & CTL_FTZ) {
        raise(flags, FLAG_UE | FLAG_PE);
        if (ctl & CTL_X87) setC1(flags, false);
        return signBit;
      }
      if (ctl & CTL_UEFLAG) {
        raise(flags, FLAG_UE | ((ctl & CTL_PEWRAP) && (sig & mask) != 0 ? FLAG_PE : 0));
        if (ctl & CTL_X87) setC1(flags, false);
        return signBit;
      }
      const n = 1 - e;
      sig = n >= 63 ? u64(sig != 0) : (sig >> <u64>n) | u64((sig << <u64>(64 - n)) != 0);
      e = 0;
      denorm = true;
      if ((sig & mask) != 0) f |= FLAG_UE;
    }
  }
  const rem = sig & mask;
  const inc = roundInc(rc, sign, (sig >> sh) & 1, rem, half);
  let kept = (sig >> sh) + inc;
  if (rem != 0) f |= FLAG_PE;
  let up = inc != 0;
  let res: u64;
  if (denorm) {
    res = signBit | kept; // a carry into bit p-1 makes it the smallest normal, exactly as encoded
  } else {
    if (kept >> <u64>p) { kept >>= 1; e++; }
    if (e >= emax && (ctl & CTL_OEU)) {
      raise(flags, FLAG_OE | ((ctl & CTL_PEWRAP) && rem != 0 ? FLAG_PE : 0));
      if (ctl & CTL_X87) setC1(flags, false);
      return signBit;
    }
    if (e >= emax) {
      f |= FLAG_OE | FLAG_PE;
      const toInf = rc == RC_NEAREST || (rc == RC_DOWN && sign != 0) || (rc == RC_UP && sign == 0);
      up = toInf;
      res = toInf ? signBit | (<u64>emax << <u64>(p - 1)) : signBit | ((<u64>(emax - 1) << <u64>(p - 1)) | ((<u64>1 << <u64>(p - 1)) - 1));
    } else {
      res = signBit | ((<u64>e << <u64>(p - 1)) + (kept & ((<u64>1 << <u64>(p - 1)) - 1)));
    }
  }
  raise(flags, f);
  if (ctl & CTL_X87) setC1(flags, up);
  return res;
}

/**
 * Deliver an intermediate in the common unpacked form: value = (sig + lo/2^64) x 2^(exp-63),
 * sig normalised. For FMT_F80 the result goes to `out` and 0 is returned; otherwise the packed
 * f64/f32 bits are returned.
 */
export function finish(sign: u32, exp: i32, sig: u64, lo: u64, fmt: i32, ctl: u32, flags: usize, out: usize): u64 {
  if (fmt == FMT_F80) { round80(sign, exp + 16383, sig, lo, ctl, flags, out); return 0; }
  const s62 = (sig >> 1) | (sig & 1) | u64(lo != 0);
  if (fmt == FMT_F64) return roundBin(sign, exp + 1023, s62, 53, 11, ctl, flags);
  return roundBin(sign, exp + 127, s62, 24, 8, ctl, flags);
}
