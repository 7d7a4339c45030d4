// cpu/flags.ts — lazy arithmetic flags (SDM vol. 1 3.4.3.1, appendix A "EFLAGS cross-reference").
// A flag-setting ALU operation records (op, size, dst, src, result, carry-in) instead of computing
// OF SF ZF AF PF CF; they are computed when read. Invariants: while LF_OP == LF_NONE the arithmetic
// bits of CPU_OFF_RFLAGS are current; for LF_INC/LF_DEC the CF bit of RFLAGS is current (INC/DEC
// preserve CF); otherwise the arithmetic bits of RFLAGS are stale. Values are stored zero-extended;
// for LF_LOGIC only the result is (LF_DST/LF_SRC are stale: every reader checks the op first).
import * as S from './state';

export const LF_NONE: i32 = 0;
export const LF_ADD: i32 = 1;
export const LF_SUB: i32 = 2;
export const LF_ADC: i32 = 3;
export const LF_SBB: i32 = 4;
export const LF_LOGIC: i32 = 5;
export const LF_INC: i32 = 6;
export const LF_DEC: i32 = 7;
export const LF_SHIFT: i32 = 8; // SHL/SHR/SAR: LF_SRC holds CF (bit 0) and OF (bit 11); AF reads 0 (undefined)

@inline export function setLazy<T>(cpu: usize, op: i32, dst: T, src: T, res: T): void {
  // LF_OP and LF_BITS are adjacent i32s: one store. A LOGIC result needs no operands.
  store<u64>(cpu, (<u64>(sizeof<T>() * 8) << 32) | <u64><u32>op, S.CPU_OFF_LF_OP);
  if (op != LF_LOGIC) {
    store<u64>(cpu, <u64>dst, S.CPU_OFF_LF_DST);
    store<u64>(cpu, <u64>src, S.CPU_OFF_LF_SRC);
  }
  store<u64>(cpu, <u64>res, S.CPU_OFF_LF_RES);
}

@inline export function setLazyCarry<T>(cpu: usize, op: i32, dst: T, src: T, res: T, cin: u64): void {
  setLazy<T>(cpu, op, dst, src, res);
  store<u64>(cpu, cin, S.CPU_OFF_LF_CIN);
}

/** SHL/SHR/SAR with a nonzero count: CF and OF are known, SF ZF PF come from the result. */
@inline export function setLazyShift(cpu: usize, bits: i32, res: u64, cf: u64, ovf: u64): void {
  store<u64>(cpu, (<u64>bits << 32) | <u64>LF_SHIFT, S.CPU_OFF_LF_OP);
  store<u64>(cpu, cf | (ovf << 11), S.CPU_OFF_LF_SRC);
  store<u64>(cpu, res, S.CPU_OFF_LF_RES);
}

/** INC/DEC: CF is kept in RFLAGS, the rest is lazy. */
@inline export function setLazyIncDec<T>(cpu: usize, op: i32, dst: T, res: T): void {
  const cf = getCF(cpu);
  store<u64>(cpu, (load<u64>(cpu, S.CPU_OFF_RFLAGS) & ~S.FL_CF) | cf, S.CPU_OFF_RFLAGS);
  setLazy<T>(cpu, op, dst, <T>1, res);
}

export function getCF(cpu: usize): u64 {
  const op = load<i32>(cpu, S.CPU_OFF_LF_OP);
  const dst = load<u64>(cpu, S.CPU_OFF_LF_DST);
  const src = load<u64>(cpu, S.CPU_OFF_LF_SRC);
  const res = load<u64>(cpu, S.CPU_OFF_LF_RES);
  switch (op) {
    case LF_ADD: return res < dst ? 1 : 0;
    case LF_SUB: return dst < src ? 1 : 0;
    case LF_ADC: return res < dst || (load<u64>(cpu, S.CPU_OFF_LF_CIN) != 0 && res == dst) ? 1 : 0;
    case LF_SBB: return dst < src || (load<u64>(cpu, S.CPU_OFF_LF_CIN) != 0 && dst == src) ? 1 : 0;
    case LF_LOGIC: return 0;
    case LF_SHIFT: return src & 1;
    default: return load<u64>(cpu, S.CPU_OFF_RFLAGS) & 1;
  }
}

@inline function signShift(cpu: usize): u64 { return <u64>(load<i32>(cpu, S.CPU_OFF_LF_BITS) - 1); }

export function getOF(cpu: usize): u64 {
  const op = load<i32>(cpu, S.CPU_OFF_LF_OP);
  if (op == LF_NONE) return (load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 11) & 1;
  const dst = load<u64>(cpu, S.CPU_OFF_LF_DST);
  const src = load<u64>(cpu, S.CPU_OFF_LF_SRC);
  const res = load<u64>(cpu, S.CPU_OFF_LF_RES);
  const sh = signShift(cpu);
  switch (op) {
    case LF_ADD: case LF_ADC: return (((dst ^ res) & (src ^ res)) >> sh) & 1;
    case LF_SUB: case LF_SBB: return (((dst ^ src) & (dst ^ res)) >> sh) & 1;
    case LF_INC: return res == (<u64>1 << sh) ? 1 : 0;
    case LF_DEC: return res == (<u64>1 << sh) - 1 ? 1 : 0;
    case LF_SHIFT: return (src >> 11) & 1;
    default: return 0;
  }
}

@inline export function getZF(cpu: usize): u64 {
  if (load<i32>(cpu, S.CPU_OFF_LF_OP) == LF_NONE) return (load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 6) & 1;
  return load<u64>(cpu, S.CPU_OFF_LF_RES) == 0 ? 1 : 0;
}

@inline export function getSF(cpu: usize): u64 {
  if (load<i32>(cpu, S.CPU_OFF_LF_OP) == LF_NONE) return (load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 7) & 1;
  return (load<u64>(cpu, S.CPU_OFF_LF_RES) >> signShift(cpu)) & 1;
}

export function getPF(cpu: usize): u64 {
  if (load<i32>(cpu, S.CPU_OFF_LF_OP) == LF_NONE) return (load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 2) & 1;
  return parity(load<u64>(cpu, S.CPU_OFF_LF_RES));
}

export function getAF(cpu: usize): u64 {
  const op = load<i32>(cpu, S.CPU_OFF_LF_OP);
  if (op == LF_NONE) return (load<u64>(cpu, S.CPU_OFF_RFLAGS) >> 4) & 1;
  if (op == LF_LOGIC || op == LF_SHIFT) return 0;
  return ((load<u64>(cpu, S.CPU_OFF_LF_DST) ^ load<u64>(cpu, S.CPU_OFF_LF_SRC) ^ load<u64>(cpu, S.CPU_OFF_LF_RES)) >> 4) & 1;
}

/** PF: 1 when the low byte of v has an even number of set bits. */
@inline export function parity(v: u64): u64 { return (<u64>popcnt<u32>(<u32>v & 0xff) & 1) ^ 1; }

/** The full RFLAGS value. */
export function getRflags(cpu: usize): u64 {
  const f = load<u64>(cpu, S.CPU_OFF_RFLAGS);
  if (load<i32>(cpu, S.CPU_OFF_LF_OP) == LF_NONE) return f;
  return (f & ~S.FL_ARITH) | getCF(cpu) | (getPF(cpu) << 2) | (getAF(cpu) << 4) | (getZF(cpu) << 6) |
    (getSF(cpu) << 7) | (getOF(cpu) << 11);
}

/** Computes the lazy flags into RFLAGS (LF_OP becomes LF_NONE). */
export function materialize(cpu: usize): void {
  if (load<i32>(cpu, S.CPU_OFF_LF_OP) == LF_NONE) return;
  store<u64>(cpu, getRflags(cpu), S.CPU_OFF_RFLAGS);
  store<i32>(cpu, LF_NONE, S.CPU_OFF_LF_OP);
}

/** Sets the arithmetic flags in `mask` to `value` (others keep their current values). */
@inline export function setFlags(cpu: usize, mask: u64, value: u64): void {
  materialize(cpu);
  store<u64>(cpu, (load<u64>(cpu, S.CPU_OFF_RFLAGS) & ~mask) | (value & mask), S.CPU_OFF_RFLAGS);
}

/** SF ZF PF of a result of `bits` bits, as RFLAGS bits. */
@inline export function szp(res: u64, bits: i32): u64 {
  return ((res >> <u64>(bits - 1)) & 1) << 7 | (res == 0 ? S.FL_ZF : 0) | (parity(res) << 2);
}

/** Condition code cc (SDM vol. 1 appendix B). Fast paths for CMP/SUB and logic results. */
@inline export function cond(cpu: usize, cc: i32): bool {
  const op = load<i32>(cpu, S.CPU_OFF_LF_OP);
  let r: bool;
  const base = cc & ~1;
  if (op == LF_SUB && (base == 2 || base == 4 || base == 6 || base == 12 || base == 14)) {
    const dst = load<u64>(cpu, S.CPU_OFF_LF_DST);
    const src = load<u64>(cpu, S.CPU_OFF_LF_SRC);
    const sh = <u64>(64 - load<i32>(cpu, S.CPU_OFF_LF_BITS));
    const sd = <i64>(dst << sh) >> sh; const ss = <i64>(src << sh) >> sh;
    if (base == 2) r = dst < src;
    else if (base == 4) r = dst == src;
    else if (base == 6) r = dst <= src;
    else if (base == 12) r = sd < ss;
    else r = sd <= ss;
  } else {
    switch (base) {
      case 0: r = getOF(cpu) != 0; break;
      case 2: r = getCF(cpu) != 0; break;
      case 4: r = getZF(cpu) != 0; break;
      case 6: r = (getCF(cpu) | getZF(cpu)) != 0; break;
      case 8: r = getSF(cpu) != 0; break;
      case 10: r = getPF(cpu) != 0; break;
      case 12: r = getSF(cpu) != getOF(cpu); break;
      default: r = getZF(cpu) != 0 || getSF(cpu) != getOF(cpu); break;
    }
  }
  return (cc & 1) ? !r : r;
}
