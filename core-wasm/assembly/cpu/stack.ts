// cpu/stack.ts — stack pushes and pops (SDM vol. 1 6.2, vol. 3A 3.4.5 SS.B): the stack-pointer
// width is 64 bits in 64-bit mode, else 32 or 16 by SS.B; the address is SS:rSP.
// Invariant: rSP changes only after the memory access succeeded.
import * as S from './state';
import { aborted, raise } from './except';
import { readMem, writeMem } from './mmu';
import { segLinear } from './operand';
import { stackSize } from './mode';

@inline export function spMask(cpu: usize): u64 {
  const w = stackSize(cpu);
  return w == 8 ? 0xFFFF_FFFF_FFFF_FFFF : w == 4 ? 0xFFFF_FFFF : 0xFFFF;
}

/** Sets rSP to v within the stack width (upper bits kept for a 16-bit stack). */
@inline export function setSp(cpu: usize, v: u64): void {
  const m = spMask(cpu);
  store<u64>(cpu, (load<u64>(cpu, S.CPU_OFF_RSP) & ~m) | (v & m), S.CPU_OFF_RSP);
}

/** Outside 64-bit mode a stack access past SS.limit is #SS(0) (expand-up segments). */
@inline export function stackLimitOk(cpu: usize, off: u64, n: u64): bool {
  if (load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_LONG64) return true;
  if (off + n - 1 <= <u64>load<u32>(cpu + S.CPU_OFF_SEG + <usize>S.SEG_SS * 16, S.SEG_LIMIT)) return true;
  raise(cpu, S.EXC_SS, 0);
  return false;
}

/** Pushes v (sizeof<T> bytes). Returns false with FAULT set if the write faulted. */
@inline export function push<T>(cpu: usize, v: T): bool {
  const m = spMask(cpu);
  const sp = (load<u64>(cpu, S.CPU_OFF_RSP) - sizeof<T>()) & m;
  if (!stackLimitOk(cpu, sp, sizeof<T>())) return false;
  writeMem<T>(cpu, segLinear(cpu, S.SEG_SS, sp), v);
  if (aborted(cpu)) return false;
  setSp(cpu, sp);
  return true;
}

/** Reads the value at the top of the stack plus `offset` without popping. */
@inline export function peek<T>(cpu: usize, offset: u64): T {
  const m = spMask(cpu);
  const sp = (load<u64>(cpu, S.CPU_OFF_RSP) + offset) & m;
  if (!stackLimitOk(cpu, sp, sizeof<T>())) return <T>0;
  return readMem<T>(cpu, segLinear(cpu, S.SEG_SS, sp));
}

/** Pops sizeof<T> bytes (check aborted() before using the value). */
@inline export function pop<T>(cpu: usize): T {
  const v = peek<T>(cpu, 0);
  if (!aborted(cpu)) setSp(cpu, load<u64>(cpu, S.CPU_OFF_RSP) + sizeof<T>());
  return v;
}
