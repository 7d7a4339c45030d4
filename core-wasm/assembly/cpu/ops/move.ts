// cpu/ops/move.ts — MOV forms, LEA, MOVZX/MOVSX/MOVSXD, XCHG, CMOVcc, SETcc, CBW/CWD families,
// BSWAP, MOVBE, XLAT, SAHF/LAHF (SDM vol. 2).
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { cond, setFlags, getRflags } from '../flags';
import { readMem, writeMem, probeWrite } from '../mmu';
import { regRead, regWrite, gOff, rmOff, isMem, imm, linear, effAddr, readE, writeE, readG, writeG, sext, segLinear } from '../operand';

@inline export function mov_EG<T>(cpu: usize, d: usize): void { writeE<T>(cpu, d, readG<T>(cpu, d)); }

@inline export function mov_GE<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  writeG<T>(cpu, d, v);
}

@inline export function mov_EI<T>(cpu: usize, d: usize): void { writeE<T>(cpu, d, <T>imm(d)); }
@inline export function mov_ZI<T>(cpu: usize, d: usize): void { regWrite<T>(cpu, rmOff(d), <T>imm(d)); }

@inline export function mov_AO<T>(cpu: usize, d: usize): void {
  const v = readMem<T>(cpu, linear(cpu, d));
  if (aborted(cpu)) return;
  regWrite<T>(cpu, S.CPU_OFF_RAX, v);
}
@inline export function mov_OA<T>(cpu: usize, d: usize): void {
  writeMem<T>(cpu, linear(cpu, d), regRead<T>(cpu, S.CPU_OFF_RAX));
}

@inline export function lea<T>(cpu: usize, d: usize): void { writeG<T>(cpu, d, <T>effAddr(cpu, d)); }

@inline export function movzx_b<T>(cpu: usize, d: usize): void {
  const v = readE<u8>(cpu, d); if (aborted(cpu)) return; writeG<T>(cpu, d, <T>v);
}
@inline export function movzx_w<T>(cpu: usize, d: usize): void {
  const v = readE<u16>(cpu, d); if (aborted(cpu)) return; writeG<T>(cpu, d, <T>v);
}
@inline export function movsx_b<T>(cpu: usize, d: usize): void {
  const v = readE<u8>(cpu, d); if (aborted(cpu)) return; writeG<T>(cpu, d, <T><i64><i8>v);
}
@inline export function movsx_w<T>(cpu: usize, d: usize): void {
  const v = readE<u16>(cpu, d); if (aborted(cpu)) return; writeG<T>(cpu, d, <T><i64><i16>v);
}
@inline export function movsxd<T>(cpu: usize, d: usize): void {
  const v = readE<u32>(cpu, d); if (aborted(cpu)) return; writeG<T>(cpu, d, <T><i64><i32>v);
}

@inline export function xchg_EG<T>(cpu: usize, d: usize): void {
  const g = readG<T>(cpu, d);
  if (isMem(d)) {
    const lin = linear(cpu, d);
    if (!probeWrite(cpu, lin, <i32>sizeof<T>())) return;
    const v = readMem<T>(cpu, lin); if (aborted(cpu)) return;
    writeMem<T>(cpu, lin, g); if (aborted(cpu)) return;
    writeG<T>(cpu, d, v);
  } else {
    const v = regRead<T>(cpu, rmOff(d));
    regWrite<T>(cpu, rmOff(d), g);
    writeG<T>(cpu, d, v);
  }
}

/** 90+r: XCHG r, rAX; 90 itself (r = rAX) is NOP and does not zero-extend EAX. */
@inline export function xchg_ZA<T>(cpu: usize, d: usize): void {
  const off = rmOff(d);
  if (off == S.CPU_OFF_RAX) return;
  const a = regRead<T>(cpu, S.CPU_OFF_RAX);
  regWrite<T>(cpu, S.CPU_OFF_RAX, regRead<T>(cpu, off));
  regWrite<T>(cpu, off, a);
}

/** CMOVcc: the source is read (and may fault) even when the condition is false; a 32-bit
 *  destination is zero-extended either way (SDM CMOVcc operation). */
@inline export function cmov<T>(cpu: usize, d: usize, cc: i32): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  if (cond(cpu, cc)) writeG<T>(cpu, d, v);
  else if (sizeof<T>() == 4) writeG<T>(cpu, d, readG<T>(cpu, d));
}

@inline export function setcc<T>(cpu: usize, d: usize, cc: i32): void {
  writeE<u8>(cpu, d, cond(cpu, cc) ? 1 : 0);
}

/** CBW/CWDE/CDQE: sign-extend the lower half of rAX into rAX. */
@inline export function cbw<T>(cpu: usize, d: usize): void {
  if (sizeof<T>() == 2) regWrite<u16>(cpu, S.CPU_OFF_RAX, <u16><i16><i8>regRead<u8>(cpu, S.CPU_OFF_RAX));
  else if (sizeof<T>() == 4) regWrite<u32>(cpu, S.CPU_OFF_RAX, <u32><i32><i16>regRead<u16>(cpu, S.CPU_OFF_RAX));
  else regWrite<u64>(cpu, S.CPU_OFF_RAX, <u64><i64><i32>regRead<u32>(cpu, S.CPU_OFF_RAX));
}

/** CWD/CDQ/CQO: rDX = sign of rAX. */
@inline export function cwd<T>(cpu: usize, d: usize): void {
  const a = regRead<T>(cpu, S.CPU_OFF_RAX);
  regWrite<T>(cpu, S.CPU_OFF_RDX, sext<T>(a) < 0 ? <T>-1 : <T>0);
}

@inline function swapBytes<T>(v: T): T {
  if (sizeof<T>() == 2) return <T>bswap<u16>(<u16>v);
  if (sizeof<T>() == 4) return <T>bswap<u32>(<u32>v);
  return <T>bswap<u64>(<u64>v);
}

/** BSWAP r16 is undefined in the SDM; hardware gives 0. */
@inline export function bswap_Z<T>(cpu: usize, d: usize): void {
  const off = rmOff(d);
  if (sizeof<T>() == 2) regWrite<u16>(cpu, off, 0);
  else regWrite<T>(cpu, off, swapBytes<T>(regRead<T>(cpu, off)));
}

@inline export function movbe_GM<T>(cpu: usize, d: usize): void {
  const v = readMem<T>(cpu, linear(cpu, d)); if (aborted(cpu)) return;
  writeG<T>(cpu, d, swapBytes<T>(v));
}
@inline export function movbe_MG<T>(cpu: usize, d: usize): void {
  writeMem<T>(cpu, linear(cpu, d), swapBytes<T>(readG<T>(cpu, d)));
}

/** XLAT: AL = [seg:rBX + AL] with the address size. */
@inline export function xlat<T>(cpu: usize, d: usize): void {
  const ea = (load<u64>(cpu, S.CPU_OFF_RBX) + <u64>load<u8>(cpu, S.CPU_OFF_RAX)) & load<u64>(d, D.D_AMASK);
  const v = readMem<u8>(cpu, segLinear(cpu, <i32>load<u8>(d, D.D_SEG), ea));
  if (aborted(cpu)) return;
  store<u8>(cpu, v, S.CPU_OFF_RAX);
}

/** SAHF: SF ZF AF PF CF from AH. LAHF: AH from them (bit 1 reads as 1). */
@inline export function sahf<T>(cpu: usize, d: usize): void {
  setFlags(cpu, S.FL_SF | S.FL_ZF | S.FL_AF | S.FL_PF | S.FL_CF, <u64>load<u8>(cpu, S.CPU_OFF_RAX + 1));
}
@inline export function lahf<T>(cpu: usize, d: usize): void {
  store<u8>(cpu, <u8>((getRflags(cpu) & 0xD5) | 2), S.CPU_OFF_RAX + 1);
}
