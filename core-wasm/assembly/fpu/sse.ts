// fpu/sse.ts — SSE/SSE2/SSE4.1 scalar floating point on binary32/binary64 bit patterns with
// MXCSR semantics (SDM vol.1 10.2.3, 11.5; vol.2 ADDSD ... ROUNDSD): rounding control, FTZ (only
// with UE masked), DAZ (denormal inputs read as signed zero, no DE), the SSE NaN rule (first
// source's NaN wins, SNaN quieted; table 4-7), the QNaN indefinite for invalid operations,
// MIN/MAX returning the second operand for NaN or equal zeros, and the x86 integer indefinite.
// Packed instructions call these per element. `fmt` is FMT_F64 or FMT_F32 throughout.
// Invariant: no state; flags are ORed into the u16 at `flags`.
import { FLAG_IE, FLAG_DE, FLAG_ZE, FLAG_PE, FLAG_UE, CTL_FTZ, CTL_UEFLAG, CTL_OEU, CTL_PEWRAP, FMT_F64, F64_INDEF, F32_INDEF } from './consts';
import { CLS_ZERO, CLS_NORMAL, CLS_DENORMAL, CLS_INF, CLS_QNAN, CLS_SNAN } from './f80';
import { raise } from './wide';
import { addCore, mulCore, divCore, sqrtCore, zeroResult } from './core';
import { finish } from './round';
import { roundToIntMag, truncMag, hasFraction } from './f80misc';

export const MXCSR_DAZ: u32 = 0x0040;
export const MXCSR_FZ: u32 = 0x8000;

@inline function fracBits(fmt: i32): u64 { return fmt == FMT_F64 ? 52 : 23; }
@inline function expMax(fmt: i32): u32 { return fmt == FMT_F64 ? 0x7FF : 0xFF; }
@inline function bias(fmt: i32): i32 { return fmt == FMT_F64 ? 1023 : 127; }
@inline function signOf(x: u64, fmt: i32): u32 { return <u32>(x >> (fmt == FMT_F64 ? 63 : 31)) & 1; }
@inline function quietBit(fmt: i32): u64 { return fmt == FMT_F64 ? 0x0008000000000000 : 0x00400000; }
@inline function indef(fmt: i32): u64 { return fmt == FMT_F64 ? F64_INDEF : <u64>F32_INDEF; }
@inline function infOf(sign: u32, fmt: i32): u64 {
  return fmt == FMT_F64 ? (<u64>sign << 63) | 0x7FF0000000000000 : (<u64>sign << 31) | 0x7F800000;
}
@inline function zeroOf(sign: u32, fmt: i32): u64 { return <u64>sign << (fmt == FMT_F64 ? 63 : 31); }

/** Class of an operand; with DAZ a denormal reads as zero. */
export function clsBin(x: u64, fmt: i32, mx: u32): i32 {
  const fb = fracBits(fmt);
  const e = <u32>(x >> fb) & expMax(fmt);
  const frac = x & ((<u64>1 << fb) - 1);
  if (e == expMax(fmt)) return frac == 0 ? CLS_INF : (frac & quietBit(fmt) ? CLS_QNAN : CLS_SNAN);
  if (e == 0) return frac == 0 || (mx & MXCSR_DAZ) ? CLS_ZERO : CLS_DENORMAL;
  return CLS_NORMAL;
}

/** Unbiased exponent of a finite non-zero value once normalised. */
@inline export function expBin(x: u64, fmt: i32): i32 {
  const fb = fracBits(fmt);
  const e = <i32>(<u32>(x >> fb) & expMax(fmt));
  if (e != 0) return e - bias(fmt);
  return 1 - bias(fmt) - (<i32>clz(x & ((<u64>1 << fb) - 1)) - (63 - <i32>fb));
}

/** Significand normalised to bit 63. */
@inline export function sigBin(x: u64, fmt: i32): u64 {
  const fb = fracBits(fmt);
  const frac = x & ((<u64>1 << fb) - 1);
  const e = <u32>(x >> fb) & expMax(fmt);
  return e != 0 ? (frac | (<u64>1 << fb)) << (63 - fb) : frac << clz(frac);
}

/**
 * Internal rounding control from MXCSR: RC; FTZ when FZ is set and UE masked; with UE or OE
 * unmasked, a tiny or overflowing result raises UE or OE, plus PE only when the result rounded
 * with an unbounded exponent is inexact (the #XM case, measured on the host; UE is raised even
 * when the tiny result is exact).
 */
@inline export function ctlFromMxcsr(mx: u32): u32 {
  let c = (mx >> 13) & 3;
  if (mx & 0x0800) { if (mx & MXCSR_FZ) c |= CTL_FTZ; }
  else c |= CTL_UEFLAG | CTL_PEWRAP;
  if (!(mx & 0x0400)) c |= CTL_OEU | CTL_PEWRAP;
  return c;
}

/** DE for a denormal operand; true when DE is unmasked (the instruction stops: #XM). */
@inline function denormalTraps(mx: u32, flags: usize): bool {
  raise(flags, FLAG_DE);
  return !(mx & 0x0100);
}

@inline function isNaN(c: i32): bool { return c == CLS_QNAN || c == CLS_SNAN; }

/** Two-operand NaN result: IE on SNaN; the first operand's NaN if it is one, quieted. */
function nanPick(a: u64, ca: i32, b: u64, cb: i32, fmt: i32, flags: usize): u64 {
  if (ca == CLS_SNAN || cb == CLS_SNAN) raise(flags, FLAG_IE);
  return (isNaN(ca) ? a : b) | quietBit(fmt);
}

@inline function invalid(fmt: i32, flags: usize): u64 {
  raise(flags, FLAG_IE);
  return indef(fmt);
}

export const SSE_ADD = 0, SSE_SUB = 1, SSE_MUL = 2, SSE_DIV = 3;

/** ADDSx/SUBSx/MULSx/DIVSx. */
export function sseArith(op: i32, a: u64, b: u64, fmt: i32, mx: u32, flags: usize): u64 {
  const ca = clsBin(a, fmt, mx), cb = clsBin(b, fmt, mx);
  if (isNaN(ca) || isNaN(cb)) return nanPick(a, ca, b, cb, fmt, flags);
  const sa = signOf(a, fmt);
  let sb = signOf(b, fmt);
  if (op == SSE_SUB) sb ^= 1;
  const sx = sa ^ sb;
  if (op <= SSE_SUB) { if (ca == CLS_INF && cb == CLS_INF && sa != sb) return invalid(fmt, flags); }
  else if (op == SSE_MUL) { if ((ca == CLS_INF && cb == CLS_ZERO) || (ca == CLS_ZERO && cb == CLS_INF)) return invalid(fmt, flags); }
  else if ((ca == CLS_INF && cb == CLS_INF) || (ca == CLS_ZERO && cb == CLS_ZERO)) return invalid(fmt, flags);
  if (op == SSE_DIV && cb == CLS_ZERO && ca != CLS_ZERO && ca != CLS_INF) { raise(flags, FLAG_ZE); return infOf(sx, fmt); }
  if ((ca == CLS_DENORMAL || cb == CLS_DENORMAL) && denormalTraps(mx, flags)) return a;
  const ctl = ctlFromMxcsr(mx);
  if (op <= SSE_SUB) {
    if (ca == CLS_INF) return infOf(sa, fmt);
    if (cb == CLS_INF) return infOf(sb, fmt);
    if (ca == CLS_ZERO && cb == CLS_ZERO) return zeroOf(sa == sb ? sa : ((ctl & 3) == 1 ? 1 : 0), fmt);
    if (cb == CLS_ZERO) return finish(sa, expBin(a, fmt), sigBin(a, fmt), 0, fmt, ctl, flags, 0);
    if (ca == CLS_ZERO) return finish(sb, expBin(b, fmt), sigBin(b, fmt), 0, fmt, ctl, flags, 0);
    return addCore(sa, expBin(a, fmt), sigBin(a, fmt), sb, expBin(b, fmt), sigBin(b, fmt), fmt, ctl, flags, 0);
  }
  if (op == SSE_MUL) {
    if (ca == CLS_INF || cb == CLS_INF) return infOf(sx, fmt);
    if (ca == CLS_ZERO || cb == CLS_ZERO) return zeroOf(sx, fmt);
    return mulCore(sx, expBin(a, fmt), sigBin(a, fmt), expBin(b, fmt), sigBin(b, fmt), fmt, ctl, flags, 0);
  }
  if (ca == CLS_INF) return infOf(sx, fmt);
  if (cb == CLS_INF || ca == CLS_ZERO) return zeroOf(sx, fmt);
  return divCore(sx, expBin(a, fmt), sigBin(a, fmt), expBin(b, fmt), sigBin(b, fmt), fmt, ctl, flags, 0);
}

/** SQRTSx (b is the source operand). */
export function sseSqrt(b: u64, fmt: i32, mx: u32, flags: usize): u64 {
  const c = clsBin(b, fmt, mx);
  if (isNaN(c)) { if (c == CLS_SNAN) raise(flags, FLAG_IE); return b | quietBit(fmt); }
  const s = signOf(b, fmt);
  if (c == CLS_ZERO) return zeroOf(s, fmt);
  if (s) return invalid(fmt, flags);
  if (c == CLS_INF) return b;
  if (c == CLS_DENORMAL && denormalTraps(mx, flags)) return b;
  return sqrtCore(expBin(b, fmt), sigBin(b, fmt), fmt, ctlFromMxcsr(mx), flags, 0);
}

export const CMP_LESS: i32 = 0, CMP_EQUAL: i32 = 1, CMP_GREATER: i32 = 2, CMP_UNORDERED: i32 = 3;

/** Ordered/unordered comparison; `quiet` = 1 raises IE only for SNaN. Returns CMP_*. */
export function sseCompare(a: u64, b: u64, quiet: i32, fmt: i32, mx: u32, flags: usize): i32 {
  const ca = clsBin(a, fmt, mx), cb = clsBin(b, fmt, mx);
  if (isNaN(ca) || isNaN(cb)) {
    if (!quiet || ca == CLS_SNAN || cb == CLS_SNAN) raise(flags, FLAG_IE);
    return CMP_UNORDERED;
  }
  if (ca == CLS_DENORMAL || cb == CLS_DENORMAL) raise(flags, FLAG_DE);
  const za = ca == CLS_ZERO, zb = cb == CLS_ZERO;
  if (za && zb) return CMP_EQUAL;
  const sa = signOf(a, fmt), sb = signOf(b, fmt);
  if (za) return sb ? CMP_GREATER : CMP_LESS;
  if (zb || sa != sb) return sa ? CMP_LESS : CMP_GREATER;
  const mag = (<u64>1 << (fmt == FMT_F64 ? 63 : 31)) - 1;
  const ma = a & mag, mb = b & mag;
  if (ma == mb) return CMP_EQUAL;
  return (ma > mb) != (sa != 0) ? CMP_GREATER : CMP_LESS;
}

/** CMPSx predicate 0-7 (EQ LT LE UNORD NEQ NLT NLE ORD): true/false. */
export function ssePredicate(a: u64, b: u64, pred: i32, fmt: i32, mx: u32, flags: usize): bool {
  const p = pred & 7;
  const quiet = p == 0 || p == 3 || p == 4 || p == 7 ? 1 : 0;
  const r = sseCompare(a, b, quiet, fmt, mx, flags);
  switch (p) {
    case 0: return r == CMP_EQUAL;
    case 1: return r == CMP_LESS;
    case 2: return r == CMP_LESS || r == CMP_EQUAL;
    case 3: return r == CMP_UNORDERED;
    case 4: return r != CMP_EQUAL;
    case 5: return r != CMP_LESS;
    case 6: return r != CMP_LESS && r != CMP_EQUAL;
    default: return r != CMP_UNORDERED;
  }
}

/** DAZ applied to a value that is returned as is (MIN/MAX): a denormal becomes a signed zero. */
@inline function dazValue(x: u64, fmt: i32, mx: u32): u64 {
  if (!(mx & MXCSR_DAZ)) return x;
  const e = <u32>(x >> fracBits(fmt)) & expMax(fmt);
  return e == 0 ? zeroOf(signOf(x, fmt), fmt) : x;
}

/** MINSx (isMax = 0) / MAXSx (isMax = 1): NaN or equal operands give the second operand. */
export function sseMinMax(a: u64, b: u64, isMax: i32, fmt: i32, mx: u32, flags: usize): u64 {
  a = dazValue(a, fmt, mx);
  b = dazValue(b, fmt, mx);
  const r = sseCompare(a, b, 0, fmt, mx, flags);
  if (r == CMP_UNORDERED || r == CMP_EQUAL) return b;
  return (r == CMP_GREATER) == (isMax != 0) ? a : b;
}

/** CVT(T)Sx2SI: to a `bits`-wide integer (32/64); integer indefinite with IE when out of range. */
export function sseToInt(a: u64, bits: i32, trunc: i32, fmt: i32, mx: u32, flags: usize): i64 {
  const indefInt: i64 = <i64>(<u64>0xFFFFFFFFFFFFFFFF << <u64>(bits - 1));
  const c = clsBin(a, fmt, mx);
  if (c == CLS_INF || isNaN(c)) { raise(flags, FLAG_IE); return indefInt; }
  if (c == CLS_ZERO) return 0;
  const sign = signOf(a, fmt);
  const e = expBin(a, fmt), m = sigBin(a, fmt);
  const mag = roundToIntMag(sign, e, m, trunc ? 3 : (mx >> 13) & 3);
  const limit: u64 = (<u64>1 << <u64>(bits - 1)) - (sign ? 0 : 1);
  if (e > 63 || mag > limit) { raise(flags, FLAG_IE); return indefInt; }
  if (hasFraction(e, m)) raise(flags, FLAG_PE);
  return sign ? -<i64>mag : <i64>mag;
}

/** CVTSI2Sx: a signed integer (sign-extended to i64) to the format, rounded with MXCSR.RC. */
export function sseFromInt(v: i64, fmt: i32, mx: u32, flags: usize): u64 {
  if (v == 0) return 0;
  const sign: u32 = v < 0 ? 1 : 0;
  const mag: u64 = v < 0 ? <u64>(-v) : <u64>v;
  const z = <i32>clz(mag);
  return finish(sign, 63 - z, mag << <u64>z, 0, fmt, ctlFromMxcsr(mx), flags, 0);
}

/** CVTSS2SD (toFmt = FMT_F64) / CVTSD2SS (toFmt = FMT_F32). */
export function sseConvert(a: u64, fromFmt: i32, toFmt: i32, mx: u32, flags: usize): u64 {
  const c = clsBin(a, fromFmt, mx);
  const s = signOf(a, fromFmt);
  if (isNaN(c)) {
    if (c == CLS_SNAN) raise(flags, FLAG_IE);
    const frac = a & ((<u64>1 << fracBits(fromFmt)) - 1);
    const payload = toFmt == FMT_F64 ? frac << 29 : frac >> 29;
    return infOf(s, toFmt) | payload | quietBit(toFmt);
  }
  if (c == CLS_INF) return infOf(s, toFmt);
  if (c == CLS_ZERO) return zeroOf(s, toFmt);
  if (c == CLS_DENORMAL && denormalTraps(mx, flags)) return a;
  return finish(s, expBin(a, fromFmt), sigBin(a, fromFmt), 0, toFmt, ctlFromMxcsr(mx), flags, 0);
}

/** ROUNDSx: imm[1:0] rounding mode unless imm[2] (use MXCSR.RC); imm[3] suppresses PE. */
export function sseRound(b: u64, imm: i32, fmt: i32, mx: u32, flags: usize): u64 {
  const c = clsBin(b, fmt, mx);
  if (isNaN(c)) { if (c == CLS_SNAN) raise(flags, FLAG_IE); return b | quietBit(fmt); }
  const s = signOf(b, fmt);
  if (c == CLS_ZERO) return zeroOf(s, fmt);
  if (c == CLS_INF) return b;
  const e = expBin(b, fmt);
  if (e >= <i32>fracBits(fmt)) return b;
  const m = sigBin(b, fmt);
  const rc: u32 = imm & 4 ? (mx >> 13) & 3 : <u32>imm & 3;
  const mag = roundToIntMag(s, e, m, rc);
  if (!(imm & 8) && hasFraction(e, m)) raise(flags, FLAG_PE);
  if (mag == 0) return zeroOf(s, fmt);
  const z = <i32>clz(mag);
  return finish(s, 63 - z, mag << <u64>z, 0, fmt, 0, flags, 0);
}
