// cpu/ops/segops.ts — MOV to/from segment registers, PUSH/POP segment registers, LDS/LES/LSS/
// LFS/LGS (SDM vol. 2; checks in cpu/segment.ts loadDataSeg). MOV/POP SS inhibit interrupts for
// one instruction. Loading CS with MOV is #UD.
import * as S from '../state';
import * as D from '../decoded';
import { raise, aborted } from '../except';
import { readMem } from '../mmu';
import { readE, writeE, isMem, linear, regWrite, gOff } from '../operand';
import { push, pop, peek, setSp } from '../stack';
import { loadDataSeg, segPtr } from '../segment';

export { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS } from '../state';

@inline function segOfReg(d: usize): i32 { return <i32>(load<u8>(d, D.D_REGNUM) & 7); }

export function mov_ES<T>(cpu: usize, d: usize): void {
  const s = segOfReg(d);
  if (s > 5) { raise(cpu, S.EXC_UD, -1); return; }
  const v = load<u16>(segPtr(cpu, s), S.SEG_SELECTOR);
  if (isMem(d)) writeE<u16>(cpu, d, v); else writeE<T>(cpu, d, <T>v);
}

export function mov_SE<T>(cpu: usize, d: usize): void {
  const s = segOfReg(d);
  if (s > 5 || s == S.SEG_CS) { raise(cpu, S.EXC_UD, -1); return; }
  const v = <u32>readE<u16>(cpu, d);
  if (aborted(cpu)) return;
  if (loadDataSeg(cpu, s, v) && s == S.SEG_SS) { store<i32>(cpu, 1, S.CPU_OFF_INT_SHADOW); store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_INSN_RIP), S.CPU_OFF_SHADOW_RIP); }
}

export function push_S<T>(cpu: usize, d: usize, s: i32): void {
  push<T>(cpu, <T>load<u16>(segPtr(cpu, s), S.SEG_SELECTOR));
}

export function pop_S<T>(cpu: usize, d: usize, s: i32): void {
  const v = <u32>(<u64>peek<T>(cpu, 0) & 0xFFFF);
  if (aborted(cpu)) return;
  if (!loadDataSeg(cpu, s, v)) return;
  setSp(cpu, load<u64>(cpu, S.CPU_OFF_RSP) + sizeof<T>());
  if (s == S.SEG_SS) { store<i32>(cpu, 1, S.CPU_OFF_INT_SHADOW); store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_INSN_RIP), S.CPU_OFF_SHADOW_RIP); }
}

/** LxS Gv, Mp: offset (operand size) then selector. */
export function lxs<T>(cpu: usize, d: usize, s: i32): void {
  const lin = linear(cpu, d);
  const off = readMem<T>(cpu, lin);
  const sel = <u32>readMem<u16>(cpu, lin + sizeof<T>());
  if (aborted(cpu)) return;
  if (!loadDataSeg(cpu, s, sel)) return;
  regWrite<T>(cpu, gOff(d), off);
}
