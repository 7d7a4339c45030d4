// cpu/ops/flagops.ts — CMC CLC STC CLD STD CLI STI, PUSHF POPF (SDM vol. 2; vol. 1 3.4.3;
// IOPL-sensitive IF per vol. 3A 20.2.x is not modelled for virtual-8086 mode yet).
import * as S from '../state';
import { raise, aborted } from '../except';
import { getCF, setFlags, getRflags } from '../flags';
import { push, pop } from '../stack';

@inline function setBit(cpu: usize, bit: u64, on: bool): void {
  const f = load<u64>(cpu, S.CPU_OFF_RFLAGS);
  store<u64>(cpu, on ? f | bit : f & ~bit, S.CPU_OFF_RFLAGS);
}

@inline export function cmc<T>(cpu: usize, d: usize): void { setFlags(cpu, S.FL_CF, getCF(cpu) ^ 1); }
@inline export function clc<T>(cpu: usize, d: usize): void { setFlags(cpu, S.FL_CF, 0); }
@inline export function stc<T>(cpu: usize, d: usize): void { setFlags(cpu, S.FL_CF, S.FL_CF); }
@inline export function cld<T>(cpu: usize, d: usize): void { setBit(cpu, S.FL_DF, false); }
@inline export function std<T>(cpu: usize, d: usize): void { setBit(cpu, S.FL_DF, true); }

@inline function iopl(cpu: usize): i32 { return <i32>((load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 12) & 3); }

/** CLI/STI: #GP(0) when CPL > IOPL in protected mode. */
export function cli<T>(cpu: usize, d: usize): void {
  if (load<i32>(cpu, S.CPU_OFF_MODE) != S.MODE_REAL && load<i32>(cpu, S.CPU_OFF_CPL) > iopl(cpu)) { raise(cpu, S.EXC_GP, 0); return; }
  setBit(cpu, S.FL_IF, false);
}

export function sti<T>(cpu: usize, d: usize): void {
  if (load<i32>(cpu, S.CPU_OFF_MODE) != S.MODE_REAL && load<i32>(cpu, S.CPU_OFF_CPL) > iopl(cpu)) { raise(cpu, S.EXC_GP, 0); return; }
  if ((load<u64>(cpu, S.CPU_OFF_RFLAGS) & S.FL_IF) == 0) {
    store<i32>(cpu, 1, S.CPU_OFF_INT_SHADOW);
    store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_INSN_RIP), S.CPU_OFF_SHADOW_RIP);
  }
  setBit(cpu, S.FL_IF, true);
}

/** PUSHF: the image has VM and RF clear. */
@inline export function pushf<T>(cpu: usize, d: usize): void {
  push<T>(cpu, <T>(getRflags(cpu) & ~(S.FL_VM | S.FL_RF)));
}

/** POPF: IOPL only at CPL 0, IF only when CPL <= IOPL; VM, RF, VIF, VIP are not changed. */
export function popf<T>(cpu: usize, d: usize): void {
  const v = <u64>pop<T>(cpu);
  if (aborted(cpu)) return;
  const cpl = load<i32>(cpu, S.CPU_OFF_CPL);
  const real = load<i32>(cpu, S.CPU_OFF_MODE) == S.MODE_REAL;
  let mask: u64 = S.FL_ARITH | S.FL_TF | S.FL_DF | S.FL_NT | S.FL_AC | S.FL_ID;
  if (real || cpl == 0) mask |= S.FL_IOPL;
  if (real || cpl <= iopl(cpu)) mask |= S.FL_IF;
  if (sizeof<T>() == 2) mask &= 0xFFFF;
  const old = getRflags(cpu);
  store<i32>(cpu, 0, S.CPU_OFF_LF_OP);
  store<u64>(cpu, ((old & ~mask) | (v & mask)) | 2, S.CPU_OFF_RFLAGS);
}
