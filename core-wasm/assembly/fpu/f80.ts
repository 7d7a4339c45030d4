// fpu/f80.ts — x87 operand classification and the special-operand rules shared by every x87
// operation: unsupported encodings (pseudo-NaN, pseudo-infinity, unnormal) are invalid operands
// on the 387 and later, pseudo-denormals are accepted as denormals, SNaN raises IE, NaN results
// are quieted, two NaNs give the one with the larger significand (SDM vol.1 8.2.2, 4.8.3.5,
// table 4-7, 8.5.1-8.5.2). Unmasked IE/DE/ZE leave the destination unwritten (SDM 8.5).
// Invariant: results are written only through `out` (10 bytes: u64 significand, u16 sign+exponent).
import { FLAG_IE, FLAG_DE, FLAG_ZE, FLAG_UE, FLAG_OE, CTL_X87, CTL_UEU, CTL_OEU,
  F80_INDEF_SE, F80_INDEF_SIG } from './consts';
import { raise, setC1 } from './wide';
import { storeF80 } from './round';

export const CLS_ZERO: i32 = 0;
export const CLS_NORMAL: i32 = 1;
export const CLS_DENORMAL: i32 = 2; // includes pseudo-denormals (exponent 0, integer bit 1)
export const CLS_INF: i32 = 3;
export const CLS_QNAN: i32 = 4;
export const CLS_SNAN: i32 = 5;
export const CLS_UNSUPPORTED: i32 = 6; // unnormal, pseudo-NaN, pseudo-infinity

@inline export function cls80(sig: u64, se: u32): i32 {
  const e = se & 0x7FFF;
  if (e == 0x7FFF) {
    if (!(sig >> 63)) return CLS_UNSUPPORTED;
    if ((sig << 1) == 0) return CLS_INF;
    return (sig >> 62) & 1 ? CLS_QNAN : CLS_SNAN;
  }
  if (e == 0) return sig == 0 ? CLS_ZERO : CLS_DENORMAL;
  return sig >> 63 ? CLS_NORMAL : CLS_UNSUPPORTED;
}

@inline export function isNaNCls(c: i32): bool { return c == CLS_QNAN || c == CLS_SNAN; }

/** Unbiased exponent of a finite non-zero f80 once its significand is normalised. */
@inline export function exp80(sig: u64, se: u32): i32 {
  const e = <i32>(se & 0x7FFF);
  return e == 0 ? -16382 - <i32>clz(sig) : e - 16383;
}

/** The significand normalised to bit 63 (denormals shifted up). */
@inline export function norm80(sig: u64): u64 {
  return sig << clz(sig);
}

/** Internal rounding control word for an x87 register destination, from the FCW. */
@inline export function ctlFromFcw(fcw: u32): u32 {
  let c = ((fcw >> 10) & 3) | (((fcw >> 8) & 3) << 2) | CTL_X87;
  if (!(fcw & FLAG_UE)) c |= CTL_UEU;
  if (!(fcw & FLAG_OE)) c |= CTL_OEU;
  return c;
}

/** Invalid operation: IE, and the real indefinite unless IE is unmasked. */
export function invalid80(out: usize, fcw: u32, sw: usize): void {
  raise(sw, FLAG_IE);
  setC1(sw, false);
  if (fcw & FLAG_IE) storeF80(out, F80_INDEF_SIG, F80_INDEF_SE);
}

/** One NaN operand (class c): IE if signaling; the quieted NaN unless IE is unmasked. */
export function nan1(out: usize, sig: u64, se: u32, c: i32, fcw: u32, sw: usize): void {
  setC1(sw, false);
  if (c == CLS_SNAN) {
    raise(sw, FLAG_IE);
    if (!(fcw & FLAG_IE)) return;
  }
  storeF80(out, sig | 0x4000000000000000, se);
}

/** Two operands, at least one a NaN: x87 propagation rule (SDM table 4-7). */
export function nan2(out: usize, aSig: u64, aSE: u32, ca: i32, bSig: u64, bSE: u32, cb: i32,
                     fcw: u32, sw: usize): void {
  setC1(sw, false);
  if (ca == CLS_SNAN || cb == CLS_SNAN) {
    raise(sw, FLAG_IE);
    if (!(fcw & FLAG_IE)) return;
  }
  let pickA: bool;
  if (!isNaNCls(cb)) pickA = true;
  else if (!isNaNCls(ca)) pickA = false;
  else if (ca != cb) pickA = ca == CLS_QNAN; // SNaN with QNaN: the QNaN
  else {
    const qa = aSig | 0x4000000000000000, qb = bSig | 0x4000000000000000;
    pickA = qa > qb || (qa == qb && aSE <= bSE);
  }
  if (pickA) storeF80(out, aSig | 0x4000000000000000, aSE);
  else storeF80(out, bSig | 0x4000000000000000, bSE);
}

/** Denormal operand: DE; true when DE is unmasked and the instruction must stop here. */
@inline export function denormalStops(fcw: u32, sw: usize): bool {
  raise(sw, FLAG_DE);
  return !(fcw & FLAG_DE);
}

/** Division of a finite non-zero value by zero: ZE, and a signed infinity unless ZE is unmasked. */
export function divZero80(out: usize, sign: u32, fcw: u32, sw: usize): void {
  raise(sw, FLAG_ZE);
  setC1(sw, false);
  if (fcw & FLAG_ZE) storeF80(out, 0x8000000000000000, (sign << 15) | 0x7FFF);
}

/** Store an exact special result (infinity or zero) and clear C1. */
@inline export function exact80(out: usize, sig: u64, se: u32, sw: usize): void {
  setC1(sw, false);
  storeF80(out, sig, se);
}
