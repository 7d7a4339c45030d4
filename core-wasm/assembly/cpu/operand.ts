// cpu/operand.ts — operand access for handlers: registers by state-block offset, memory operands
// by effective address (SDM vol. 1 3.7.5: base + index*scale + disp, truncated to the address
// size, plus the segment base, truncated to 32 bits outside long mode).
// Invariant: 32-bit register writes zero-extend to 64 bits (SDM vol. 1 3.4.1.1); 8/16-bit writes
// leave the other bits alone.
import * as S from './state';
import * as D from './decoded';
import { readMem, writeMem } from './mmu';

@inline export function regRead<T>(cpu: usize, off: usize): T { return load<T>(cpu + off); }

@inline export function regWrite<T>(cpu: usize, off: usize, v: T): void {
  if (sizeof<T>() == 4) store<u64>(cpu + off, <u64>v);
  else store<T>(cpu + off, v);
}

@inline export function gOff(d: usize): usize { return <usize>load<u16>(d, D.D_REG); }
@inline export function rmOff(d: usize): usize { return <usize>load<u16>(d, D.D_RM); }
@inline export function isMem(d: usize): bool { return (load<u8>(d, D.D_PFX) & D.P_MEM) != 0; }
@inline export function imm(d: usize): u64 { return load<u64>(d, D.D_IMM); }

/** Effective address (offset within the segment) of the memory operand. */
@inline export function effAddr(cpu: usize, d: usize): u64 {
  const ea = load<u64>(cpu + <usize>load<u16>(d, D.D_BASE)) +
    (load<u64>(cpu + <usize>load<u16>(d, D.D_INDEX)) << <u64>load<u8>(d, D.D_SCALE)) +
    <u64>load<i64>(d, D.D_DISP);
  return ea & load<u64>(d, D.D_AMASK);
}

/** Linear address of offset `ea` in segment `seg`. */
@inline export function segLinear(cpu: usize, seg: i32, ea: u64): u64 {
  store<i32>(cpu, seg, S.CPU_OFF_ACCESS_SEG); // a non-canonical SS access is #SS, not #GP
  return (load<u64>(cpu + S.CPU_OFF_SEGBASE + (<usize>seg << 3)) + ea) & load<u64>(cpu, S.CPU_OFF_LINMASK);
}

@inline export function linear(cpu: usize, d: usize): u64 {
  return segLinear(cpu, <i32>load<u8>(d, D.D_SEG), effAddr(cpu, d));
}

@inline export function readE<T>(cpu: usize, d: usize): T {
  if (isMem(d)) return readMem<T>(cpu, linear(cpu, d));
  return regRead<T>(cpu, rmOff(d));
}

@inline export function writeE<T>(cpu: usize, d: usize, v: T): void {
  if (isMem(d)) writeMem<T>(cpu, linear(cpu, d), v);
  else regWrite<T>(cpu, rmOff(d), v);
}

@inline export function readG<T>(cpu: usize, d: usize): T { return regRead<T>(cpu, gOff(d)); }
@inline export function writeG<T>(cpu: usize, d: usize, v: T): void { regWrite<T>(cpu, gOff(d), v); }

/** Sign-extends the low sizeof<T> bytes of v to 64 bits. */
@inline export function sext<T>(v: T): i64 {
  if (sizeof<T>() == 1) return <i64><i8>v;
  if (sizeof<T>() == 2) return <i64><i16>v;
  if (sizeof<T>() == 4) return <i64><i32>v;
  return <i64>v;
}

@inline export function bitsOf<T>(): u64 { return <u64>sizeof<T>() * 8; }
@inline export function signBit<T>(): u64 { return <u64>1 << (bitsOf<T>() - 1); }
@inline export function maskOf<T>(): u64 { return sizeof<T>() == 8 ? <u64>-1 : (<u64>1 << bitsOf<T>()) - 1; }
