// test/fpu/gen.ts — seeded operand generators for the softfloat differential tests: edge values
// (signed zeros, denormals, pseudo-denormals, unnormals, pseudo-NaN/-infinity, infinities, QNaN,
// SNaN, indefinite, min/max normal) and random values whose low significand bits sit on the
// rounding boundaries of each precision (24/53/64 bits), so halfway cases are common.
import { Rng } from './harness.js';

export interface F80 { se: number; sig: bigint }
const ONE = 1n << 63n;
const M64 = (1n << 64n) - 1n;

/** Low-bit patterns around the round/sticky positions of 64-, 53- and 24-bit precision. */
const LOW = [0n, 1n, 0x400n, 0x3FFn, 0x7FFn, 0x401n, 0x8000000000n, 0x7FFFFFFFFFn, 0xFFFFFFFFFFn, 0x8000000001n];

export function sigBits(rng: Rng): bigint {
  const r = rng.u64();
  switch (rng.int(5)) {
    case 0: return ONE | r;
    case 1: return ONE | (r & ~0x7FFn & M64) | rng.pick(LOW) & 0x7FFn;
    case 2: return ONE | (r & ~0xFFFFFFFFFFn & M64) | rng.pick(LOW);
    case 3: return ONE | (r & (M64 << BigInt(40 + rng.int(24)) & M64));
    default: return ONE | (rng.int(2) ? M64 >> BigInt(rng.int(64)) : 0n);
  }
}

export function specialF80(rng: Rng): F80 {
  const s = rng.int(2) << 15;
  const r = rng.u64();
  switch (rng.int(16)) {
    case 0: return { se: s, sig: 0n };
    case 1: return { se: s | 0x7FFF, sig: ONE };
    case 2: return { se: s | 0x7FFF, sig: ONE | (1n << 62n) | (rng.int(2) ? 0n : r & (M64 >> 2n)) };
    case 3: return { se: s | 0x7FFF, sig: ONE | ((r & (M64 >> 2n)) || 1n) };
    case 4: return { se: 0xFFFF, sig: 0xC000000000000000n };
    case 5: case 6: return { se: s, sig: (r >> BigInt(1 + rng.int(63))) || 1n };
    case 7: return { se: s, sig: ONE | (r >> BigInt(1 + rng.int(63))) };
    case 8: return { se: s | (1 + rng.int(0x7FFE)), sig: r >> 1n };
    case 9: return { se: s | 0x7FFF, sig: rng.int(2) ? 0n : (r >> 1n) };
    case 10: return { se: s | 0x7FFE, sig: M64 };
    case 11: return { se: s | 1, sig: ONE | (rng.int(2) ? 0n : r) };
    case 12: return { se: s | 0x3FFF, sig: ONE };
    case 13: return { se: s | (1 + rng.int(64)), sig: sigBits(rng) };
    case 14: return { se: s | (0x7FFE - rng.int(64)), sig: sigBits(rng) };
    default: return { se: s | (0x3FFF + rng.int(128) - 64), sig: sigBits(rng) };
  }
}

/** A random operand; `near` (a biased exponent) makes exponents cluster for add/sub. */
export function randF80(rng: Rng, near?: number): F80 {
  if (rng.int(5) === 0) return specialF80(rng);
  const s = rng.int(2) << 15;
  let e: number;
  if (near !== undefined && near > 0 && near < 0x7FFF && rng.int(3) > 0) e = near + rng.int(140) - 70;
  else if (rng.int(4) === 0) e = 1 + rng.int(0x7FFE);
  else e = 0x3FFF + rng.int(200) - 100;
  e = Math.max(1, Math.min(0x7FFE, e));
  return { se: s | e, sig: sigBits(rng) };
}

/** A random x87 control word: PC 24/53/64, any RC, usually all exceptions masked. */
export function randFcw(rng: Rng, unmask = true): number {
  const pc = rng.pick([0, 1, 2, 3, 3]); // 1 is reserved: the host treats it as 64-bit
  const rc = rng.int(4);
  const masks = unmask && rng.int(4) === 0 ? rng.int(64) : 0x3F;
  return 0x1040 | masks | (pc << 8) | (rc << 10);
}

/** Random binary64 / binary32 bit patterns with the same edge emphasis. */
export function randF64(rng: Rng, near?: number): bigint {
  const s = BigInt(rng.int(2)) << 63n;
  const r = rng.u64() & ((1n << 52n) - 1n);
  switch (rng.int(14)) {
    case 0: return s;
    case 1: return s | 0x7FF0000000000000n;
    case 2: return s | 0x7FF8000000000000n | (rng.int(2) ? r : 0n);
    case 3: return s | 0x7FF0000000000000n | (r || 1n) & ~(1n << 51n) | (r ? 0n : 1n);
    case 4: return s | (r >> BigInt(rng.int(52)) || 1n);
    case 5: return s | 0x7FEFFFFFFFFFFFFFn;
    case 6: return s | 0x0010000000000000n | (rng.int(2) ? r : 0n);
    default: {
      let e = near !== undefined && rng.int(3) > 0 ? near + rng.int(120) - 60 : rng.int(3) === 0 ? 1 + rng.int(2046) : 1023 + rng.int(100) - 50;
      e = Math.max(1, Math.min(2046, e));
      const sig = (sigBits(rng) >> 11n) & ((1n << 52n) - 1n);
      return s | (BigInt(e) << 52n) | sig;
    }
  }
}

export function randF32(rng: Rng, near?: number): bigint {
  const s = BigInt(rng.int(2)) << 31n;
  const r = rng.u64() & 0x7FFFFFn;
  switch (rng.int(14)) {
    case 0: return s;
    case 1: return s | 0x7F800000n;
    case 2: return s | 0x7FC00000n | (rng.int(2) ? r : 0n);
    case 3: return s | 0x7F800000n | ((r & 0x3FFFFFn) || 1n);
    case 4: return s | (r >> BigInt(rng.int(23)) || 1n);
    case 5: return s | 0x7F7FFFFFn;
    case 6: return s | 0x00800000n | (rng.int(2) ? r : 0n);
    default: {
      let e = near !== undefined && rng.int(3) > 0 ? near + rng.int(60) - 30 : rng.int(3) === 0 ? 1 + rng.int(254) : 127 + rng.int(60) - 30;
      e = Math.max(1, Math.min(254, e));
      const sig = (sigBits(rng) >> 40n) & 0x7FFFFFn;
      return s | (BigInt(e) << 23n) | sig;
    }
  }
}

export function expOfF64(v: bigint): number { return Number((v >> 52n) & 0x7FFn); }
export function expOfF32(v: bigint): number { return Number((v >> 23n) & 0xFFn); }
