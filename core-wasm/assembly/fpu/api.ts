// fpu/api.ts — the softfloat's export surface, for the CPU's x87 and SSE instruction handlers.
// Integer-only IEEE 754 arithmetic, bit-exact with the host CPU (test/fpu/*.test.ts).
// Conventions (no allocation, no module state):
//  * x87 values are (sig: u64, se: u32 = sign<<15 | biased exponent) pairs; results go to `out`,
//    10 bytes laid out as in memory/FXSAVE (u64 significand at +0, u16 sign+exponent at +8).
//  * `fcw` is the x87 control word (masks bits 0-5, PC bits 8-9, RC bits 10-11); `sw` points to
//    the u16 FSW: exception flags are ORed into bits 0-5, C1 is set to "rounded up" (cleared
//    otherwise). ES/B, TOP, tags and stack faults are the caller's (set ES when
//    (FSW & ~FCW & 0x3F) != 0). When IE, DE or ZE is raised unmasked, the destination is NOT
//    written (SDM 8.5); unmasked OE/UE on a register destination deliver the exponent-wrapped
//    result (SDM 8.5.4-5), and when even that is out of range, a signed infinity/zero.
//  * Memory destinations (f80_to_int, f80_to_f64/f32, f80_to_bcd) return or write the value;
//    the caller must not store it when IE/DE/ZE/OE/UE were raised unmasked
//    ((flags raised) & ~FCW & 0x1F). f80_to_bcd itself skips `out` on unmasked IE.
//  * Operand order: f80_sub/f80_div compute a - b and a / b; FSUBR/FDIVR swap the operands.
//  * Memory operands of arithmetic/compare (m32fp/m64fp): f80_widen_f32/f64(tmp, bits) returns
//    the se word to pass with the significand at tmp (it carries a "source denormal" bit 16 and
//    keeps SNaNs signaling); m16int/m32int: f80_from_int. Do NOT use f80_from_f32/f64 there —
//    those are FLD (they raise IE/DE themselves and quiet NaNs).
//  * Condition codes: f80_compare returns 0 less, 1 equal, 2 greater, 3 unordered and clears C1
//    (f80_cmp_to_fsw maps it to C3/C2/C0; FCOMI maps to ZF/PF/CF: the host sets "unordered"
//    even when IE is unmasked); f80_examine returns FXAM's C3/C2/C1/C0 (the caller reports
//    "empty" tags itself); f80_prem writes C0/C1/C3 (quotient bits) and C2 (incomplete).
//  * FXTRACT: f80_extract(out = new ST0 significand, outExp = new ST1 exponent, ...).
//  * Transcendentals (trans.ts) are within 1 ulp of the host, not bit-exact: f80_trig(out,
//    out2, sig, se, op, fcw, sw) with op 0 FSIN, 1 FCOS, 2 FPTAN (out = tan; the caller pushes
//    1.0), 3 FSINCOS (out = sin for ST1, out2 = cos for the new ST0); |x| >= 2^63 sets C2 and
//    writes nothing. f80_yl2x(out, x.., y.., plus1, ...) is FYL2X (plus1 = 0) / FYL2XP1 (1);
//    f80_patan(out, y.., x.., ...) is FPATAN (y = ST1, x = ST0); f80_f2xm1.
//  * SSE scalars are u64/u32 bit patterns returned directly; `mxcsr` is the MXCSR value (RC,
//    FZ, DAZ, masks); `flags` points to a u16 whose bits 0-5 receive the exception flags
//    (pointing at MXCSR itself works: little-endian, flags are bits 0-5). When
//    (flags raised) & ~(mxcsr >> 7) & 0x3F is non-zero the caller leaves the destination
//    unchanged and raises #XM (or #UD when CR4.OSXMMEXCPT is clear); the flags are then exactly
//    what the host shows at the fault. Packed instructions call these once per element and OR
//    the flags. f64_from_i64/f32_from_i64 take the sign-extended source (CVTSI2Sx r32 too).
export { f80Add as f80_add, f80Sub as f80_sub, f80Mul as f80_mul, f80Div as f80_div,
  f80Sqrt as f80_sqrt } from './f80arith';
export { f80RoundInt as f80_round_int, f80Scale as f80_scale, f80Extract as f80_extract,
  f80Examine as f80_examine, f80Compare as f80_compare, cmpToFsw as f80_cmp_to_fsw } from './f80misc';
export { f80Prem as f80_prem } from './f80prem';
export { f80FromInt as f80_from_int, f80ToInt as f80_to_int, f80FromBcd as f80_from_bcd,
  f80ToBcd as f80_to_bcd } from './f80conv';
import { f80ToBin, f80FromBin } from './f80conv';
import { FMT_F64, FMT_F32 } from './consts';

/** FST m64: f80 -> f64 bits with FCW.RC; see f80conv.ts. */
export function f80_to_f64(sig: u64, se: u32, fcw: u32, sw: usize): u64 { return f80ToBin(sig, se, FMT_F64, fcw, sw); }
/** FST m32: f80 -> f32 bits with FCW.RC. */
export function f80_to_f32(sig: u64, se: u32, fcw: u32, sw: usize): u32 { return <u32>f80ToBin(sig, se, FMT_F32, fcw, sw); }
/** FLD m64: f64 bits -> f80 at out. */
export function f80_from_f64(out: usize, bits: u64, fcw: u32, sw: usize): void { f80FromBin(out, bits, FMT_F64, fcw, sw); }
/** FLD m32: f32 bits -> f80 at out. */
export function f80_from_f32(out: usize, bits: u32, fcw: u32, sw: usize): void { f80FromBin(out, <u64>bits, FMT_F32, fcw, sw); }

// ---- SSE scalar operations (SSE/SSE2/SSE4.1); see sse.ts for the rules. ----
import { sseArith, sseSqrt, sseCompare, ssePredicate, sseMinMax, sseToInt, sseFromInt, sseConvert,
  sseRound, SSE_ADD, SSE_SUB, SSE_MUL, SSE_DIV } from './sse';

export function f64_add(a: u64, b: u64, mxcsr: u32, flags: usize): u64 { return sseArith(SSE_ADD, a, b, FMT_F64, mxcsr, flags); }
export function f64_sub(a: u64, b: u64, mxcsr: u32, flags: usize): u64 { return sseArith(SSE_SUB, a, b, FMT_F64, mxcsr, flags); }
export function f64_mul(a: u64, b: u64, mxcsr: u32, flags: usize): u64 { return sseArith(SSE_MUL, a, b, FMT_F64, mxcsr, flags); }
export function f64_div(a: u64, b: u64, mxcsr: u32, flags: usize): u64 { return sseArith(SSE_DIV, a, b, FMT_F64, mxcsr, flags); }
export function f64_sqrt(b: u64, mxcsr: u32, flags: usize): u64 { return sseSqrt(b, FMT_F64, mxcsr, flags); }
export function f64_min(a: u64, b: u64, mxcsr: u32, flags: usize): u64 { return sseMinMax(a, b, 0, FMT_F64, mxcsr, flags); }
export function f64_max(a: u64, b: u64, mxcsr: u32, flags: usize): u64 { return sseMinMax(a, b, 1, FMT_F64, mxcsr, flags); }
/** COMISD (quiet = 0) / UCOMISD (quiet = 1): 0 less, 1 equal, 2 greater, 3 unordered. */
export function f64_compare(a: u64, b: u64, quiet: i32, mxcsr: u32, flags: usize): i32 { return sseCompare(a, b, quiet, FMT_F64, mxcsr, flags); }
/** CMPSD/CMPPD predicate 0-7: true when the predicate holds (the lane becomes all ones). */
export function f64_cmp_pred(a: u64, b: u64, pred: i32, mxcsr: u32, flags: usize): bool { return ssePredicate(a, b, pred, FMT_F64, mxcsr, flags); }
export function f64_to_i32(a: u64, trunc: i32, mxcsr: u32, flags: usize): i32 { return <i32>sseToInt(a, 32, trunc, FMT_F64, mxcsr, flags); }
export function f64_to_i64(a: u64, trunc: i32, mxcsr: u32, flags: usize): i64 { return sseToInt(a, 64, trunc, FMT_F64, mxcsr, flags); }
export function f64_from_i64(v: i64, mxcsr: u32, flags: usize): u64 { return sseFromInt(v, FMT_F64, mxcsr, flags); }
export function f64_to_f32(a: u64, mxcsr: u32, flags: usize): u32 { return <u32>sseConvert(a, FMT_F64, FMT_F32, mxcsr, flags); }
export function f64_round(b: u64, imm: i32, mxcsr: u32, flags: usize): u64 { return sseRound(b, imm, FMT_F64, mxcsr, flags); }

export function f32_add(a: u32, b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseArith(SSE_ADD, a, b, FMT_F32, mxcsr, flags); }
export function f32_sub(a: u32, b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseArith(SSE_SUB, a, b, FMT_F32, mxcsr, flags); }
export function f32_mul(a: u32, b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseArith(SSE_MUL, a, b, FMT_F32, mxcsr, flags); }
export function f32_div(a: u32, b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseArith(SSE_DIV, a, b, FMT_F32, mxcsr, flags); }
export function f32_sqrt(b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseSqrt(b, FMT_F32, mxcsr, flags); }
export function f32_min(a: u32, b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseMinMax(a, b, 0, FMT_F32, mxcsr, flags); }
export function f32_max(a: u32, b: u32, mxcsr: u32, flags: usize): u32 { return <u32>sseMinMax(a, b, 1, FMT_F32, mxcsr, flags); }
export function f32_compare(a: u32, b: u32, quiet: i32, mxcsr: u32, flags: usize): i32 { return sseCompare(a, b, quiet, FMT_F32, mxcsr, flags); }
export function f32_cmp_pred(a: u32, b: u32, pred: i32, mxcsr: u32, flags: usize): bool { return ssePredicate(a, b, pred, FMT_F32, mxcsr, flags); }
export function f32_to_i32(a: u32, trunc: i32, mxcsr: u32, flags: usize): i32 { return <i32>sseToInt(a, 32, trunc, FMT_F32, mxcsr, flags); }
export function f32_to_i64(a: u32, trunc: i32, mxcsr: u32, flags: usize): i64 { return sseToInt(a, 64, trunc, FMT_F32, mxcsr, flags); }
export function f32_from_i64(v: i64, mxcsr: u32, flags: usize): u32 { return <u32>sseFromInt(v, FMT_F32, mxcsr, flags); }
export function f32_to_f64(a: u32, mxcsr: u32, flags: usize): u64 { return sseConvert(a, FMT_F32, FMT_F64, mxcsr, flags); }
export function f32_round(b: u32, imm: i32, mxcsr: u32, flags: usize): u32 { return <u32>sseRound(b, imm, FMT_F32, mxcsr, flags); }

// ---- x87 transcendentals (approximations; see trans.ts and test/fpu/trans.test.ts). ----
export { f80Yl2x as f80_yl2x, f80F2xm1 as f80_f2xm1, f80Patan as f80_patan } from './trans';
export { f80Trig as f80_trig } from './trig';
export { f80Const as f80_const } from './f80const';
import { f80Widen } from './f80conv';
/** Memory operand of FADD/FSUB/FMUL/FDIV/FCOM m64fp: widen (no flags); pass the returned se on. */
export function f80_widen_f64(out: usize, bits: u64): u32 { return f80Widen(out, bits, FMT_F64); }
/** Same for m32fp operands. */
export function f80_widen_f32(out: usize, bits: u32): u32 { return f80Widen(out, <u64>bits, FMT_F32); }
