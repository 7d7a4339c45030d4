// fpu/wide.ts — 128-bit helpers built from u64 arithmetic (WebAssembly has no wide multiply):
// the high half of a 64x64 product by 32-bit parts, and a 128/64 division by 32-bit digits
// (Knuth TAOCP 4.3.1 algorithm D specialised to a 2-digit divisor), plus flag-word helpers.
// Invariants: div128 requires hi < d and d normalised (bit 63 set); no allocation, no state.

/** High 64 bits of the unsigned 128-bit product a*b (the low half is simply a*b). */
@inline export function mulHi(a: u64, b: u64): u64 {
  const a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** floor((hi:lo) / d) for hi < d, d with bit 63 set. The remainder is lo - q*d (mod 2^64). */
export function div128(hi: u64, lo: u64, d: u64): u64 {
  const d1 = d >> 32, d0 = d & 0xFFFFFFFF;
  const l1 = lo >> 32, l0 = lo & 0xFFFFFFFF;
  let q1 = hi / d1;
  let r = hi - q1 * d1;
  while (q1 > 0xFFFFFFFF || q1 * d0 > ((r << 32) | l1)) {
    q1--; r += d1;
    if (r > 0xFFFFFFFF) break;
  }
  const mid = ((hi << 32) | l1) - q1 * d;
  let q0 = mid / d1;
  r = mid - q0 * d1;
  while (q0 > 0xFFFFFFFF || q0 * d0 > ((r << 32) | l0)) {
    q0--; r += d1;
    if (r > 0xFFFFFFFF) break;
  }
  return (q1 << 32) | q0;
}

/** OR exception flags (bits 0-5, same place in FSW and MXCSR) into the u16 flag word at `flags`. */
@inline export function raise(flags: usize, f: u32): void {
  store<u16>(flags, load<u16>(flags) | <u16>f);
}

/** x87 only: set or clear FSW.C1 (the "rounded up" bit, SDM 8.1.3.1). */
@inline export function setC1(flags: usize, up: bool): void {
  store<u16>(flags, (load<u16>(flags) & ~0x0200) | (up ? 0x0200 : 0));
}
