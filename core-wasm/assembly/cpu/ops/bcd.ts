// cpu/ops/bcd.ts — the decimal-arithmetic adjustments DAA, DAS, AAA, AAS, AAM, AAD (SDM vol. 2;
// invalid in 64-bit mode: their table rows are i64). They act on AL/AH and set the flags the SDM
// defines; the flags it leaves undefined are written as this file computes them and excluded by
// the differential test (the rows' undef= attributes).
import * as S from '../state';
import { raise } from '../except';
import { getAF, getCF, setFlags, szp } from '../flags';
import { imm } from '../operand';

const ARITH: u64 = S.FL_CF | S.FL_PF | S.FL_AF | S.FL_ZF | S.FL_SF | S.FL_OF;

@inline function al(cpu: usize): u32 { return <u32>load<u8>(cpu, S.CPU_OFF_RAX); }
@inline function ah(cpu: usize): u32 { return <u32>load<u8>(cpu, S.CPU_OFF_RAX + 1); }
@inline function setAl(cpu: usize, v: u32): void { store<u8>(cpu, <u8>v, S.CPU_OFF_RAX); }
@inline function setAh(cpu: usize, v: u32): void { store<u8>(cpu, <u8>v, S.CPU_OFF_RAX + 1); }

export function daa<T>(cpu: usize, d: usize): void {
  const old = al(cpu); const oldCf = getCF(cpu);
  let a = old; let cf: u64 = 0; let af: u64 = 0;
  if ((a & 0xF) > 9 || getAF(cpu)) { a = (a + 6) & 0xFF; cf = oldCf | (old > 0xF9 ? 1 : 0); af = S.FL_AF; }
  if (old > 0x99 || oldCf) { a = (a + 0x60) & 0xFF; cf = 1; }
  setAl(cpu, a);
  setFlags(cpu, ARITH, cf | af | szp(<u64>a, 8));
}

export function das<T>(cpu: usize, d: usize): void {
  const old = al(cpu); const oldCf = getCF(cpu);
  let a = old; let cf: u64 = 0; let af: u64 = 0;
  if ((a & 0xF) > 9 || getAF(cpu)) { a = (a - 6) & 0xFF; cf = oldCf | (old < 6 ? 1 : 0); af = S.FL_AF; }
  if (old > 0x99 || oldCf) { a = (a - 0x60) & 0xFF; cf = 1; }
  setAl(cpu, a);
  setFlags(cpu, ARITH, cf | af | szp(<u64>a, 8));
}

/**
 * AAA/AAS: when AL's low digit is not a BCD digit (or AF), AX becomes `adjusted` (AL +/- 6 with the
 * carry/borrow into AH) with AL's high digit cleared, and AF = CF = 1; else only AL's high digit clears.
 */
function asciiAdjust(cpu: usize, adjusted: u32): void {
  if ((al(cpu) & 0xF) > 9 || getAF(cpu)) {
    const ax = adjusted & 0xFFFF;
    store<u16>(cpu, <u16>(ax & 0xFF0F), S.CPU_OFF_RAX);
    setFlags(cpu, ARITH, S.FL_AF | S.FL_CF | szp(<u64>(ax & 0xFF), 8));
  } else {
    const a = al(cpu);
    setAl(cpu, a & 0xF);
    setFlags(cpu, ARITH, szp(<u64>a, 8));
  }
}

export function aaa<T>(cpu: usize, d: usize): void {
  asciiAdjust(cpu, <u32>load<u16>(cpu, S.CPU_OFF_RAX) + 0x106);
}

export function aas<T>(cpu: usize, d: usize): void {
  asciiAdjust(cpu, ((<u32>load<u16>(cpu, S.CPU_OFF_RAX) - 6) & 0xFFFF) - 0x100);
}

export function aam<T>(cpu: usize, d: usize): void {
  const base = <u32>(imm(d) & 0xFF);
  if (base == 0) { raise(cpu, S.EXC_DE, -1); return; }
  const a = al(cpu);
  setAh(cpu, a / base);
  setAl(cpu, a % base);
  setFlags(cpu, ARITH, szp(<u64>(a % base), 8));
}

export function aad<T>(cpu: usize, d: usize): void {
  const a = (al(cpu) + ah(cpu) * <u32>(imm(d) & 0xFF)) & 0xFF;
  store<u16>(cpu, <u16>a, S.CPU_OFF_RAX);
  setFlags(cpu, ARITH, szp(<u64>a, 8));
}
