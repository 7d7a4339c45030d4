// cpu/ops/ssecvt.ts — SSE/SSE2 conversions (SDM vol. 2: CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS,
// CVTDQ2PS, CVT(T)PS2DQ, CVTDQ2PD, CVT(T)PD2DQ, CVTSI2SS/SD, CVT(T)SS2SI, CVT(T)SD2SI) on the
// fpu/ softfloat: MXCSR rounding (or truncation), the integer indefinite 80000000h for invalid
// results, flags and #XM as in ssefp.ts. Forms writing fewer lanes than 128 bits clear the rest
// (packed) or keep the destination's (scalar), per the SDM.
import * as S from '../state';
import { aborted } from '../except';
import { readE, writeG } from '../operand';
import { sseOk, vPtr, wPtr, mxcsr, flagsPtr, sseCommit, FX_TMP, FX_TMP2 } from './ssebase';
import { f32_to_f64, f64_to_f32, f32_from_i64, f64_from_i64, f32_to_i32, f64_to_i32, f32_to_i64, f64_to_i64 } from '../../fpu/api';

export const CV_PS2PD = 0, CV_PD2PS = 1, CV_SS2SD = 2, CV_SD2SS = 3, CV_DQ2PS = 4, CV_PS2DQ = 5, CV_TPS2DQ = 6;
export const CV_DQ2PD = 7, CV_TPD2DQ = 8, CV_PD2DQ = 9;

export function sse_cvt<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const bytes = k == CV_PS2PD || k == CV_DQ2PD ? 8 : k == CV_SS2SD ? 4 : k == CV_SD2SS ? 8 : 16;
  const s = wPtr(cpu, d, bytes, bytes == 16 ? 16 : 1, FX_TMP); if (s == 0) return;
  const v = vPtr(cpu, d);
  const o = cpu + S.CPU_OFF_FXSAVE + FX_TMP2;
  const fl = flagsPtr(cpu);
  const mx = mxcsr(cpu);
  if (k == CV_SS2SD || k == CV_SD2SS) v128.store(o, v128.load(v));
  else v128.store(o, i64x2.splat(0));
  if (k == CV_PS2PD) {
    for (let i: usize = 0; i < 2; i++) store<u64>(o + (i << 3), f32_to_f64(load<u32>(s + (i << 2)), mx, fl));
  } else if (k == CV_PD2PS) {
    for (let i: usize = 0; i < 2; i++) store<u32>(o + (i << 2), f64_to_f32(load<u64>(s + (i << 3)), mx, fl));
  } else if (k == CV_SS2SD) {
    store<u64>(o, f32_to_f64(load<u32>(s), mx, fl));
  } else if (k == CV_SD2SS) {
    store<u32>(o, f64_to_f32(load<u64>(s), mx, fl));
  } else if (k == CV_DQ2PS) {
    for (let i: usize = 0; i < 4; i++) store<u32>(o + (i << 2), f32_from_i64(<i64>load<i32>(s + (i << 2)), mx, fl));
  } else if (k == CV_PS2DQ || k == CV_TPS2DQ) {
    for (let i: usize = 0; i < 4; i++) store<i32>(o + (i << 2), f32_to_i32(load<u32>(s + (i << 2)), k == CV_TPS2DQ ? 1 : 0, mx, fl));
  } else if (k == CV_DQ2PD) {
    for (let i: usize = 0; i < 2; i++) store<u64>(o + (i << 3), f64_from_i64(<i64>load<i32>(s + (i << 2)), mx, fl));
  } else { // CV_TPD2DQ, CV_PD2DQ
    for (let i: usize = 0; i < 2; i++) store<i32>(o + (i << 2), f64_to_i32(load<u64>(s + (i << 3)), k == CV_TPD2DQ ? 1 : 0, mx, fl));
  }
  if (!sseCommit(cpu)) return;
  v128.store(v, v128.load(o));
}

/** CVTSI2SS (dbl 0) / CVTSI2SD (dbl 1) xmm, r/m32 or r/m64 (REX.W). */
export function sse_cvtsi2<T>(cpu: usize, d: usize, dbl: i32): void {
  if (!sseOk(cpu)) return;
  let x: i64;
  if (sizeof<T>() == 8) x = <i64>readE<u64>(cpu, d); else x = <i64><i32>readE<u32>(cpu, d);
  if (aborted(cpu)) return;
  const fl = flagsPtr(cpu);
  const mx = mxcsr(cpu);
  const r = dbl ? f64_from_i64(x, mx, fl) : <u64>f32_from_i64(x, mx, fl);
  if (!sseCommit(cpu)) return;
  if (dbl) store<u64>(vPtr(cpu, d), r); else store<u32>(vPtr(cpu, d), <u32>r);
}

/** CVT(T)SS2SI (dbl 0) / CVT(T)SD2SI (dbl 1) r32/r64, xmm/m. */
export function sse_cvt2si<T>(cpu: usize, d: usize, dbl: i32, trunc: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, dbl ? 8 : 4, 1, FX_TMP); if (s == 0) return;
  const fl = flagsPtr(cpu);
  const mx = mxcsr(cpu);
  if (sizeof<T>() == 8) {
    const r = dbl ? f64_to_i64(load<u64>(s), trunc, mx, fl) : f32_to_i64(load<u32>(s), trunc, mx, fl);
    if (!sseCommit(cpu)) return;
    writeG<u64>(cpu, d, <u64>r);
  } else {
    const r = dbl ? f64_to_i32(load<u64>(s), trunc, mx, fl) : f32_to_i32(load<u32>(s), trunc, mx, fl);
    if (!sseCommit(cpu)) return;
    writeG<u32>(cpu, d, <u32>r);
  }
}
