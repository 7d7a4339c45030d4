// cpu/ops/atomic.ts — CMPXCHG, XADD, CMPXCHG8B/16B (SDM vol. 2). The destination is always
// written (with its old value when the comparison fails), as the SDM's operation shows.
// Not yet atomic across vCPUs: LOCK is decoded but these are plain read-modify-writes.
import * as S from '../state';
import * as D from '../decoded';
import { aborted, raise } from '../except';
import { setLazy, setFlags, LF_SUB, LF_ADD } from '../flags';
import { readMem, writeMem, probeWrite } from '../mmu';
import { regRead, regWrite, gOff, rmOff, isMem, linear } from '../operand';

@inline export function cmpxchg<T>(cpu: usize, d: usize): void {
  const a = regRead<T>(cpu, S.CPU_OFF_RAX);
  const s = regRead<T>(cpu, gOff(d));
  let v: T;
  if (isMem(d)) {
    const lin = linear(cpu, d);
    if (!probeWrite(cpu, lin, <i32>sizeof<T>())) return;
    v = readMem<T>(cpu, lin); if (aborted(cpu)) return;
    writeMem<T>(cpu, lin, a == v ? s : v); if (aborted(cpu)) return;
  } else {
    v = regRead<T>(cpu, rmOff(d));
    if (a == v) regWrite<T>(cpu, rmOff(d), s);
  }
  if (a != v) regWrite<T>(cpu, S.CPU_OFF_RAX, v);
  setLazy<T>(cpu, LF_SUB, a, v, a - v);
}

@inline export function xadd<T>(cpu: usize, d: usize): void {
  const s = regRead<T>(cpu, gOff(d));
  let v: T;
  if (isMem(d)) {
    const lin = linear(cpu, d);
    v = readMem<T>(cpu, lin); if (aborted(cpu)) return;
    writeMem<T>(cpu, lin, v + s); if (aborted(cpu)) return;
    regWrite<T>(cpu, gOff(d), v);
  } else {
    v = regRead<T>(cpu, rmOff(d));
    regWrite<T>(cpu, gOff(d), v);
    regWrite<T>(cpu, rmOff(d), v + s);
  }
  setLazy<T>(cpu, LF_ADD, v, s, v + s);
}

/** CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W; #GP(0) unless 16-byte aligned). Only ZF changes. */
export function cmpxchg8b<T>(cpu: usize, d: usize): void {
  const lin = linear(cpu, d);
  if (load<u8>(d, D.D_REX) & 8) {
    if (lin & 15) { raise(cpu, S.EXC_GP, 0); return; }
    if (!probeWrite(cpu, lin, 16)) return;
    const lo = readMem<u64>(cpu, lin); const hi = readMem<u64>(cpu, lin + 8);
    if (aborted(cpu)) return;
    const eq = lo == load<u64>(cpu, S.CPU_OFF_RAX) && hi == load<u64>(cpu, S.CPU_OFF_RDX);
    if (eq) { writeMem<u64>(cpu, lin, load<u64>(cpu, S.CPU_OFF_RBX)); writeMem<u64>(cpu, lin + 8, load<u64>(cpu, S.CPU_OFF_RCX)); }
    else { writeMem<u64>(cpu, lin, lo); writeMem<u64>(cpu, lin + 8, hi); store<u64>(cpu, lo, S.CPU_OFF_RAX); store<u64>(cpu, hi, S.CPU_OFF_RDX); }
    setFlags(cpu, S.FL_ZF, eq ? S.FL_ZF : 0);
    return;
  }
  if (!probeWrite(cpu, lin, 8)) return;
  const v = readMem<u64>(cpu, lin); if (aborted(cpu)) return;
  const cmp = (<u64>load<u32>(cpu, S.CPU_OFF_RDX) << 32) | <u64>load<u32>(cpu, S.CPU_OFF_RAX);
  const eq = v == cmp;
  writeMem<u64>(cpu, lin, eq ? (<u64>load<u32>(cpu, S.CPU_OFF_RCX) << 32) | <u64>load<u32>(cpu, S.CPU_OFF_RBX) : v);
  if (aborted(cpu)) return;
  if (!eq) { regWrite<u32>(cpu, S.CPU_OFF_RAX, <u32>v); regWrite<u32>(cpu, S.CPU_OFF_RDX, <u32>(v >> 32)); }
  setFlags(cpu, S.FL_ZF, eq ? S.FL_ZF : 0);
}
