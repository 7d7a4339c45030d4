// cpu/ops/shift.ts — ROL ROR RCL RCR SHL/SAL SHR SAR, SHLD SHRD (SDM vol. 2 "RCL/RCR/ROL/ROR",
// "SAL/SAR/SHL/SHR", "SHLD", "SHRD"). The count is masked to 5 bits (6 with 64-bit operands);
// a masked count ovf 0 changes nothing. Rotates change only CF and OF (computed eagerly); SHL SHR
// SAR, SHLD, SHRD set lazy flags (LF_SHIFT: CF and OF known, AF undefined and read as 0). Memory destinations
// are probed for writing first, so flags never change on a faulting write.
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { getCF, setFlags, setLazyShift } from '../flags';
import { readMem, writeMem, probeWrite } from '../mmu';
import { regRead, regWrite, gOff, rmOff, isMem, imm, linear, bitsOf } from '../operand';

export const SH_ROL: i32 = 0;
export const SH_ROR: i32 = 1;
export const SH_RCL: i32 = 2;
export const SH_RCR: i32 = 3;
export const SH_SHL: i32 = 4;
export const SH_SHR: i32 = 5;
export const SH_SAR: i32 = 7;
export const BIT_IMM: i32 = 0;
export const BIT_CL: i32 = 1;

/** Shifts a (zero-extended, `bits` wide) by count (1..63); sets the flags; returns the result. */
function shiftOp(cpu: usize, kind: i32, a: u64, count: u32, bits: u64): u64 {
  const mask: u64 = bits == 64 ? <u64>-1 : (<u64>1 << bits) - 1;
  const top = bits - 1;
  const c = <u64>count;
  let r: u64 = 0; let cf: u64 = 0; let ovf: u64 = 0;
  if (kind == SH_SHL) {
    r = c < 64 ? (a << c) & mask : 0;
    cf = c <= bits ? (a >> (bits - c)) & 1 : 0;
    ovf = ((r >> top) & 1) ^ cf;
    setLazyShift(cpu, <i32>bits, r, cf, ovf);
    return r;
  }
  if (kind == SH_SHR) {
    r = c < 64 ? a >> c : 0;
    cf = c <= bits ? (a >> (c - 1)) & 1 : 0;
    ovf = (a >> top) & 1;
    setLazyShift(cpu, <i32>bits, r, cf, ovf);
    return r;
  }
  if (kind == SH_SAR) {
    const sh = 64 - bits;
    const sa = <i64>(a << sh) >> sh;
    const cc = c > 63 ? 63 : c;
    r = <u64>(sa >> cc) & mask;
    cf = <u64>(sa >> (cc - 1)) & 1;
    setLazyShift(cpu, <i32>bits, r, cf, 0);
    return r;
  }
  if (kind == SH_ROL || kind == SH_ROR) {
    const k = c % bits;
    if (kind == SH_ROL) {
      r = k == 0 ? a : ((a << k) | (a >> (bits - k))) & mask;
      cf = r & 1;
      ovf = ((r >> top) & 1) ^ cf;
    } else {
      r = k == 0 ? a : ((a >> k) | (a << (bits - k))) & mask;
      cf = (r >> top) & 1;
      ovf = cf ^ ((r >> (top - 1)) & 1);
    }
    setFlags(cpu, S.FL_OF | S.FL_CF, cf | (ovf << 11));
    return r;
  }
  // RCL / RCR through CF: the count is taken modulo bits + 1.
  const k = bits < 32 ? c % (bits + 1) : c;
  let carry = getCF(cpu);
  r = a;
  for (let i: u64 = 0; i < k; i++) {
    if (kind == SH_RCL) { const out = (r >> top) & 1; r = ((r << 1) | carry) & mask; carry = out; }
    else { const out = r & 1; r = (r >> 1) | (carry << top); carry = out; }
  }
  if (kind == SH_RCL) ovf = ((r >> top) & 1) ^ carry;
  else ovf = ((r >> top) & 1) ^ ((r >> (top - 1)) & 1);
  if (k != 0) setFlags(cpu, S.FL_OF | S.FL_CF, carry | (ovf << 11));
  return r;
}

@inline function shiftE<T>(cpu: usize, d: usize, kind: i32, count: u32): void {
  count &= sizeof<T>() == 8 ? 63 : 31;
  if (isMem(d)) {
    const lin = linear(cpu, d);
    const a = readMem<T>(cpu, lin);
    if (aborted(cpu) || count == 0) return;
    if (!probeWrite(cpu, lin, <i32>sizeof<T>())) return;
    writeMem<T>(cpu, lin, <T>shiftOp(cpu, kind, <u64>a, count, bitsOf<T>()));
  } else {
    const off = rmOff(d);
    if (count == 0) { if (sizeof<T>() == 4) regWrite<T>(cpu, off, regRead<T>(cpu, off)); return; } // still zero-extends
    regWrite<T>(cpu, off, <T>shiftOp(cpu, kind, <u64>regRead<T>(cpu, off), count, bitsOf<T>()));
  }
}

@inline export function shift_E<T>(cpu: usize, d: usize, kind: i32): void {
  // C0/C1 take Ib, D2/D3 take CL: the decoder leaves IMM = 0 for D2/D3 forms, so tell them apart by it.
  shiftE<T>(cpu, d, kind, load<u8>(d, D.D_OPCODE) >= 0xD0 ? <u32>load<u8>(cpu, S.CPU_OFF_RCX) : <u32>imm(d));
}

@inline export function shift_E1<T>(cpu: usize, d: usize, kind: i32): void { shiftE<T>(cpu, d, kind, 1); }

/** SHLD/SHRD: shift E, filling from G. */
function doubleShift(cpu: usize, left: bool, a: u64, b: u64, c: u64, bits: u64): u64 {
  const mask: u64 = bits == 64 ? <u64>-1 : (<u64>1 << bits) - 1;
  const top = bits - 1;
  let r: u64; let cf: u64;
  if (bits == 16 && c > 16) {
    // Counts 17..31 (undefined in the SDM): hardware rotates the source; CF comes from dst only.
    const k = c - 16;
    r = left ? ((b << k) | (b >> (16 - k))) & 0xFFFF : ((b >> k) | (b << (16 - k))) & 0xFFFF;
    cf = 0;
  } else if (left) {
    r = ((a << c) | (b >> (bits - c))) & mask;
    cf = (a >> (bits - c)) & 1;
  } else {
    r = ((a >> c) | (b << (bits - c))) & mask;
    cf = (a >> (c - 1)) & 1;
  }
  const ovf = ((r ^ a) >> top) & 1;
  setLazyShift(cpu, <i32>bits, r, cf, ovf);
  return r;
}

@inline function shXd<T>(cpu: usize, d: usize, left: bool, which: i32): void {
  const c = (which == BIT_CL ? <u32>load<u8>(cpu, S.CPU_OFF_RCX) : <u32>imm(d)) & (sizeof<T>() == 8 ? 63 : 31);
  const b = <u64>regRead<T>(cpu, gOff(d));
  if (isMem(d)) {
    const lin = linear(cpu, d);
    const a = readMem<T>(cpu, lin);
    if (aborted(cpu) || c == 0) return;
    if (!probeWrite(cpu, lin, <i32>sizeof<T>())) return;
    writeMem<T>(cpu, lin, <T>doubleShift(cpu, left, <u64>a, b, <u64>c, bitsOf<T>()));
  } else {
    const off = rmOff(d);
    if (c == 0) { if (sizeof<T>() == 4) regWrite<T>(cpu, off, regRead<T>(cpu, off)); return; }
    regWrite<T>(cpu, off, <T>doubleShift(cpu, left, <u64>regRead<T>(cpu, off), b, <u64>c, bitsOf<T>()));
  }
}

@inline export function shld<T>(cpu: usize, d: usize, which: i32): void { shXd<T>(cpu, d, true, which); }
@inline export function shrd<T>(cpu: usize, d: usize, which: i32): void { shXd<T>(cpu, d, false, which); }
