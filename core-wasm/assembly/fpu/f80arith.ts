// fpu/f80arith.ts — x87 FADD/FSUB/FMUL/FDIV/FSQRT on 80-bit operands (SDM vol.2 FADD, FSUB, FMUL,
// FDIV, FSQRT; vol.1 8.5 exception rules): precision control, rounding control, masked and
// unmasked exception responses, C1 = rounded up. FSUBR/FDIVR are the caller swapping operands.
// Invariant: `out` is written only when the result is delivered (not on unmasked IE/DE/ZE).
import { RC_DOWN, FMT_F80 } from './consts';
import { CLS_ZERO, CLS_DENORMAL, CLS_INF, CLS_UNSUPPORTED, cls80, isNaNCls, exp80, norm80, ctlFromFcw,
  invalid80, nan1, nan2, denormalStops, divZero80, exact80 } from './f80';
import { addCore, mulCore, divCore, sqrtCore } from './core';
import { round80 } from './round';
import { SE_SRC_DENORMAL } from './f80conv';

const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3;

/** Operand checks common to the binary operations; true when the operation must stop. */
function screen2(out: usize, aSig: u64, aSE: u32, ca: i32, bSig: u64, bSE: u32, cb: i32,
                 fcw: u32, sw: usize): bool {
  if (ca == CLS_UNSUPPORTED || cb == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return true; }
  if (isNaNCls(ca) || isNaNCls(cb)) { nan2(out, aSig, aSE, ca, bSig, bSE, cb, fcw, sw); return true; }
  return false;
}

function binop80(op: i32, out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, fcw: u32, sw: usize): void {
  const memDen = ((aSE | bSE) & SE_SRC_DENORMAL) != 0; // a widened m32/m64 denormal (f80_widen_*)
  aSE &= 0xFFFF; bSE &= 0xFFFF;
  const ca = cls80(aSig, aSE), cb = cls80(bSig, bSE);
  if (screen2(out, aSig, aSE, ca, bSig, bSE, cb, fcw, sw)) return;
  const sa = aSE >> 15;
  let sb = bSE >> 15;
  if (op == OP_SUB) sb ^= 1;
  const sx = sa ^ sb;
  // Invalid combinations.
  if (op <= OP_SUB) { if (ca == CLS_INF && cb == CLS_INF && sa != sb) { invalid80(out, fcw, sw); return; } }
  else if (op == OP_MUL) {
    if ((ca == CLS_INF && cb == CLS_ZERO) || (ca == CLS_ZERO && cb == CLS_INF)) { invalid80(out, fcw, sw); return; }
  } else if ((ca == CLS_INF && cb == CLS_INF) || (ca == CLS_ZERO && cb == CLS_ZERO)) { invalid80(out, fcw, sw); return; }
  if (op == OP_DIV && cb == CLS_ZERO && ca != CLS_ZERO && ca != CLS_INF) { divZero80(out, sx, fcw, sw); return; }
  if ((ca == CLS_DENORMAL || cb == CLS_DENORMAL || memDen) && denormalStops(fcw, sw)) return;
  const ctl = ctlFromFcw(fcw);
  if (op <= OP_SUB) {
    if (ca == CLS_INF) { exact80(out, 0x8000000000000000, (sa << 15) | 0x7FFF, sw); return; }
    if (cb == CLS_INF) { exact80(out, 0x8000000000000000, (sb << 15) | 0x7FFF, sw); return; }
    if (ca == CLS_ZERO && cb == CLS_ZERO) {
      const s = sa == sb ? sa : ((fcw >> 10) & 3) == RC_DOWN ? 1 : 0;
      exact80(out, 0, s << 15, sw);
      return;
    }
    if (cb == CLS_ZERO) { round80(sa, exp80(aSig, aSE) + 16383, norm80(aSig), 0, ctl, sw, out); return; }
    if (ca == CLS_ZERO) { round80(sb, exp80(bSig, bSE) + 16383, norm80(bSig), 0, ctl, sw, out); return; }
    addCore(sa, exp80(aSig, aSE), norm80(aSig), sb, exp80(bSig, bSE), norm80(bSig), FMT_F80, ctl, sw, out);
    return;
  }
  if (op == OP_MUL) {
    if (ca == CLS_INF || cb == CLS_INF) { exact80(out, 0x8000000000000000, (sx << 15) | 0x7FFF, sw); return; }
    if (ca == CLS_ZERO || cb == CLS_ZERO) { exact80(out, 0, sx << 15, sw); return; }
    mulCore(sx, exp80(aSig, aSE), norm80(aSig), exp80(bSig, bSE), norm80(bSig), FMT_F80, ctl, sw, out);
    return;
  }
  if (ca == CLS_INF) { exact80(out, 0x8000000000000000, (sx << 15) | 0x7FFF, sw); return; }
  if (cb == CLS_INF || ca == CLS_ZERO) { exact80(out, 0, sx << 15, sw); return; }
  divCore(sx, exp80(aSig, aSE), norm80(aSig), exp80(bSig, bSE), norm80(bSig), FMT_F80, ctl, sw, out);
}

export function f80Add(out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, fcw: u32, sw: usize): void {
  binop80(OP_ADD, out, aSig, aSE, bSig, bSE, fcw, sw);
}
export function f80Sub(out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, fcw: u32, sw: usize): void {
  binop80(OP_SUB, out, aSig, aSE, bSig, bSE, fcw, sw);
}
export function f80Mul(out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, fcw: u32, sw: usize): void {
  binop80(OP_MUL, out, aSig, aSE, bSig, bSE, fcw, sw);
}
export function f80Div(out: usize, aSig: u64, aSE: u32, bSig: u64, bSE: u32, fcw: u32, sw: usize): void {
  binop80(OP_DIV, out, aSig, aSE, bSig, bSE, fcw, sw);
}

export function f80Sqrt(out: usize, aSig: u64, aSE: u32, fcw: u32, sw: usize): void {
  const c = cls80(aSig, aSE);
  if (c == CLS_UNSUPPORTED) { invalid80(out, fcw, sw); return; }
  if (isNaNCls(c)) { nan1(out, aSig, aSE, c, fcw, sw); return; }
  const s = aSE >> 15;
  if (c == CLS_ZERO) { exact80(out, 0, aSE, sw); return; }
  if (s != 0) { invalid80(out, fcw, sw); return; }
  if (c == CLS_DENORMAL && denormalStops(fcw, sw)) return;
  if (c == CLS_INF) { exact80(out, aSig, aSE, sw); return; }
  sqrtCore(exp80(aSig, aSE), norm80(aSig), FMT_F80, ctlFromFcw(fcw), sw, out);
}
