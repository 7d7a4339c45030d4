// cpu/ops/ssefp.ts — SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic: ADD/SUB/MUL/DIV/MIN/MAX/
// SQRT in PS/PD/SS/SD forms, CMPccPS/PD/SS/SD, ROUNDPS/PD/SS/SD, HADDPx/HSUBPx/ADDSUBPx, and
// COMISS/UCOMISS/COMISD/UCOMISD (SDM vol. 2; vol. 1 11.5 for the exception rules), on the fpu/
// softfloat with MXCSR rounding, FTZ/DAZ and flags.
// Form code k: 0 PS, 1 PD, 2 SS, 3 SD (packed k < 2; double when k is odd). Scalar forms keep the
// destination's upper lanes. Results are built in FX_TMP2 and copied to V only when no unmasked
// exception occurred (sseCommit).
import * as S from '../state';
import { imm } from '../operand';
import { setFlags } from '../flags';
import { sseOk, vPtr, wPtr, mxcsr, flagsPtr, sseCommit, FX_TMP, FX_TMP2 } from './ssebase';
import { f64_add, f64_sub, f64_mul, f64_div, f64_sqrt, f64_min, f64_max, f64_cmp_pred, f64_round, f64_compare,
  f32_add, f32_sub, f32_mul, f32_div, f32_sqrt, f32_min, f32_max, f32_cmp_pred, f32_round, f32_compare } from '../../fpu/api';

export const FP_ADD = 0, FP_SUB = 1, FP_MUL = 2, FP_DIV = 3, FP_MIN = 4, FP_MAX = 5, FP_SQRT = 6;
export const FP_CMP = 7, FP_ROUND = 8, FP_HADD = 9, FP_HSUB = 10, FP_ADDSUB = 11;

function lane64(op: i32, a: u64, b: u64, ib: i32, mx: u32, fl: usize): u64 {
  switch (op) {
    case FP_ADD: return f64_add(a, b, mx, fl);
    case FP_SUB: return f64_sub(a, b, mx, fl);
    case FP_MUL: return f64_mul(a, b, mx, fl);
    case FP_DIV: return f64_div(a, b, mx, fl);
    case FP_MIN: return f64_min(a, b, mx, fl);
    case FP_MAX: return f64_max(a, b, mx, fl);
    case FP_SQRT: return f64_sqrt(b, mx, fl);
    case FP_CMP: return f64_cmp_pred(a, b, ib & 7, mx, fl) ? <u64>-1 : 0;
    default: return f64_round(b, ib, mx, fl); // FP_ROUND
  }
}

function lane32(op: i32, a: u32, b: u32, ib: i32, mx: u32, fl: usize): u32 {
  switch (op) {
    case FP_ADD: return f32_add(a, b, mx, fl);
    case FP_SUB: return f32_sub(a, b, mx, fl);
    case FP_MUL: return f32_mul(a, b, mx, fl);
    case FP_DIV: return f32_div(a, b, mx, fl);
    case FP_MIN: return f32_min(a, b, mx, fl);
    case FP_MAX: return f32_max(a, b, mx, fl);
    case FP_SQRT: return f32_sqrt(b, mx, fl);
    case FP_CMP: return f32_cmp_pred(a, b, ib & 7, mx, fl) ? 0xFFFF_FFFF : 0;
    default: return f32_round(b, ib, mx, fl); // FP_ROUND
  }
}

/** Horizontal and alternating forms (SSE3): lane i of the result for PS (4 lanes) or PD (2). */
function horiz(op: i32, dbl: bool, v: usize, s: usize, o: usize, mx: u32, fl: usize): void {
  if (dbl) {
    const a0 = load<u64>(v), a1 = load<u64>(v, 8), b0 = load<u64>(s), b1 = load<u64>(s, 8);
    if (op == FP_HADD) { store<u64>(o, f64_add(a0, a1, mx, fl)); store<u64>(o, f64_add(b0, b1, mx, fl), 8); }
    else if (op == FP_HSUB) { store<u64>(o, f64_sub(a0, a1, mx, fl)); store<u64>(o, f64_sub(b0, b1, mx, fl), 8); }
    else { store<u64>(o, f64_sub(a0, b0, mx, fl)); store<u64>(o, f64_add(a1, b1, mx, fl), 8); }
    return;
  }
  for (let i: usize = 0; i < 4; i++) {
    let r: u32;
    if (op == FP_ADDSUB) {
      const a = load<u32>(v + (i << 2)), b = load<u32>(s + (i << 2));
      r = (i & 1) ? f32_add(a, b, mx, fl) : f32_sub(a, b, mx, fl);
    } else {
      const src = i < 2 ? v : s;
      const x = load<u32>(src + ((i & 1) << 3)), y = load<u32>(src + ((i & 1) << 3) + 4);
      r = op == FP_HADD ? f32_add(x, y, mx, fl) : f32_sub(x, y, mx, fl);
    }
    store<u32>(o + (i << 2), r);
  }
}

/** dest = dest OP src over the lanes of form k. */
export function sse_arith<T>(cpu: usize, d: usize, op: i32, k: i32): void {
  if (!sseOk(cpu)) return;
  const packed = k < 2;
  const dbl = (k & 1) == 1;
  const s = wPtr(cpu, d, packed ? 16 : dbl ? 8 : 4, packed ? 16 : 1, FX_TMP); if (s == 0) return;
  const v = vPtr(cpu, d);
  const o = cpu + S.CPU_OFF_FXSAVE + FX_TMP2;
  v128.store(o, v128.load(v));
  const fl = flagsPtr(cpu);
  const mx = mxcsr(cpu);
  const ib = <i32>imm(d) & 0xFF;
  if (op >= FP_HADD) horiz(op, dbl, v, s, o, mx, fl);
  else if (dbl) {
    const n: usize = packed ? 2 : 1;
    for (let i: usize = 0; i < n; i++) store<u64>(o + (i << 3), lane64(op, load<u64>(v + (i << 3)), load<u64>(s + (i << 3)), ib, mx, fl));
  } else {
    const n: usize = packed ? 4 : 1;
    for (let i: usize = 0; i < n; i++) store<u32>(o + (i << 2), lane32(op, load<u32>(v + (i << 2)), load<u32>(s + (i << 2)), ib, mx, fl));
  }
  if (!sseCommit(cpu)) return;
  v128.store(v, v128.load(o));
}

/** COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF = 111 unordered, 000 greater, 001 less, 100 equal. */
export function sse_comis<T>(cpu: usize, d: usize, dbl: i32, quiet: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, dbl ? 8 : 4, 1, FX_TMP); if (s == 0) return;
  const v = vPtr(cpu, d);
  const fl = flagsPtr(cpu);
  const r = dbl ? f64_compare(load<u64>(v), load<u64>(s), quiet, mxcsr(cpu), fl)
    : f32_compare(load<u32>(v), load<u32>(s), quiet, mxcsr(cpu), fl);
  if (!sseCommit(cpu)) return;
  const f: u64 = r == 3 ? S.FL_ZF | S.FL_PF | S.FL_CF : r == 0 ? S.FL_CF : r == 1 ? S.FL_ZF : 0;
  setFlags(cpu, S.FL_ARITH, f);
}
