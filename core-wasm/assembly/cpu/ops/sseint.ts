// cpu/ops/sseint.ts — SSE2/SSSE3/SSE4.1/SSE4.2 packed-integer and logic instructions on the
// 128-bit XMM registers (SDM vol. 2: PADD*, PSUB*, PCMP*, PMIN*/PMAX*, PMUL*, PAVG*, PSADBW,
// PUNPCK*, PACK*, PSLL/PSRL/PSRA (register and immediate counts), PSHUFB, PABS*, PSIGN*, PHADD*,
// PHSUB*, PMADDUBSW, PMULHRSW, logic ops), computed with WebAssembly SIMD where the lane
// semantics are identical and lane by lane where they are not.
// Invariant: the destination is V (dest = dest OP source); 128-bit memory sources are aligned.
import { sseOk, vPtr, uPtr, wPtr, FX_TMP } from './ssebase';
import { imm } from '../operand';

export const PI_AND = 0, PI_ANDN = 1, PI_OR = 2, PI_XOR = 3;
export const PI_CMPEQB = 4, PI_CMPEQW = 5, PI_CMPEQD = 6, PI_CMPGTB = 7, PI_CMPGTW = 8, PI_CMPGTD = 9;
export const PI_MINUB = 10, PI_MAXUB = 11, PI_MINSW = 12, PI_MAXSW = 13;
export const PI_ADDB = 14, PI_ADDW = 15, PI_ADDD = 16, PI_ADDQ = 17, PI_SUBB = 18, PI_SUBW = 19, PI_SUBD = 20, PI_SUBQ = 21;
export const PI_ADDSB = 22, PI_ADDSW = 23, PI_ADDUSB = 24, PI_ADDUSW = 25;
export const PI_SUBSB = 26, PI_SUBSW = 27, PI_SUBUSB = 28, PI_SUBUSW = 29;
export const PI_MULLW = 30, PI_MULHW = 31, PI_MULHUW = 32, PI_MULUDQ = 33, PI_MADDWD = 34;
export const PI_AVGB = 35, PI_AVGW = 36, PI_SADBW = 37;
export const PI_UNPCKLBW = 38, PI_UNPCKLWD = 39, PI_UNPCKLDQ = 40, PI_UNPCKLQDQ = 41;
export const PI_UNPCKHBW = 42, PI_UNPCKHWD = 43, PI_UNPCKHDQ = 44, PI_UNPCKHQDQ = 45;
export const PI_PACKSSWB = 46, PI_PACKSSDW = 47, PI_PACKUSWB = 48, PI_PACKUSDW = 49;
export const PI_SRLW = 50, PI_SRLD = 51, PI_SRLQ = 52, PI_SRAW = 53, PI_SRAD = 54, PI_SLLW = 55, PI_SLLD = 56, PI_SLLQ = 57;
export const PI_SRLDQ = 58, PI_SLLDQ = 59;
export const PI_SHUFB = 60, PI_ABSB = 61, PI_ABSW = 62, PI_ABSD = 63, PI_SIGNB = 64, PI_SIGNW = 65, PI_SIGND = 66;
export const PI_HADDW = 67, PI_HADDD = 68, PI_HSUBW = 69, PI_HSUBD = 70, PI_MADDUBSW = 71, PI_MULHRSW = 72;
export const PI_HADDSW = 73, PI_HSUBSW = 74;
export const PI_MINSB = 75, PI_MINSD = 76, PI_MINUW = 77, PI_MINUD = 78, PI_MAXSB = 79, PI_MAXSD = 80, PI_MAXUW = 81, PI_MAXUD = 82;
export const PI_MULLD = 83, PI_MULDQ = 84, PI_CMPEQQ = 85, PI_CMPGTQ = 86;

/** dest OP src for register-count-free operations. */
function pintOp(a: v128, b: v128, op: i32): v128 {
  switch (op) {
    case PI_AND: return v128.and(a, b);
    case PI_ANDN: return v128.andnot(b, a);
    case PI_OR: return v128.or(a, b);
    case PI_XOR: return v128.xor(a, b);
    case PI_CMPEQB: return i8x16.eq(a, b);
    case PI_CMPEQW: return i16x8.eq(a, b);
    case PI_CMPEQD: return i32x4.eq(a, b);
    case PI_CMPEQQ: return i64x2.eq(a, b);
    case PI_CMPGTB: return i8x16.gt_s(a, b);
    case PI_CMPGTW: return i16x8.gt_s(a, b);
    case PI_CMPGTD: return i32x4.gt_s(a, b);
    case PI_CMPGTQ: return i64x2.gt_s(a, b);
    case PI_MINUB: return i8x16.min_u(a, b);
    case PI_MAXUB: return i8x16.max_u(a, b);
    case PI_MINSW: return i16x8.min_s(a, b);
    case PI_MAXSW: return i16x8.max_s(a, b);
    case PI_MINSB: return i8x16.min_s(a, b);
    case PI_MAXSB: return i8x16.max_s(a, b);
    case PI_MINUW: return i16x8.min_u(a, b);
    case PI_MAXUW: return i16x8.max_u(a, b);
    case PI_MINSD: return i32x4.min_s(a, b);
    case PI_MAXSD: return i32x4.max_s(a, b);
    case PI_MINUD: return i32x4.min_u(a, b);
    case PI_MAXUD: return i32x4.max_u(a, b);
    case PI_ADDB: return i8x16.add(a, b);
    case PI_ADDW: return i16x8.add(a, b);
    case PI_ADDD: return i32x4.add(a, b);
    case PI_ADDQ: return i64x2.add(a, b);
    case PI_SUBB: return i8x16.sub(a, b);
    case PI_SUBW: return i16x8.sub(a, b);
    case PI_SUBD: return i32x4.sub(a, b);
    case PI_SUBQ: return i64x2.sub(a, b);
    case PI_ADDSB: return i8x16.add_sat_s(a, b);
    case PI_ADDSW: return i16x8.add_sat_s(a, b);
    case PI_ADDUSB: return i8x16.add_sat_u(a, b);
    case PI_ADDUSW: return i16x8.add_sat_u(a, b);
    case PI_SUBSB: return i8x16.sub_sat_s(a, b);
    case PI_SUBSW: return i16x8.sub_sat_s(a, b);
    case PI_SUBUSB: return i8x16.sub_sat_u(a, b);
    case PI_SUBUSW: return i16x8.sub_sat_u(a, b);
    case PI_MULLW: return i16x8.mul(a, b);
    case PI_MULLD: return i32x4.mul(a, b);
    case PI_MULHW: return highHalves(i32x4.extmul_low_i16x8_s(a, b), i32x4.extmul_high_i16x8_s(a, b));
    case PI_MULHUW: return highHalves(i32x4.extmul_low_i16x8_u(a, b), i32x4.extmul_high_i16x8_u(a, b));
    case PI_MULUDQ: return i64x2.extmul_low_i32x4_u(v128.shuffle<u32>(a, a, 0, 2, 0, 2), v128.shuffle<u32>(b, b, 0, 2, 0, 2));
    case PI_MULDQ: return i64x2.extmul_low_i32x4_s(v128.shuffle<u32>(a, a, 0, 2, 0, 2), v128.shuffle<u32>(b, b, 0, 2, 0, 2));
    case PI_MADDWD: return i32x4.dot_i16x8_s(a, b);
    case PI_AVGB: return i8x16.avgr_u(a, b);
    case PI_AVGW: return i16x8.avgr_u(a, b);
    case PI_SADBW: return sadbw(a, b);
    case PI_UNPCKLBW: return v128.shuffle<u8>(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    case PI_UNPCKHBW: return v128.shuffle<u8>(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    case PI_UNPCKLWD: return v128.shuffle<u16>(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    case PI_UNPCKHWD: return v128.shuffle<u16>(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
    case PI_UNPCKLDQ: return v128.shuffle<u32>(a, b, 0, 4, 1, 5);
    case PI_UNPCKHDQ: return v128.shuffle<u32>(a, b, 2, 6, 3, 7);
    case PI_UNPCKLQDQ: return v128.shuffle<u64>(a, b, 0, 2);
    case PI_UNPCKHQDQ: return v128.shuffle<u64>(a, b, 1, 3);
    case PI_PACKSSWB: return i8x16.narrow_i16x8_s(a, b);
    case PI_PACKUSWB: return i8x16.narrow_i16x8_u(a, b);
    case PI_PACKSSDW: return i16x8.narrow_i32x4_s(a, b);
    case PI_PACKUSDW: return i16x8.narrow_i32x4_u(a, b);
    case PI_SHUFB: return i8x16.swizzle(a, v128.and(b, i8x16.splat(<i8>0x8F)));
    case PI_ABSB: return i8x16.abs(b);
    case PI_ABSW: return i16x8.abs(b);
    case PI_ABSD: return i32x4.abs(b);
    case PI_SIGNB: return v128.and(v128.bitselect(i8x16.neg(a), a, i8x16.lt_s(b, i8x16.splat(0))), v128.not(i8x16.eq(b, i8x16.splat(0))));
    case PI_SIGNW: return v128.and(v128.bitselect(i16x8.neg(a), a, i16x8.lt_s(b, i16x8.splat(0))), v128.not(i16x8.eq(b, i16x8.splat(0))));
    case PI_SIGND: return v128.and(v128.bitselect(i32x4.neg(a), a, i32x4.lt_s(b, i32x4.splat(0))), v128.not(i32x4.eq(b, i32x4.splat(0))));
    case PI_HADDW: return i16x8.add(v128.shuffle<u16>(a, b, 0, 2, 4, 6, 8, 10, 12, 14), v128.shuffle<u16>(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
    case PI_HSUBW: return i16x8.sub(v128.shuffle<u16>(a, b, 0, 2, 4, 6, 8, 10, 12, 14), v128.shuffle<u16>(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
    case PI_HADDSW: return i16x8.add_sat_s(v128.shuffle<u16>(a, b, 0, 2, 4, 6, 8, 10, 12, 14), v128.shuffle<u16>(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
    case PI_HSUBSW: return i16x8.sub_sat_s(v128.shuffle<u16>(a, b, 0, 2, 4, 6, 8, 10, 12, 14), v128.shuffle<u16>(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
    case PI_HADDD: return i32x4.add(v128.shuffle<u32>(a, b, 0, 2, 4, 6), v128.shuffle<u32>(a, b, 1, 3, 5, 7));
    case PI_HSUBD: return i32x4.sub(v128.shuffle<u32>(a, b, 0, 2, 4, 6), v128.shuffle<u32>(a, b, 1, 3, 5, 7));
    case PI_MADDUBSW: {
      // unsigned bytes of dest x signed bytes of src, adjacent pairs summed with signed saturation.
      const p = i16x8.mul(i16x8.extend_low_i8x16_u(a), i16x8.extend_low_i8x16_s(b));
      const q = i16x8.mul(i16x8.extend_high_i8x16_u(a), i16x8.extend_high_i8x16_s(b));
      return i16x8.add_sat_s(v128.shuffle<u16>(p, q, 0, 2, 4, 6, 8, 10, 12, 14), v128.shuffle<u16>(p, q, 1, 3, 5, 7, 9, 11, 13, 15));
    }
    case PI_MULHRSW: {
      // q15mulr_sat saturates 0x8000 * 0x8000 to 0x7FFF; PMULHRSW gives 0x8000 there.
      const r = i16x8.q15mulr_sat_s(a, b);
      const both = v128.and(i16x8.eq(a, i16x8.splat(-32768)), i16x8.eq(b, i16x8.splat(-32768)));
      return v128.bitselect(i16x8.splat(-32768), r, both);
    }
    default: return a;
  }
}

@inline function highHalves(lo: v128, hi: v128): v128 { return v128.shuffle<u16>(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15); }

function sadbw(a: v128, b: v128): v128 {
  const d = v128.sub<u8>(i8x16.max_u(a, b), i8x16.min_u(a, b));
  const w = i16x8.extadd_pairwise_i8x16_u(d);
  const q = i32x4.extadd_pairwise_i16x8_u(w);
  const s0 = <u64>i32x4.extract_lane(q, 0) + <u64>i32x4.extract_lane(q, 1);
  const s1 = <u64>i32x4.extract_lane(q, 2) + <u64>i32x4.extract_lane(q, 3);
  return i64x2.replace_lane(i64x2.splat(s0), 1, s1);
}

/** Shift of every lane by `count` (a full 64-bit count; out of range clears or sign-fills). */
function pshift(a: v128, op: i32, count: u64): v128 {
  switch (op) {
    case PI_SRLW: return count > 15 ? i64x2.splat(0) : i16x8.shr_u(a, <i32>count);
    case PI_SRLD: return count > 31 ? i64x2.splat(0) : i32x4.shr_u(a, <i32>count);
    case PI_SRLQ: return count > 63 ? i64x2.splat(0) : i64x2.shr_u(a, <i32>count);
    case PI_SLLW: return count > 15 ? i64x2.splat(0) : i16x8.shl(a, <i32>count);
    case PI_SLLD: return count > 31 ? i64x2.splat(0) : i32x4.shl(a, <i32>count);
    case PI_SLLQ: return count > 63 ? i64x2.splat(0) : i64x2.shl(a, <i32>count);
    case PI_SRAW: return i16x8.shr_s(a, count > 15 ? 15 : <i32>count);
    case PI_SRAD: return i32x4.shr_s(a, count > 31 ? 31 : <i32>count);
    case PI_SRLDQ: return byteShift(a, count > 16 ? 16 : <i32>count, false);
    default: return byteShift(a, count > 16 ? 16 : <i32>count, true); // PI_SLLDQ
  }
}

/** Whole-register byte shift (PSRLDQ/PSLLDQ), through a 32-byte window in the scratch slot. */
function byteShift(a: v128, n: i32, left: bool): v128 {
  const lo = <u64>i64x2.extract_lane(a, 0); const hi = <u64>i64x2.extract_lane(a, 1);
  if (n >= 16) return i64x2.splat(0);
  if (n == 0) return a;
  const bits = <u64>(n & 7) * 8;
  let rlo: u64, rhi: u64;
  if (left) {
    if (n >= 8) { rhi = lo << bits; rlo = 0; }
    else { rhi = (hi << bits) | (lo >> (64 - bits)); rlo = lo << bits; }
  } else {
    if (n >= 8) { rlo = hi >> bits; rhi = 0; }
    else { rlo = (lo >> bits) | (hi << (64 - bits)); rhi = hi >> bits; }
  }
  return i64x2.replace_lane(i64x2.splat(rlo), 1, rhi);
}

/** dest = dest OP src (66 0F xx Vx,Wx). */
export function sse_pint<T>(cpu: usize, d: usize, op: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, 16, FX_TMP); if (s == 0) return;
  const v = vPtr(cpu, d);
  const b = v128.load(s);
  if (op >= PI_SRLW && op <= PI_SLLQ) { v128.store(v, pshift(v128.load(v), op, load<u64>(s))); return; }
  v128.store(v, pintOp(v128.load(v), b, op));
}

/** PSxx Ux,Ib: shift by an immediate count (PSRLDQ/PSLLDQ: bytes). */
export function sse_pshift_I<T>(cpu: usize, d: usize, op: i32): void {
  if (!sseOk(cpu)) return;
  const u = uPtr(cpu, d);
  v128.store(u, pshift(v128.load(u), op, imm(d) & 0xFF));
}
