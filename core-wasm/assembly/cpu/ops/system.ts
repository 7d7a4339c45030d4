// cpu/ops/system.ts — #UD forms, NOP family, fences, CLFLUSH, HLT (SDM vol. 2).
import * as S from '../state';
import { raise, exitAfter } from '../except';
import { readMem } from '../mmu';
import { linear } from '../operand';

/** UD2, UD1, and every form without a handler yet: #UD. */
export function ud<T>(cpu: usize, d: usize): void { raise(cpu, S.EXC_UD, -1); }

@inline export function nop<T>(cpu: usize, d: usize): void { }

/** CLFLUSH faults like a byte read of its operand; caches are not modelled. */
@inline export function clflush<T>(cpu: usize, d: usize): void { readMem<u8>(cpu, linear(cpu, d)); }

/** HLT: privileged (#GP(0) unless CPL 0); retires, then the vCPU halts until an interrupt. */
export function hlt<T>(cpu: usize, d: usize): void {
  if (load<i32>(cpu, S.CPU_OFF_CPL) != 0) { raise(cpu, S.EXC_GP, 0); return; }
  store<i32>(cpu, 1, S.CPU_OFF_HALTED);
  exitAfter(cpu, S.CPU_EXIT_HLT);
}
