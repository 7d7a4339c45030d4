// cpu/ops/control.ts — near JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JrCXZ (SDM vol. 2).
// RIP already points past the instruction. The target is truncated to the operand size; in
// 64-bit mode a non-canonical target raises #GP(0) at the branch (nothing changed).
import * as S from '../state';
import * as D from '../decoded';
import { aborted, raise } from '../except';
import { cond } from '../flags';
import { imm, readE } from '../operand';
import { push, pop, peek, setSp } from '../stack';

export const LOOP_NE: i32 = 0;
export const LOOP_E: i32 = 1;
export const LOOP_ALWAYS: i32 = 2;

/** Sets RIP to target truncated to T; false (and #GP) when it is not canonical. */
@inline function branch<T>(cpu: usize, target: u64): bool {
  const t = <u64><T>target;
  if (sizeof<T>() == 8 && (<i64>(t << 16) >> 16) != <i64>t) { raise(cpu, S.EXC_GP, 0); return false; }
  store<u64>(cpu, t, S.CPU_OFF_RIP);
  return true;
}

@inline function next(cpu: usize): u64 { return load<u64>(cpu, S.CPU_OFF_RIP); }

@inline export function jcc<T>(cpu: usize, d: usize, cc: i32): void {
  if (cond(cpu, cc)) branch<T>(cpu, next(cpu) + imm(d));
}

@inline export function jmp_J<T>(cpu: usize, d: usize): void { branch<T>(cpu, next(cpu) + imm(d)); }

@inline export function jmp_E<T>(cpu: usize, d: usize): void {
  const t = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  branch<T>(cpu, <u64>t);
}

@inline export function call_J<T>(cpu: usize, d: usize): void {
  const ret = next(cpu);
  const t = <u64><T>(ret + imm(d));
  if (sizeof<T>() == 8 && (<i64>(t << 16) >> 16) != <i64>t) { raise(cpu, S.EXC_GP, 0); return; }
  if (!push<T>(cpu, <T>ret)) return;
  store<u64>(cpu, t, S.CPU_OFF_RIP);
}

@inline export function call_E<T>(cpu: usize, d: usize): void {
  const t = <u64>readE<T>(cpu, d);
  if (aborted(cpu)) return;
  if (sizeof<T>() == 8 && (<i64>(t << 16) >> 16) != <i64>t) { raise(cpu, S.EXC_GP, 0); return; }
  if (!push<T>(cpu, <T>next(cpu))) return;
  store<u64>(cpu, t, S.CPU_OFF_RIP);
}

@inline function retTo<T>(cpu: usize, extra: u64): void {
  const t = <u64>peek<T>(cpu, 0);
  if (aborted(cpu)) return;
  if (!branch<T>(cpu, t)) return;
  setSp(cpu, load<u64>(cpu, S.CPU_OFF_RSP) + sizeof<T>() + extra);
}

@inline export function ret<T>(cpu: usize, d: usize): void { retTo<T>(cpu, 0); }
@inline export function ret_I<T>(cpu: usize, d: usize): void { retTo<T>(cpu, imm(d) & 0xFFFF); }

/** The count register of LOOP/JrCXZ has the address size. */
@inline function countMask(d: usize): u64 { return load<u64>(d, D.D_AMASK); }

@inline export function loop<T>(cpu: usize, d: usize, kind: i32): void {
  const m = countMask(d);
  const rcx = load<u64>(cpu, S.CPU_OFF_RCX);
  const c = (rcx - 1) & m;
  let take = c != 0;
  if (kind == LOOP_E) take = take && cond(cpu, 4);
  else if (kind == LOOP_NE) take = take && cond(cpu, 5);
  if (take) {
    const t = <u64><T>(next(cpu) + imm(d));
    if (sizeof<T>() == 8 && (<i64>(t << 16) >> 16) != <i64>t) { raise(cpu, S.EXC_GP, 0); return; }
    store<u64>(cpu, t, S.CPU_OFF_RIP);
  }
  if (m == 0xFFFF_FFFF) store<u64>(cpu, c, S.CPU_OFF_RCX);
  else store<u64>(cpu, (rcx & ~m) | c, S.CPU_OFF_RCX);
}

@inline export function jrcxz<T>(cpu: usize, d: usize): void {
  if ((load<u64>(cpu, S.CPU_OFF_RCX) & countMask(d)) == 0) branch<T>(cpu, next(cpu) + imm(d));
}
