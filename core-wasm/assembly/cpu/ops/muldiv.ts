// cpu/ops/muldiv.ts — MUL, IMUL (one, two and three operands), DIV, IDIV (SDM vol. 2).
// MUL/IMUL: CF = OF = "the upper half is significant"; SF ZF AF PF are undefined (set from the low
// result here). DIV/IDIV: #DE on a zero divisor or a quotient that does not fit; flags undefined.
// 64-bit forms use 128-bit arithmetic built from 64-bit halves.
import * as S from '../state';
import { aborted, raise } from '../except';
import { setFlags, szp } from '../flags';
import { regRead, regWrite, gOff, rmOff, readE, writeG, imm, sext, bitsOf } from '../operand';

const OSZAPC: u64 = S.FL_OF | S.FL_SF | S.FL_ZF | S.FL_AF | S.FL_PF | S.FL_CF;

/** High 64 bits of the unsigned 128-bit product a*b. */
export function mulhu64(a: u64, b: u64): u64 {
  const a0 = a & 0xFFFF_FFFF; const a1 = a >> 32; const b0 = b & 0xFFFF_FFFF; const b1 = b >> 32;
  const p00 = a0 * b0; const p01 = a0 * b1; const p10 = a1 * b0; const p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xFFFF_FFFF) + (p10 & 0xFFFF_FFFF);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** High 64 bits of the signed 128-bit product. */
export function mulhs64(a: i64, b: i64): i64 {
  let h = <i64>mulhu64(<u64>a, <u64>b);
  if (a < 0) h -= b;
  if (b < 0) h -= a;
  return h;
}

@inline function mulFlags(cpu: usize, over: bool, lo: u64, bits: i32): void {
  const o: u64 = over ? S.FL_OF | S.FL_CF : 0;
  setFlags(cpu, OSZAPC, o | szp(lo, bits));
}

@inline export function mul_E<T>(cpu: usize, d: usize): void {
  const b = <u64>readE<T>(cpu, d);
  if (aborted(cpu)) return;
  const a = <u64>regRead<T>(cpu, S.CPU_OFF_RAX);
  if (sizeof<T>() == 1) {
    const p = a * b;
    regWrite<u16>(cpu, S.CPU_OFF_RAX, <u16>p);
    mulFlags(cpu, (p >> 8) != 0, p & 0xFF, 8);
  } else if (sizeof<T>() < 8) {
    const p = a * b; const bits = bitsOf<T>();
    regWrite<T>(cpu, S.CPU_OFF_RAX, <T>p);
    regWrite<T>(cpu, S.CPU_OFF_RDX, <T>(p >> bits));
    mulFlags(cpu, (p >> bits) != 0, <u64><T>p, <i32>bits);
  } else {
    const hi = mulhu64(a, b); const lo = a * b;
    regWrite<u64>(cpu, S.CPU_OFF_RAX, lo);
    regWrite<u64>(cpu, S.CPU_OFF_RDX, hi);
    mulFlags(cpu, hi != 0, lo, 64);
  }
}

@inline export function imul_E<T>(cpu: usize, d: usize): void {
  const b = sext<T>(readE<T>(cpu, d));
  if (aborted(cpu)) return;
  const a = sext<T>(regRead<T>(cpu, S.CPU_OFF_RAX));
  if (sizeof<T>() == 1) {
    const p = a * b;
    regWrite<u16>(cpu, S.CPU_OFF_RAX, <u16>p);
    mulFlags(cpu, p != <i64><i8>p, <u64>p & 0xFF, 8);
  } else if (sizeof<T>() < 8) {
    const p = a * b; const bits = bitsOf<T>();
    regWrite<T>(cpu, S.CPU_OFF_RAX, <T>p);
    regWrite<T>(cpu, S.CPU_OFF_RDX, <T>(p >> bits));
    mulFlags(cpu, p != sext<T>(<T>p), <u64><T>p, <i32>bits);
  } else {
    const hi = mulhs64(a, b); const lo = a * b;
    regWrite<u64>(cpu, S.CPU_OFF_RAX, <u64>lo);
    regWrite<u64>(cpu, S.CPU_OFF_RDX, <u64>hi);
    mulFlags(cpu, hi != (lo >> 63), <u64>lo, 64);
  }
}

@inline function imul2<T>(cpu: usize, d: usize, a: i64, b: i64): void {
  const lo = a * b;
  let over: bool;
  if (sizeof<T>() == 8) over = mulhs64(a, b) != (lo >> 63);
  else over = lo != sext<T>(<T>lo);
  writeG<T>(cpu, d, <T>lo);
  mulFlags(cpu, over, <u64><T>lo, <i32>bitsOf<T>());
}

@inline export function imul_GE<T>(cpu: usize, d: usize): void {
  const b = sext<T>(readE<T>(cpu, d));
  if (aborted(cpu)) return;
  imul2<T>(cpu, d, sext<T>(regRead<T>(cpu, gOff(d))), b);
}

@inline export function imul_GEI<T>(cpu: usize, d: usize): void {
  const a = sext<T>(readE<T>(cpu, d));
  if (aborted(cpu)) return;
  imul2<T>(cpu, d, a, sext<T>(<T>imm(d)));
}

/** Unsigned 128/64 division (hi < divisor): quotient; the remainder goes to *rem (cpu scratch). */
export function divu128(hi: u64, lo: u64, dv: u64, remOut: usize): u64 {
  let q: u64 = 0; let r = hi;
  for (let i = 0; i < 64; i++) {
    const carry = r >> 63;
    r = (r << 1) | (lo >> 63); lo <<= 1; q <<= 1;
    if (carry != 0 || r >= dv) { r -= dv; q |= 1; }
  }
  store<u64>(remOut, r);
  return q;
}

@inline export function div_E<T>(cpu: usize, d: usize): void {
  const b = <u64>readE<T>(cpu, d);
  if (aborted(cpu)) return;
  if (b == 0) { raise(cpu, S.EXC_DE, -1); return; }
  if (sizeof<T>() == 1) {
    const a = <u64>regRead<u16>(cpu, S.CPU_OFF_RAX);
    const q = a / b;
    if (q > 0xFF) { raise(cpu, S.EXC_DE, -1); return; }
    regWrite<u16>(cpu, S.CPU_OFF_RAX, <u16>((a % b) << 8 | q));
  } else if (sizeof<T>() < 8) {
    const bits = bitsOf<T>();
    const a = (<u64>regRead<T>(cpu, S.CPU_OFF_RDX) << bits) | <u64>regRead<T>(cpu, S.CPU_OFF_RAX);
    const q = a / b;
    if ((q >> bits) != 0) { raise(cpu, S.EXC_DE, -1); return; }
    regWrite<T>(cpu, S.CPU_OFF_RAX, <T>q);
    regWrite<T>(cpu, S.CPU_OFF_RDX, <T>(a % b));
  } else {
    const hi = regRead<u64>(cpu, S.CPU_OFF_RDX);
    if (hi >= b) { raise(cpu, S.EXC_DE, -1); return; }
    const scratch = cpu + S.CPU_OFF_WALK;
    const q = divu128(hi, regRead<u64>(cpu, S.CPU_OFF_RAX), b, scratch);
    regWrite<u64>(cpu, S.CPU_OFF_RAX, q);
    regWrite<u64>(cpu, S.CPU_OFF_RDX, load<u64>(scratch));
  }
}

@inline export function idiv_E<T>(cpu: usize, d: usize): void {
  const b = sext<T>(readE<T>(cpu, d));
  if (aborted(cpu)) return;
  if (b == 0) { raise(cpu, S.EXC_DE, -1); return; }
  if (sizeof<T>() == 1) {
    const a = <i64><i16>regRead<u16>(cpu, S.CPU_OFF_RAX);
    const q = a / b;
    if (q != <i64><i8>q) { raise(cpu, S.EXC_DE, -1); return; }
    regWrite<u16>(cpu, S.CPU_OFF_RAX, <u16>(((a % b) & 0xFF) << 8 | (q & 0xFF)));
  } else if (sizeof<T>() < 8) {
    const bits = bitsOf<T>();
    const a = <i64>((<u64>regRead<T>(cpu, S.CPU_OFF_RDX) << bits) | <u64>regRead<T>(cpu, S.CPU_OFF_RAX));
    const sa = sizeof<T>() == 4 ? a : <i64><i32>a;
    if (sizeof<T>() == 4 && sa == <i64>0x8000_0000_0000_0000 && b == -1) { raise(cpu, S.EXC_DE, -1); return; }
    const q = sa / b;
    if (q != sext<T>(<T>q)) { raise(cpu, S.EXC_DE, -1); return; }
    regWrite<T>(cpu, S.CPU_OFF_RAX, <T>q);
    regWrite<T>(cpu, S.CPU_OFF_RDX, <T>(sa % b));
  } else {
    let hi = regRead<u64>(cpu, S.CPU_OFF_RDX); let lo = regRead<u64>(cpu, S.CPU_OFF_RAX);
    const neg = <i64>hi < 0;
    if (neg) { lo = ~lo + 1; hi = ~hi + (lo == 0 ? 1 : 0); }
    const bm: u64 = b < 0 ? <u64>(-b) : <u64>b;
    if (hi >= bm) { raise(cpu, S.EXC_DE, -1); return; }
    const scratch = cpu + S.CPU_OFF_WALK;
    const q = divu128(hi, lo, bm, scratch);
    const qneg = neg != (b < 0);
    if (qneg ? q > 0x8000_0000_0000_0000 : q > 0x7FFF_FFFF_FFFF_FFFF) { raise(cpu, S.EXC_DE, -1); return; }
    const r = load<u64>(scratch);
    regWrite<u64>(cpu, S.CPU_OFF_RAX, qneg ? ~q + 1 : q);
    regWrite<u64>(cpu, S.CPU_OFF_RDX, neg ? ~r + 1 : r);
  }
}
