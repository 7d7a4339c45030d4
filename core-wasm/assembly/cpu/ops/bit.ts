// cpu/ops/bit.ts — BT BTS BTR BTC, BSF BSR, TZCNT LZCNT, POPCNT (SDM vol. 2).
// BT* with a register bit offset and a memory operand address the bit string beyond the operand:
// the offset is signed and moves the address by (offset >> log2(bits)) operands.
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { setFlags } from '../flags';
import { readMem, writeMem, probeWrite } from '../mmu';
import { regRead, regWrite, gOff, rmOff, isMem, imm, effAddr, segLinear, readE, writeG, sext, bitsOf } from '../operand';

export const BT_BT: i32 = 0;
export const BT_BTS: i32 = 1;
export const BT_BTR: i32 = 2;
export const BT_BTC: i32 = 3;

@inline function btApply<T>(op: i32, v: T, bit: T): T {
  if (op == BT_BTS) return v | bit;
  if (op == BT_BTR) return v & ~bit;
  return v ^ bit;
}

@inline function btMem<T>(cpu: usize, d: usize, op: i32, ea: u64, n: u64): void {
  const lin = segLinear(cpu, <i32>load<u8>(d, D.D_SEG), ea & load<u64>(d, D.D_AMASK));
  if (op != BT_BT && !probeWrite(cpu, lin, <i32>sizeof<T>())) return; // faults report a write
  const v = readMem<T>(cpu, lin);
  if (aborted(cpu)) return;
  const bit = <T>1 << <T>n;
  if (op != BT_BT) writeMem<T>(cpu, lin, btApply<T>(op, v, bit));
  setFlags(cpu, S.FL_CF, (v & bit) != 0 ? 1 : 0);
}

@inline function btReg<T>(cpu: usize, d: usize, op: i32, n: u64): void {
  const off = rmOff(d);
  const v = regRead<T>(cpu, off);
  const bit = <T>1 << <T>(n & (bitsOf<T>() - 1));
  if (op != BT_BT) regWrite<T>(cpu, off, btApply<T>(op, v, bit));
  setFlags(cpu, S.FL_CF, (v & bit) != 0 ? 1 : 0);
}

@inline export function bt_EG<T>(cpu: usize, d: usize, op: i32): void {
  const off = regRead<T>(cpu, gOff(d));
  if (isMem(d)) {
    const s = sext<T>(off);
    const bits = <i64>bitsOf<T>();
    const ea = effAddr(cpu, d) + <u64>((s >> (sizeof<T>() == 8 ? 6 : sizeof<T>() == 4 ? 5 : 4)) * (bits >> 3));
    btMem<T>(cpu, d, op, ea, <u64>s & <u64>(bits - 1));
  } else {
    btReg<T>(cpu, d, op, <u64>off);
  }
}

@inline export function bt_EI<T>(cpu: usize, d: usize, op: i32): void {
  const n = imm(d) & (bitsOf<T>() - 1);
  if (isMem(d)) btMem<T>(cpu, d, op, effAddr(cpu, d), n);
  else btReg<T>(cpu, d, op, n);
}

const ARITH: u64 = S.FL_ARITH;

/** BSF/BSR: ZF = (source == 0), destination unchanged then; otherwise the bit index. */
@inline export function bsf<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  if (v == 0) { setFlags(cpu, S.FL_ZF, S.FL_ZF); return; }
  writeG<T>(cpu, d, <T>ctz<u64>(<u64>v));
  setFlags(cpu, S.FL_ZF, 0);
}

@inline export function bsr<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  if (v == 0) { setFlags(cpu, S.FL_ZF, S.FL_ZF); return; }
  writeG<T>(cpu, d, <T>(63 - clz<u64>(<u64>v)));
  setFlags(cpu, S.FL_ZF, 0);
}

/** TZCNT/LZCNT: the count (operand size for 0); CF = (source == 0), ZF = (result == 0). */
@inline export function tzcnt<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  const r: u64 = v == 0 ? bitsOf<T>() : <u64>ctz<u64>(<u64>v);
  writeG<T>(cpu, d, <T>r);
  setFlags(cpu, S.FL_CF | S.FL_ZF, (v == 0 ? S.FL_CF : 0) | (r == 0 ? S.FL_ZF : 0));
}

@inline export function lzcnt<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  const r: u64 = <u64>clz<u64>(<u64>v) - (64 - bitsOf<T>());
  writeG<T>(cpu, d, <T>r);
  setFlags(cpu, S.FL_CF | S.FL_ZF, (v == 0 ? S.FL_CF : 0) | (r == 0 ? S.FL_ZF : 0));
}

/** POPCNT: ZF = (source == 0); OF SF AF CF PF cleared. */
@inline export function popcnt_GE<T>(cpu: usize, d: usize): void {
  const v = readE<T>(cpu, d);
  if (aborted(cpu)) return;
  writeG<T>(cpu, d, <T>popcnt<u64>(<u64>v));
  setFlags(cpu, ARITH, v == 0 ? S.FL_ZF : 0);
}
