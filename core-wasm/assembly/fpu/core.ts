// fpu/core.ts — exact arithmetic on unpacked finite non-zero operands, shared by the x87 (f80)
// and SSE (f64/f32) front ends: value = sig x 2^(exp-63) with sig normalised (bit 63 set).
// Each core computes the exact result to 128 bits (the lowest bit sticky) and hands it to
// round.ts `finish`, which rounds to the requested format (IEEE 754-2008 clauses 5.4.1, 4.3).
// Invariants: no NaN/Inf/zero reaches here; exponents stay far inside i32.
import { RC_DOWN, FMT_F80, FMT_F64, CTL_X87 } from './consts';
import { mulHi, div128, setC1 } from './wide';
import { finish, storeF80 } from './round';

/** An exact zero of the target format (f80 goes to `out`). */
export function zeroResult(sign: u32, fmt: i32, ctl: u32, flags: usize, out: usize): u64 {
  if (ctl & CTL_X87) setC1(flags, false);
  if (fmt == FMT_F80) { storeF80(out, 0, sign << 15); return 0; }
  return fmt == FMT_F64 ? <u64>sign << 63 : <u64>sign << 31;
}

/** a + b for signs sa, sb (pass sb^1 to subtract). */
export function addCore(sa: u32, ea: i32, ma: u64, sb: u32, eb: i32, mb: u64,
                        fmt: i32, ctl: u32, flags: usize, out: usize): u64 {
  if (eb > ea || (eb == ea && mb > ma)) {
    const ts = sa; sa = sb; sb = ts;
    const te = ea; ea = eb; eb = te;
    const tm = ma; ma = mb; mb = tm;
  }
  const d = ea - eb;
  let bh: u64, bl: u64;
  if (d == 0) { bh = mb; bl = 0; }
  else if (d < 64) { bh = mb >> <u64>d; bl = mb << <u64>(64 - d); }
  else if (d == 64) { bh = 0; bl = mb; }
  else if (d < 128) { bh = 0; bl = (mb >> <u64>(d - 64)) | u64((mb << <u64>(128 - d)) != 0); }
  else { bh = 0; bl = 1; }
  if (sa == sb) {
    let hi = ma + bh, lo = bl;
    if (hi < ma) {
      lo = (lo >> 1) | (hi << 63) | (lo & 1);
      hi = (hi >> 1) | 0x8000000000000000;
      ea++;
    }
    return finish(sa, ea, hi, lo, fmt, ctl, flags, out);
  }
  let lo = <u64>0 - bl;
  let hi = ma - bh - u64(bl != 0);
  if ((hi | lo) == 0) return zeroResult((ctl & 3) == RC_DOWN ? 1 : 0, fmt, ctl, flags, out);
  if (hi == 0) { hi = lo; lo = 0; ea -= 64; }
  const z = <i32>clz(hi);
  if (z != 0) {
    hi = (hi << <u64>z) | (lo >> <u64>(64 - z));
    lo <<= <u64>z;
    ea -= z;
  }
  return finish(sa, ea, hi, lo, fmt, ctl, flags, out);
}

export function mulCore(sign: u32, ea: i32, ma: u64, eb: i32, mb: u64,
                        fmt: i32, ctl: u32, flags: usize, out: usize): u64 {
  let hi = mulHi(ma, mb), lo = ma * mb;
  let e = ea + eb + 1;
  if (!(hi >> 63)) { hi = (hi << 1) | (lo >> 63); lo <<= 1; e--; }
  return finish(sign, e, hi, lo, fmt, ctl, flags, out);
}

export function divCore(sign: u32, ea: i32, ma: u64, eb: i32, mb: u64,
                        fmt: i32, ctl: u32, flags: usize, out: usize): u64 {
  let nh: u64, nl: u64, e: i32;
  if (ma >= mb) { nh = ma >> 1; nl = ma << 63; e = ea - eb; }
  else { nh = ma; nl = 0; e = ea - eb - 1; }
  const q = div128(nh, nl, mb);
  const r = nl - q * mb;
  let lo: u64 = 0;
  if (r != 0) {
    const q2 = div128(r, 0, mb);
    lo = q2 | u64(q2 * mb != 0);
  }
  return finish(sign, e, q, lo, fmt, ctl, flags, out);
}

/** 1 when (h1:l1) > (h2:l2) as unsigned 128-bit numbers. */
@inline function gt128(h1: u64, l1: u64, h2: u64, l2: u64): bool {
  return h1 > h2 || (h1 == h2 && l1 > l2);
}

/** Square root of a positive value; the result is exact to 64 bits plus round and sticky bits. */
export function sqrtCore(ea: i32, ma: u64, fmt: i32, ctl: u32, flags: usize, out: usize): u64 {
  // M = ma << s with s chosen so that (ea - 63 - s) is even; sqrt(M) lies in [2^63, 2^64).
  const odd = (ea & 1) != 0;
  const mh: u64 = odd ? ma : ma >> 1;
  const ml: u64 = odd ? 0 : ma << 63;
  const e = (ea - 63 - (odd ? 64 : 63)) / 2 + 63;
  const approx = Math.sqrt(<f64>mh * 18446744073709551616.0 + <f64>ml);
  let r: u64 = approx >= 18446744073709551615.0 ? 0xFFFFFFFFFFFFFFFF : <u64>approx;
  // One Newton step in integers: r += (M - r^2) / (2r).
  let rl = r * r, rh = mulHi(r, r);
  let dl = ml - rl, dh = mh - rh - u64(ml < rl);
  const neg = <i64>dh < 0;
  if (neg) { dl = <u64>0 - dl; dh = <u64>0 - dh - u64(dl != 0); }
  const q = div128(dh, dl, r) >> 1;
  if (neg) r -= q; else r = r + q < r ? 0xFFFFFFFFFFFFFFFF : r + q;
  // Now within a couple of units: make r = floor(sqrt(M)).
  while (gt128(mulHi(r, r), r * r, mh, ml)) r--;
  while (r != 0xFFFFFFFFFFFFFFFF && !gt128(mulHi(r + 1, r + 1), (r + 1) * (r + 1), mh, ml)) r++;
  rl = r * r; rh = mulHi(r, r);
  const remL = ml - rl, remH = mh - rh - u64(ml < rl);
  const roundBit = remH != 0 || remL > r;
  const lo: u64 = (roundBit ? 0x8000000000000000 : 0) | u64((remH | remL) != 0);
  return finish(0, e, r, lo, fmt, ctl, flags, out);
}
