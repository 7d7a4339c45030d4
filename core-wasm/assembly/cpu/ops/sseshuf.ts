// cpu/ops/sseshuf.ts — SSE/SSE2/SSSE3/SSE4.1 shuffles, blends, lane inserts/extracts and tests
// (SDM vol. 2: PSHUFD/PSHUFHW/PSHUFLW, SHUFPS/SHUFPD, PALIGNR, PBLENDW/BLENDPS/BLENDPD,
// PBLENDVB/BLENDVPS/BLENDVPD, PEXTRB/W/D/Q, EXTRACTPS, PINSRB/W/D/Q, PTEST, PMOVSX/PMOVZX,
// PHMINPOSUW, INSERTPS, MPSADBW). Lanes are computed into the scratch slot FX_TMP2, then copied to V, so a source
// that is the destination is read before it is overwritten.
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { readMem, writeMem } from '../mmu';
import { isMem, imm, readE, writeE, regWrite, gOff } from '../operand';
import { setFlags } from '../flags';
import { sseOk, vPtr, uPtr, wPtr, xmm, memLin, FX_TMP, FX_TMP2 } from './ssebase';

@inline function tmp2(cpu: usize): usize { return cpu + S.CPU_OFF_FXSAVE + FX_TMP2; }

/** Immediate-controlled shuffles and blends: dest = f(dest, src, imm8). */
export function sse_pshuf<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, 16, FX_TMP); if (s == 0) return;
  const v = vPtr(cpu, d);
  const o = tmp2(cpu);
  const ib = <u32>imm(d) & 0xFF;
  if (k == 0) { // PSHUFD
    for (let i: u32 = 0; i < 4; i++) store<u32>(o + (i << 2), load<u32>(s + (((ib >> (2 * i)) & 3) << 2)));
  } else if (k == 1) { // PSHUFHW
    store<u64>(o, load<u64>(s));
    for (let i: u32 = 0; i < 4; i++) store<u16>(o + 8 + (i << 1), load<u16>(s + 8 + (((ib >> (2 * i)) & 3) << 1)));
  } else if (k == 2) { // PSHUFLW
    store<u64>(o, load<u64>(s, 8), 8);
    for (let i: u32 = 0; i < 4; i++) store<u16>(o + (i << 1), load<u16>(s + (((ib >> (2 * i)) & 3) << 1)));
  } else if (k == 3) { // SHUFPS: two lanes from dest, two from src
    store<u32>(o, load<u32>(v + ((ib & 3) << 2)));
    store<u32>(o + 4, load<u32>(v + (((ib >> 2) & 3) << 2)));
    store<u32>(o + 8, load<u32>(s + (((ib >> 4) & 3) << 2)));
    store<u32>(o + 12, load<u32>(s + (((ib >> 6) & 3) << 2)));
  } else if (k == 4) { // SHUFPD
    store<u64>(o, load<u64>(v + ((ib & 1) << 3)));
    store<u64>(o + 8, load<u64>(s + (((ib >> 1) & 1) << 3)));
  } else if (k == 5) { // PALIGNR: (dest:src) >> imm8 bytes
    for (let i: u32 = 0; i < 16; i++) {
      const j = i + ib;
      store<u8>(o + i, j < 16 ? load<u8>(s + j) : j < 32 ? load<u8>(v + (j - 16)) : 0);
    }
  } else if (k == 6) { // PBLENDW
    for (let i: u32 = 0; i < 8; i++) store<u16>(o + (i << 1), load<u16>(((ib >> i) & 1 ? s : v) + (i << 1)));
  } else if (k == 7) { // BLENDPS
    for (let i: u32 = 0; i < 4; i++) store<u32>(o + (i << 2), load<u32>(((ib >> i) & 1 ? s : v) + (i << 2)));
  } else if (k == 8) { // BLENDPD
    for (let i: u32 = 0; i < 2; i++) store<u64>(o + (i << 3), load<u64>(((ib >> i) & 1 ? s : v) + (i << 3)));
  } else { // MPSADBW: eight sums of absolute differences of 4-byte groups
    const so = (ib & 3) << 2; const dof = ((ib >> 2) & 1) << 2;
    for (let i: u32 = 0; i < 8; i++) {
      let sum: i32 = 0;
      for (let j: u32 = 0; j < 4; j++) sum += abs<i32>(<i32>load<u8>(v + dof + i + j) - <i32>load<u8>(s + so + j));
      store<u16>(o + (i << 1), <u16>sum);
    }
  }
  v128.store(v, v128.load(o));
}

/** INSERTPS: one single from the source lane imm[7:6] (or m32) into lane imm[5:4]; imm[3:0] zero lanes. */
export function sse_insertps<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  const ib = <u32>imm(d) & 0xFF;
  const s = wPtr(cpu, d, 4, 1, FX_TMP); if (s == 0) return;
  const x = load<u32>(s + (isMem(d) ? 0 : <usize>((ib >> 6) << 2)));
  const v = vPtr(cpu, d);
  store<u32>(v + <usize>(((ib >> 4) & 3) << 2), x);
  for (let i: u32 = 0; i < 4; i++) if ((ib >> i) & 1) store<u32>(v + (i << 2), 0);
}

/** PBLENDVB (0), BLENDVPS (2), BLENDVPD (3): XMM0's sign bits select the source lanes. */
export function sse_blendv<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, 16, FX_TMP); if (s == 0) return;
  const v = vPtr(cpu, d);
  const m0 = v128.load(xmm(cpu, 0));
  const m = k == 0 ? i8x16.shr_s(m0, 7) : k == 2 ? i32x4.shr_s(m0, 31) : i64x2.shr_s(m0, 63);
  v128.store(v, v128.bitselect(v128.load(s), v128.load(v), m));
}

/** PEXTRW Gd,Ux,Ib (66 0F C5). */
@inline export function sse_pextr<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  regWrite<u64>(cpu, gOff(d), <u64>load<u16>(uPtr(cpu, d) + ((<usize>imm(d) & 7) << 1)));
}

/** PEXTRB (0), PEXTRW (1), PEXTRD/Q (2), EXTRACTPS (4) to a register (zero-extended) or memory. */
export function sse_pextr_E<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const v = vPtr(cpu, d);
  const ib = <usize>imm(d);
  let x: u64;
  if (k == 0) x = <u64>load<u8>(v + (ib & 15));
  else if (k == 1) x = <u64>load<u16>(v + ((ib & 7) << 1));
  else if (k == 2 && sizeof<T>() == 8) x = load<u64>(v + ((ib & 1) << 3));
  else x = <u64>load<u32>(v + ((ib & 3) << 2));
  if (!isMem(d)) {
    const rm = <usize>load<u16>(d, D.D_RM);
    if (k == 2 && sizeof<T>() == 8) regWrite<u64>(cpu, rm, x); else regWrite<u32>(cpu, rm, <u32>x);
    return;
  }
  const lin = memLin(cpu, d, 1);
  if (k == 0) writeMem<u8>(cpu, lin, <u8>x);
  else if (k == 1) writeMem<u16>(cpu, lin, <u16>x);
  else if (k == 2 && sizeof<T>() == 8) writeMem<u64>(cpu, lin, x);
  else writeMem<u32>(cpu, lin, <u32>x);
}

/** PINSRB (0), PINSRW (1), PINSRD/Q (2): one lane of V from a GPR or memory. */
export function sse_pinsr<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const ib = <usize>imm(d);
  let x: u64;
  if (isMem(d)) {
    const lin = memLin(cpu, d, 1);
    if (k == 0) x = <u64>readMem<u8>(cpu, lin);
    else if (k == 1) x = <u64>readMem<u16>(cpu, lin);
    else if (sizeof<T>() == 8) x = readMem<u64>(cpu, lin);
    else x = <u64>readMem<u32>(cpu, lin);
    if (aborted(cpu)) return;
  } else {
    x = load<u64>(cpu + <usize>load<u16>(d, D.D_RM));
  }
  const v = vPtr(cpu, d);
  if (k == 0) store<u8>(v + (ib & 15), <u8>x);
  else if (k == 1) store<u16>(v + ((ib & 7) << 1), <u16>x);
  else if (sizeof<T>() == 8) store<u64>(v + ((ib & 1) << 3), x);
  else store<u32>(v + ((ib & 3) << 2), <u32>x);
}

/** PTEST: ZF = (dest AND src) == 0, CF = (NOT dest AND src) == 0; OF SF AF PF cleared. */
export function sse_ptest<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, 16, FX_TMP); if (s == 0) return;
  const a = v128.load(vPtr(cpu, d)); const b = v128.load(s);
  const zf = !v128.any_true(v128.and(a, b));
  const cf = !v128.any_true(v128.andnot(b, a));
  setFlags(cpu, S.FL_ARITH, (zf ? S.FL_ZF : 0) | (cf ? S.FL_CF : 0));
}

/** PMOVSX (k 0-5) / PMOVZX (k 8-13): BW BD BQ WD WQ DQ from the low 8/4/2 bytes of the source. */
export function sse_pmovx<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const kind = k & 7;
  const bytes = kind == 0 || kind == 3 || kind == 5 ? 8 : kind == 2 ? 2 : 4;
  const s = wPtr(cpu, d, bytes, 1, FX_TMP); if (s == 0) return;
  const x = v128.load(s);
  const z = k >= 8;
  let r: v128;
  if (kind == 0) r = z ? i16x8.extend_low_i8x16_u(x) : i16x8.extend_low_i8x16_s(x);
  else if (kind == 1) r = z ? i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(x)) : i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(x));
  else if (kind == 2) {
    const w = z ? i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(x)) : i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(x));
    r = z ? i64x2.extend_low_i32x4_u(w) : i64x2.extend_low_i32x4_s(w);
  } else if (kind == 3) r = z ? i32x4.extend_low_i16x8_u(x) : i32x4.extend_low_i16x8_s(x);
  else if (kind == 4) {
    const w = z ? i32x4.extend_low_i16x8_u(x) : i32x4.extend_low_i16x8_s(x);
    r = z ? i64x2.extend_low_i32x4_u(w) : i64x2.extend_low_i32x4_s(w);
  } else r = z ? i64x2.extend_low_i32x4_u(x) : i64x2.extend_low_i32x4_s(x);
  v128.store(vPtr(cpu, d), r);
}

/** PHMINPOSUW: the minimum unsigned word and its (lowest) index; the rest cleared. */
export function sse_phminposuw<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, 16, FX_TMP); if (s == 0) return;
  let m: u32 = 0xFFFF + 1; let at: u32 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const w = <u32>load<u16>(s + (i << 1));
    if (w < m) { m = w; at = i; }
  }
  v128.store(vPtr(cpu, d), i64x2.replace_lane(i64x2.splat(0), 0, <u64>(m | (at << 16))));
}
