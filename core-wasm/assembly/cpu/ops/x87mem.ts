// cpu/ops/x87mem.ts — memory operands of the x87 instructions (SDM vol. 1 8.2 data types, 4.2):
// m16int/m32int/m64int, m32fp/m64fp/m80fp and m80bcd. Arithmetic and compare sources are
// widened to f80 without raising anything (fpu/api.ts: f80_widen_f32/f64 keep SNaNs signaling and
// mark source denormals in bit 16 of the returned sign+exponent; integers convert exactly).
// Invariant: reads and the write probe come before any architectural change; a faulting access
// returns the NO_OPERAND sentinel or false with FAULT set.
import * as S from '../state';
import { aborted } from '../except';
import { readMem, writeMem, probeWrite } from '../mmu';
import { linear } from '../operand';
import { f80_widen_f32, f80_widen_f64, f80_from_int } from '../../fpu/api';

export const XM_F32: i32 = 0;
export const XM_F64: i32 = 1;
export const XM_I32: i32 = 2;
export const XM_I16: i32 = 3;
export const XM_F80: i32 = 4;
export const XM_I64: i32 = 5;
export const XM_BCD: i32 = 6;
export const XM_T16: i32 = 7; // FISTTP m16int (truncating store)
export const XM_T32: i32 = 8;
export const XM_T64: i32 = 9;

/** Returned by readSource when the access faulted. */
export const NO_OPERAND: i32 = -1;

@inline export function linPlus(cpu: usize, lin: u64, k: u64): u64 { return (lin + k) & load<u64>(cpu, S.CPU_OFF_LINMASK); }

/**
 * Reads the memory source of an arithmetic/compare form (kind XM_F32, XM_F64, XM_I32, XM_I16)
 * as f80: the significand goes to `tmp`, the sign+exponent word (with the source-denormal flag)
 * is returned; NO_OPERAND on a fault.
 */
export function readSource(cpu: usize, lin: u64, kind: i32, tmp: usize): i32 {
  if (kind == XM_F32) {
    const v = readMem<u32>(cpu, lin); if (aborted(cpu)) return NO_OPERAND;
    return <i32>f80_widen_f32(tmp, v);
  }
  if (kind == XM_F64) {
    const v = readMem<u64>(cpu, lin); if (aborted(cpu)) return NO_OPERAND;
    return <i32>f80_widen_f64(tmp, v);
  }
  let n: i64;
  if (kind == XM_I32) n = <i64>readMem<i32>(cpu, lin);
  else n = <i64>readMem<i16>(cpu, lin);
  if (aborted(cpu)) return NO_OPERAND;
  f80_from_int(tmp, n);
  return <i32>load<u16>(tmp, 8);
}

/** The memory source operand at the instruction's effective address. */
export function readSourceAt(cpu: usize, d: usize, kind: i32, tmp: usize): i32 {
  return readSource(cpu, linear(cpu, d), kind, tmp);
}

/** Reads 10 bytes (m80fp / m80bcd) into `tmp`; false on a fault. */
export function read80(cpu: usize, lin: u64, tmp: usize): bool {
  const lo = readMem<u64>(cpu, lin); if (aborted(cpu)) return false;
  const hi = readMem<u16>(cpu, linPlus(cpu, lin, 8)); if (aborted(cpu)) return false;
  store<u64>(tmp, lo);
  store<u64>(tmp, <u64>hi, 8);
  return true;
}

/** Writes the 10 bytes at `v`; nothing is written unless all of them are writable. */
export function write80(cpu: usize, lin: u64, v: usize): bool {
  if (!probeWrite(cpu, lin, 10)) return false;
  writeMem<u64>(cpu, lin, load<u64>(v)); if (aborted(cpu)) return false;
  writeMem<u16>(cpu, linPlus(cpu, lin, 8), load<u16>(v, 8));
  return !aborted(cpu);
}
