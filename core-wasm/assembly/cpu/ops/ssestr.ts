// cpu/ops/ssestr.ts — SSE4.2: the string compares PCMPxSTRx (below) and CRC32 (SDM vol. 2
// "CRC32"): CRC-32C (Castagnoli, reflected polynomial 82F63B78h) of the source bytes accumulated
// into the low 32 bits of the destination; the destination is 32-bit (zero-extended) or, with
// REX.W, 64-bit with the upper half cleared.
import * as S from '../state';
import * as D from '../decoded';
import { aborted } from '../except';
import { readE, writeG, readG, imm } from '../operand';
import { setFlags } from '../flags';
import { sseOk, vPtr, wPtr, xmm, FX_TMP } from './ssebase';

@inline function crcByte(c: u32, b: u32): u32 {
  c ^= b;
  for (let i = 0; i < 8; i++) c = (c >> 1) ^ (0x82F63B78 & (0 - (c & 1)));
  return c;
}

export function sse_crc32<T>(cpu: usize, d: usize): void {
  const src = <u64>readE<T>(cpu, d); if (aborted(cpu)) return;
  let c = readG<u32>(cpu, d);
  for (let i = 0; i < <i32>sizeof<T>(); i++) c = crcByte(c, <u32>(src >> (<u64>i * 8)) & 0xFF);
  if (sizeof<T>() == 8) writeG<u64>(cpu, d, <u64>c); else writeG<u32>(cpu, d, c);
}

// ---- PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (SDM vol. 2 4.1 "Imm8 control byte operation for
// PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM"): element format imm[1:0], aggregation imm[3:2]
// (equal any, ranges, equal each, equal ordered), polarity imm[5:4], output selection imm[6];
// a = xmm1 (V), b = xmm2/m128 (unaligned). Explicit lengths: |rAX|, |rDX| (64-bit with REX.W),
// saturated to the element count; implicit lengths: up to the first zero element.

@inline function elem(p: usize, i: i32, fmt: u32): i32 {
  if (fmt == 0) return <i32>load<u8>(p + <usize>i);
  if (fmt == 1) return <i32>load<u16>(p + (<usize>i << 1));
  if (fmt == 2) return <i32>load<i8>(p + <usize>i);
  return <i32>load<i16>(p + (<usize>i << 1));
}

function implicitLen(p: usize, n: i32, fmt: u32): i32 {
  for (let i = 0; i < n; i++) if (elem(p, i, fmt) == 0) return i;
  return n;
}

function explicitLen(v: u64, wide: bool, n: i32): i32 {
  const s: i64 = wide ? <i64>v : <i64><i32>v;
  const m: u64 = s < 0 ? <u64>(0 - s) : <u64>s;
  return m >= <u64>n ? n : <i32>m;
}

/** BoolRes for a[i], b[j] with the validity overrides of the aggregation. */
@inline function boolRes(a: usize, b: usize, i: i32, j: i32, la: i32, lb: i32, fmt: u32, agg: u32): bool {
  const va = i < la, vb = j < lb;
  if (!va || !vb) {
    if (agg == 2) return !va && !vb;   // equal each: both invalid -> true
    if (agg == 3) return !va;          // equal ordered: a invalid -> true
    return false;
  }
  const x = elem(a, i, fmt), y = elem(b, j, fmt);
  if (agg == 1) return (i & 1) == 0 ? y >= x : y <= x; // ranges (signed or unsigned by fmt: elem extends accordingly)
  return x == y;
}

/** IntRes2 of the comparison, as a bit mask over the n elements of b. */
function pcmpstr(a: usize, b: usize, la: i32, lb: i32, ib: u32): u32 {
  const fmt = ib & 3; const agg = (ib >> 2) & 3; const pol = (ib >> 4) & 3;
  const n: i32 = (fmt & 1) ? 8 : 16;
  let r: u32 = 0;
  for (let j = 0; j < n; j++) {
    let bit = false;
    if (agg == 0) { for (let i = 0; i < n && !bit; i++) bit = boolRes(a, b, i, j, la, lb, fmt, agg); }
    else if (agg == 1) { for (let i = 0; i < n - 1 && !bit; i += 2) bit = boolRes(a, b, i, j, la, lb, fmt, agg) && boolRes(a, b, i + 1, j, la, lb, fmt, agg); }
    else if (agg == 2) bit = boolRes(a, b, j, j, la, lb, fmt, agg);
    else { bit = true; for (let k = 0; k < n - j && bit; k++) bit = boolRes(a, b, k, j + k, la, lb, fmt, agg); }
    if (bit) r |= <u32>1 << <u32>j;
  }
  const all: u32 = (<u32>1 << <u32>n) - 1;
  if (pol == 1) r = ~r & all;
  else if (pol == 3) r = r ^ (((<u32>1 << <u32>lb) - 1) & all);
  return r;
}

/** explicit: 1 for PCMPESTRx; index: 1 for PCMPxSTRI (ECX), 0 for PCMPxSTRM (XMM0). */
export function sse_pcmpstr<T>(cpu: usize, d: usize, explicit: i32, index: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, 1, FX_TMP); if (s == 0) return;
  const a = vPtr(cpu, d);
  const ib = <u32>imm(d) & 0xFF;
  const fmt = ib & 3;
  const n: i32 = (fmt & 1) ? 8 : 16;
  let la: i32, lb: i32;
  if (explicit) {
    const wide = (load<u8>(d, D.D_REX) & 8) != 0;
    la = explicitLen(load<u64>(cpu, S.CPU_OFF_RAX), wide, n);
    lb = explicitLen(load<u64>(cpu, S.CPU_OFF_RDX), wide, n);
  } else {
    la = implicitLen(a, n, fmt);
    lb = implicitLen(s, n, fmt);
  }
  const r = pcmpstr(a, s, la, lb, ib);
  if (index) {
    const idx: u32 = r == 0 ? <u32>n : (ib & 0x40) ? 31 - clz<u32>(r) : ctz<u32>(r);
    store<u64>(cpu, <u64>idx, S.CPU_OFF_RCX);
  } else {
    const x0 = xmm(cpu, 0);
    if ((ib & 0x40) == 0) v128.store(x0, i64x2.replace_lane(i64x2.splat(0), 0, <u64>r));
    else for (let j = 0; j < n; j++) {
      if (fmt & 1) store<u16>(x0 + (<usize>j << 1), (r >> <u32>j) & 1 ? 0xFFFF : 0);
      else store<u8>(x0 + <usize>j, (r >> <u32>j) & 1 ? 0xFF : 0);
    }
  }
  setFlags(cpu, S.FL_ARITH, (r != 0 ? S.FL_CF : 0) | (lb < n ? S.FL_ZF : 0) | (la < n ? S.FL_SF : 0) | ((r & 1) ? S.FL_OF : 0));
}
