// cpu/except.ts — raising exceptions from instruction handlers and the MMU (SDM vol. 3A ch. 6).
// A handler that raises must not have changed any architectural state before (fault semantics:
// the instruction is restarted after delivery); the run loop (cpu/exec.ts) sees FAULT and delivers.
import * as S from './state';

/** Raises exception `vector` with error code `error` (-1 = none). */
export function raise(cpu: usize, vector: i32, error: i32): void {
  store<i32>(cpu, S.FAULT_EXCEPTION, S.CPU_OFF_FAULT);
  store<i32>(cpu, vector, S.CPU_OFF_EXC_VECTOR);
  store<i32>(cpu, error, S.CPU_OFF_EXC_ERROR);
}

/** True when the current instruction must stop now (exception, or an exit before retiring). */
@inline export function aborted(cpu: usize): bool {
  return (load<i32>(cpu, S.CPU_OFF_FAULT) & S.FAULT_ABORT_MASK) != 0;
}

export function raiseGP0(cpu: usize): void { raise(cpu, S.EXC_GP, 0); }
export function raiseUD(cpu: usize): void { raise(cpu, S.EXC_UD, -1); }

/** Stops the instruction for the VMM: `reason` is a CPU_EXIT_*; the instruction is not retired. */
export function exitBefore(cpu: usize, reason: i32): void {
  store<i32>(cpu, S.FAULT_EXIT, S.CPU_OFF_FAULT);
  store<i32>(cpu, reason, S.CPU_OFF_EXIT_REASON);
}

/** The instruction completes, then cpu_execute returns `reason` (IO/MMIO writes, HLT). */
export function exitAfter(cpu: usize, reason: i32): void {
  store<i32>(cpu, S.FAULT_EXIT_AFTER, S.CPU_OFF_FAULT);
  store<i32>(cpu, reason, S.CPU_OFF_EXIT_REASON);
}

/** Internal error: something the interpreter does not implement. */
export function internalError(cpu: usize, info: i32): void {
  store<i32>(cpu, info, S.CPU_OFF_EXIT_INFO);
  exitBefore(cpu, S.CPU_EXIT_INTERNAL_ERROR);
}
