// fpu/f80prem.ts — x87 FPREM (truncating) and FPREM1 (IEEE, round to nearest) partial
// remainder (SDM vol.2 FPREM, FPREM1): exact remainder when the exponent difference is < 64,
// with the three low quotient bits in C0 (Q2), C3 (Q1), C1 (Q0) and C2 = 0; otherwise one
// partial reduction step with C2 = 1 so software loops until C2 clears.
// Invariant: the remainder is always exact, so rounding control never applies.
import { FSW_C0, FSW_C1, FSW_C2, FSW_C3 } from './consts';
import { CLS_ZERO, CLS_DENORMAL, CLS_INF, CLS_UNSUPPORTED, cls80, isNaNCls, exp80, norm80, ctlFromFcw,
  invalid80, nan2, denormalStops } from './f80';
import { div128 } from './wide';
import { round80, storeF80 } from './round';

@inline function setCond(sw: usize, bits: u32): void {
  store<u16>(sw, (load<u16>(sw) & ~<u16>(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)) | <u16>bits);
}

@inline function quotientBits(q: u64): u32 {
  return (q & 4 ? FSW_C0 : 0) | (q & 2 ? FSW_C3 : 0) | (q & 1 ? FSW_C1 : 0);
}

/** Store r x 2^(e-63) (exact) with sign; r may be zero. */
function putExact(out: usize, sign: u32, e: i32, r: u64, fcw: u32, sw: usize): void {
  if (r == 0) { storeF80(out, 0, sign << 15); return; }
  const z = <i32>clz(r);
  round80(sign, e - z + 16383, r << <u64>z, 0, ctlFromFcw(fcw) | 0xC, sw, out);
}

export function f80Prem(out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, nearest: i32, fcw: u32, sw: usize): void {
  const ca = cls80(aSig, aSE), cb = cls80(bSig, bSE);
  setCond(sw, 0);
  if (ca == CLS_UNSUPPORTED || cb == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(ca) || isNaNCls(cb)) { nan2(out, aSig, aSE, ca, bSig, bSE, cb, fcw, sw); return; }
  if (ca == CLS_INF || cb == CLS_ZERO) { invalid80(out, fcw, sw); return; }
  if ((ca == CLS_DENORMAL || cb == CLS_DENORMAL) && denormalStops(fcw, sw)) return;
  let sign = aSE >> 15;
  if (ca == CLS_ZERO) { storeF80(out, aSig, aSE); return; }
  const ea = exp80(aSig, aSE);
  const ma = norm80(aSig);
  if (cb == CLS_INF) { putExact(out, sign, ea, ma, fcw, sw); setCond(sw, 0); return; }
  const eb = exp80(bSig, bSE), mb = norm80(bSig);
  const d = ea - eb;
  if (d < 0) {
    if (nearest && d == -1 && ma > mb) {
      putExact(out, sign ^ 1, ea, (mb - ma) + mb, fcw, sw);
      setCond(sw, FSW_C1);
    } else {
      putExact(out, sign, ea, ma, fcw, sw);
      setCond(sw, 0);
    }
    return;
  }
  if (d < 64) {
    const hi: u64 = d == 0 ? 0 : ma >> <u64>(64 - d);
    const lo = ma << <u64>d;
    let q = div128(hi, lo, mb);
    let r = lo - q * mb;
    if (nearest && (r > mb - r || (r == mb - r && (q & 1) != 0))) { r = mb - r; q++; sign ^= 1; }
    putExact(out, sign, eb, r, fcw, sw);
    setCond(sw, quotientBits(q));
    return;
  }
  // Partial remainder: reduce the exponent difference to a value below 64.
  const n = 32 + (d & 31);
  const lo = ma << <u64>n;
  const q = div128(ma >> <u64>(64 - n), lo, mb);
  putExact(out, sign, eb + d - n, lo - q * mb, fcw, sw);
  setCond(sw, FSW_C2);
}
