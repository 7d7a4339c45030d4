// cpu/ops/ssemov.ts — SSE/SSE2/SSE3 data movement (SDM vol. 2: MOVAPS/MOVUPS/MOVDQA/MOVDQU,
// MOVSS/MOVSD, MOVD/MOVQ, MOVLPS/MOVHPS/MOVHLPS/MOVLHPS, MOVNT*, MOVDDUP/MOVSLDUP/MOVSHDUP,
// PMOVMSKB/MOVMSKPS/MOVMSKPD). `align` = 16 applies the legacy-SSE 16-byte alignment check.
// Invariant: every handler checks availability first (sseOk) and writes nothing when it faults.
import * as S from '../state';
import { aborted, raise } from '../except';
import { readMem, writeMem } from '../mmu';
import { isMem, readE, writeE, writeG, regWrite, gOff, rmOff } from '../operand';
import { sseOk, vPtr, uPtr, wPtr, memLin, write128, FX_TMP } from './ssebase';

/** MOVAPS/MOVUPS/MOVDQA/MOVDQU/LDDQU load form: V = W (16 bytes). */
@inline export function sse_mov_VW<T>(cpu: usize, d: usize, align: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 16, <u64>align, FX_TMP); if (s == 0) return;
  v128.store(vPtr(cpu, d), v128.load(s));
}

/** Store form: W = V. */
@inline export function sse_mov_WV<T>(cpu: usize, d: usize, align: i32): void {
  if (!sseOk(cpu)) return;
  if (!isMem(d)) { v128.store(uPtr(cpu, d), v128.load(vPtr(cpu, d))); return; }
  const lin = memLin(cpu, d, <u64>align); if (aborted(cpu)) return;
  write128(cpu, lin, vPtr(cpu, d));
}

/** MOVSS/MOVSD load: from a register only the low element moves; from memory it is zero-extended. */
export function sse_movs_VW<T>(cpu: usize, d: usize, bytes: i32): void {
  if (!sseOk(cpu)) return;
  const v = vPtr(cpu, d);
  if (!isMem(d)) {
    if (bytes == 4) store<u32>(v, load<u32>(uPtr(cpu, d))); else store<u64>(v, load<u64>(uPtr(cpu, d)));
    return;
  }
  const s = wPtr(cpu, d, bytes, 1, FX_TMP); if (s == 0) return;
  v128.store(v, v128.load(s));
}

/** MOVSS/MOVSD store: the low element to memory, or merged into the U register. */
export function sse_movs_WV<T>(cpu: usize, d: usize, bytes: i32): void {
  if (!sseOk(cpu)) return;
  const v = vPtr(cpu, d);
  if (!isMem(d)) {
    if (bytes == 4) store<u32>(uPtr(cpu, d), load<u32>(v)); else store<u64>(uPtr(cpu, d), load<u64>(v));
    return;
  }
  const lin = memLin(cpu, d, 1);
  if (bytes == 4) writeMem<u32>(cpu, lin, load<u32>(v)); else writeMem<u64>(cpu, lin, load<u64>(v));
}

/** MOVNTI m32/m64, r: a plain store (non-temporal hint ignored). */
@inline export function sse_movnti<T>(cpu: usize, d: usize): void {
  if (sizeof<T>() == 2) { raise(cpu, S.EXC_UD, -1); return; } // no 16-bit form
  writeE<T>(cpu, d, load<T>(cpu + gOff(d)));
}

/** MOVD/MOVQ xmm, r/m32/64: zero-extended into the whole register. */
@inline export function sse_movd_VE<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  let x: u64;
  if (sizeof<T>() == 8) x = readE<u64>(cpu, d); else x = <u64>readE<u32>(cpu, d);
  if (aborted(cpu)) return;
  v128.store(vPtr(cpu, d), i64x2.replace_lane(i64x2.splat(0), 0, x));
}

/** MOVD/MOVQ r/m32/64, xmm. */
@inline export function sse_movd_EV<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  if (sizeof<T>() == 8) writeE<u64>(cpu, d, load<u64>(vPtr(cpu, d)));
  else writeE<u32>(cpu, d, load<u32>(vPtr(cpu, d)));
}

/** MOVQ xmm, xmm/m64 (F3 0F 7E): the low quadword, upper cleared. */
@inline export function sse_movq_VW<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, 8, 1, FX_TMP); if (s == 0) return;
  v128.store(vPtr(cpu, d), i64x2.replace_lane(i64x2.splat(0), 0, load<u64>(s)));
}

/** MOVQ xmm/m64, xmm (66 0F D6): to a register the upper quadword is cleared. */
@inline export function sse_movq_WV<T>(cpu: usize, d: usize): void {
  if (!sseOk(cpu)) return;
  const x = load<u64>(vPtr(cpu, d));
  if (!isMem(d)) { v128.store(uPtr(cpu, d), i64x2.replace_lane(i64x2.splat(0), 0, x)); return; }
  writeMem<u64>(cpu, memLin(cpu, d, 1), x);
}

/** MOVLPS/MOVLPD (half 0), MOVHPS/MOVHPD (half 1): one quadword of V from m64. */
@inline export function sse_movhalf_VM<T>(cpu: usize, d: usize, half: i32): void {
  if (!sseOk(cpu)) return;
  const x = readMem<u64>(cpu, memLin(cpu, d, 1)); if (aborted(cpu)) return;
  store<u64>(vPtr(cpu, d) + (<usize>half << 3), x);
}

/** m64 from one quadword of V. */
@inline export function sse_movhalf_MV<T>(cpu: usize, d: usize, half: i32): void {
  if (!sseOk(cpu)) return;
  writeMem<u64>(cpu, memLin(cpu, d, 1), load<u64>(vPtr(cpu, d) + (<usize>half << 3)));
}

/** MOVHLPS (dir 0): V.lo = U.hi; MOVLHPS (dir 1): V.hi = U.lo. */
@inline export function sse_movhl<T>(cpu: usize, d: usize, dir: i32): void {
  if (!sseOk(cpu)) return;
  if (dir == 0) store<u64>(vPtr(cpu, d), load<u64>(uPtr(cpu, d), 8));
  else store<u64>(vPtr(cpu, d), load<u64>(uPtr(cpu, d)), 8);
}

/** MOVDDUP (0, m64), MOVSLDUP (1), MOVSHDUP (2). */
export function sse_movdup<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const s = wPtr(cpu, d, k == 0 ? 8 : 16, k == 0 ? 1 : 16, FX_TMP); if (s == 0) return;
  const x = v128.load(s);
  let r: v128;
  if (k == 0) r = i64x2.splat(i64x2.extract_lane(x, 0));
  else if (k == 1) r = v128.shuffle<u32>(x, x, 0, 0, 2, 2);
  else r = v128.shuffle<u32>(x, x, 1, 1, 3, 3);
  v128.store(vPtr(cpu, d), r);
}

/** PMOVMSKB (0), MOVMSKPS (1), MOVMSKPD (2): sign bits into a zero-extended GPR. */
export function sse_movmsk<T>(cpu: usize, d: usize, k: i32): void {
  if (!sseOk(cpu)) return;
  const x = v128.load(uPtr(cpu, d));
  const m = k == 0 ? i8x16.bitmask(x) : k == 1 ? i32x4.bitmask(x) : i64x2.bitmask(x);
  regWrite<u64>(cpu, gOff(d), <u64>m);
}
