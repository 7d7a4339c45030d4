// test/diff/x87-cases.ts — the x87 side of the differential test (the D8-DF rows of
// scripts/cpu/opcodes-x87.ts, the x87 control rows, FXSAVE/FXRSTOR and EMMS): an interesting
// register stack for every case (random TOP; each ST(i) empty or holding a normal, denormal,
// pseudo-denormal, zero, infinity, QNaN, SNaN, the indefinite, an unsupported encoding, an
// integer, a value in [-1, 1] or one exact in f32/f64), a control word with every rounding and
// precision control and sometimes unmasked exceptions, sticky flags (so a pending unmasked
// exception, FSW.ES, now and then), and memory operands worth loading (f32/f64/f80 edge values,
// integer limits, valid packed BCD, valid FLDENV/FRSTOR images).
// Comparison: ST0-ST7 (10 bytes each), and FOP/FIP/FDP when the host shows them (this AMD host's
// XSAVE stores them only while FSW.ES is set). The transcendentals (F2XM1, FYL2X, FYL2XP1,
// FPATAN, FSIN, FCOS, FSINCOS, FPTAN) are not correctly rounded on the x87 and the softfloat
// computes them differently (fpu/trans.ts): for those forms a finite non-zero register may differ
// by 1 ulp of the 64-bit significand, and FSW's C1 ("rounded up"), PE, UE and the ES/B summary
// are not compared; everything else (specials, IE/DE/ZE/OE, C2, TOP, tags) must match exactly.
// Invariant: draws come from a PRNG of their own, so the other forms' cases do not change.
import { Rng, type FormRow } from './cases.js';
import { DATA_ADDR } from './core.js';

export interface X87State { fcw: number; fsw: number; ftw: number; st: bigint[] } // st: 8 x (sig, se)

const TRANSCENDENTAL = /^(F2XM1|FYL2X|FYL2XP1|FPATAN|FSIN|FCOS|FSINCOS|FPTAN)$/;
const X87_EXTRA = /^(FWAIT|EMMS|FXSAVE|FXRSTOR)$/;

/** Rows whose cases get an x87 register stack: the escape opcodes D8-DF, FWAIT, EMMS, FXSAVE/FXRSTOR. */
export function isX87Row(r: FormRow): boolean {
  return (r.map === 0 && r.opcode >= 0xd8 && r.opcode <= 0xdf) || X87_EXTRA.test(r.mnemonic);
}

export function isTranscendental(r: FormRow): boolean { return TRANSCENDENTAL.test(r.mnemonic); }

const M63 = 1n << 63n;
function sig63(rng: Rng): bigint { return rng.u64() & (M63 - 1n); }

/** One f80 value as [significand, sign+exponent]. */
export function f80Value(rng: Rng): [bigint, number] {
  const s = rng.int(2) << 15;
  const k = rng.int(24);
  switch (k) {
    case 0: return [0n, s];
    case 1: return [M63, s | 0x7fff];
    case 2: return [M63 | (1n << 62n) | (rng.int(2) ? 0n : sig63(rng) >> 1n), s | 0x7fff]; // QNaN
    case 3: return [M63 | ((sig63(rng) >> 1n) | 1n), s | 0x7fff];                          // SNaN
    case 4: return [0xc000000000000000n, 0xffff];                                         // indefinite
    case 5: return [sig63(rng) >> BigInt(rng.int(63)) | 1n, s];                            // denormal
    case 6: return [M63 | sig63(rng), s];                                                 // pseudo-denormal
    case 7: return rng.int(2) ? [sig63(rng), s | (1 + rng.int(0x7ffe))] : [sig63(rng), s | 0x7fff]; // unnormal, pseudo-NaN/inf
    case 8: return [M63 | sig63(rng), s | (1 + rng.int(70))];                              // tiny normal
    case 9: return [M63 | sig63(rng), s | (0x7ffe - rng.int(70))];                          // huge normal
    case 10: case 11: {                                                                   // an integer
      const bits = 1 + rng.int(66);
      let v = (rng.u64() | (rng.u64() << 64n)) & ((1n << BigInt(bits)) - 1n);
      if (v === 0n) v = 1n;
      const e = v.toString(2).length - 1;
      return [(v << BigInt(63 - e)) & ((1n << 64n) - 1n) | (e > 63 ? M63 : 0n), s | (0x3fff + e)];
    }
    case 12: return [M63 | sig63(rng), s | (0x3ffe - rng.int(70))];                         // |x| < 1
    case 13: return [(M63 | sig63(rng)) & ~0x7ffn, s | (0x3fff - 60 + rng.int(120))];         // exact in f64
    case 14: return [(M63 | sig63(rng)) & ~0xffffffffffn, s | (0x3fff - 30 + rng.int(60))];  // exact in f32
    case 15: return rng.pick([[M63, s | 0x3fff], [M63, s | 0x3ffe], [M63, s | 0x4000], [0xc90fdaa22168c235n, s | 0x4000],
      [0xc90fdaa22168c234n, s | 0x4001], [0xffffffffffffffffn, s | 0x7ffe], [M63, s | 1], [M63, s | 0x3fff + 63]] as [bigint, number][]);
    default: return [M63 | sig63(rng), s | (0x3fff - 80 + rng.int(160))];
  }
}

/** FCW: all rounding and precision controls; exceptions mostly masked. */
function fcwOf(rng: Rng): number {
  const masks = rng.int(3) ? 0x3f : rng.int(64);
  const pc = rng.int(5) === 0 ? rng.int(4) : rng.pick([0, 2, 3, 3]);
  return masks | 0x40 | (pc << 8) | (rng.int(4) << 10) | (rng.int(2) << 12);
}

/** A random x87 state: TOP, tags (ST0/ST1 rarely empty, ST7 often), contents, FCW, FSW. */
export function x87State(rng: Rng): X87State {
  const fcw = fcwOf(rng);
  const top = rng.int(4) ? rng.int(8) : 0;
  const st: bigint[] = [];
  let ftw = 0;
  for (let i = 0; i < 8; i++) {
    const [sig, se] = f80Value(rng);
    st.push(sig, BigInt(se));
    const pEmpty = i < 2 ? 10 : i < 7 ? 4 : 2;
    if (rng.int(pEmpty) !== 0) ftw |= 1 << ((top + i) & 7);
  }
  if (rng.int(12) === 0) ftw = rng.int(2) ? 0 : 0xff;
  const flags = rng.int(4) === 0 ? rng.int(128) : 0;
  let fsw = flags | ((rng.u32() & 0x4700) >>> 0) | (top << 11);
  if ((flags & ~fcw & 0x3f) !== 0) fsw |= 0x8080;
  return { fcw, fsw, ftw, st };
}

function le(v: bigint, bytes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

const F32_EDGE = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
  0x7fa00000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x3f000000, 0x40490fdb, 0x4f000000, 0xdf000000];
const F64_EDGE = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff0000000000000n,
  0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0x7ff4000000000000n,
  0x0000000000000001n, 0x800fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0x400921fb54442d18n,
  0x43e0000000000000n, 0xc3e0000000000000n];
const INT_EDGE = [0n, 1n, -1n, 2n, 0x7fffn, -0x8000n, 0x7fffffffn, -0x80000000n, 0x7fffffffffffffffn, -0x8000000000000000n, 12345n];

function intValue(rng: Rng, bits: number): bigint {
  const v = rng.int(2) ? rng.pick(INT_EDGE) : BigInt.asIntN(bits, rng.u64() >> BigInt(rng.int(64)));
  return BigInt.asUintN(bits, v);
}

function bcdValue(rng: Rng): number[] {
  const digits = rng.int(19);
  const out = new Array<number>(10).fill(0);
  for (let i = 0; i < digits; i++) out[i >> 1] |= rng.int(10) << ((i & 1) * 4);
  out[9] = rng.int(2) << 7;
  return out;
}

/** An FLDENV/FRSTOR image (protected mode; 16-bit format when osize = 16) of a random state. */
function envImage(rng: Rng, osize: number, withRegs: boolean): number[] {
  const s = x87State(rng);
  let tags = 0;
  for (let j = 0; j < 8; j++) tags |= ((s.ftw >> j) & 1 ? rng.int(3) : 3) << (2 * j);
  const fip = rng.u32(), fdp = rng.u32(), fop = rng.int(0x800), fcs = rng.int(0x10000), fds = rng.int(0x10000);
  const out: number[] = [];
  if (osize === 16) {
    for (const w of [s.fcw, s.fsw, tags, fip & 0xffff, fcs, fdp & 0xffff, fds]) out.push(...le(BigInt(w), 2));
  } else {
    for (const w of [s.fcw, s.fsw, tags]) out.push(...le(BigInt(w) | 0xffff0000n, 4));
    out.push(...le(BigInt(fip), 4), ...le(BigInt(fcs | (fop << 16)), 4), ...le(BigInt(fdp), 4), ...le(BigInt(fds), 4));
  }
  if (withRegs) for (let i = 0; i < 8; i++) out.push(...le(s.st[2 * i], 8), ...le(s.st[2 * i + 1], 2));
  return out;
}

/** Bytes worth loading at the memory operand of an x87 load/arithmetic/compare form, or undefined. */
function operandBytes(r: FormRow, rng: Rng, osize: number): number[] | undefined {
  const m = r.mnemonic, op = r.operands[0];
  if (/^(FLDENV|FRSTOR)$/.test(m)) return envImage(rng, osize, m === 'FRSTOR');
  if (/^(FST|FIST|FBSTP|FNSTENV|FNSAVE|FNSTCW|FNSTSW)/.test(m)) return undefined;
  if (m === 'FBLD') return bcdValue(rng);
  const int = m.startsWith('FI');
  if (op === 'Mt') { const [sig, se] = f80Value(rng); return [...le(sig, 8), ...le(BigInt(se), 2)]; }
  if (op === 'Mw') return le(intValue(rng, 16), 2);
  if (op === 'Md') return int ? le(intValue(rng, 32), 4) : le(BigInt(rng.int(2) ? rng.pick(F32_EDGE) : rng.u32()), 4);
  if (op === 'Mq') return int ? le(intValue(rng, 64), 8) : le(rng.int(2) ? rng.pick(F64_EDGE) : rng.u64(), 8);
  return undefined;
}

/** The x87 state of a case and data patches for its memory operand (three times in four). */
export function x87CaseExtras(r: FormRow, osize: number, memTarget: number, seed: number, pokes: [number, Uint8Array][]): X87State {
  const rng = new Rng(seed ^ 0x87878787);
  const s = x87State(rng);
  // F2XM1 is defined for |ST0| <= 1 and FYL2XP1 for |ST0| < 1 - sqrt(2)/2 (SDM vol. 2): outside,
  // the host's result is undefined, so finite operands are brought into range.
  const limit = r.mnemonic === 'F2XM1' ? 0x3ffe : r.mnemonic === 'FYL2XP1' ? 0x3ffc : 0x7ffe;
  const e = Number(s.st[1]) & 0x7fff;
  if (e > limit && e < 0x7fff) s.st[1] = BigInt((Number(s.st[1]) & 0x8000) | (limit - rng.int(4)));
  if (memTarget >= 0 && rng.int(4) !== 0) {
    const b = operandBytes(r, rng, osize);
    if (b) pokes.push([memTarget - DATA_ADDR, Uint8Array.from(b)]);
  }
  return s;
}

/** Signed ulp position of a finite f80 (monotonic in the value). */
function key(sig: bigint, se: number): bigint {
  const mag = (BigInt(se & 0x7fff) << 63n) + (sig & (M63 - 1n));
  return se & 0x8000 ? -mag : mag;
}

/** Differences between the core's and the host's x87 registers (ulp-relaxed for transcendentals). */
export function compareSt(core: bigint[], native: bigint[], relaxed: boolean): string[] {
  const bad: string[] = [];
  for (let i = 0; i < 8; i++) {
    const [a, ae, b, be] = [core[2 * i], Number(core[2 * i + 1] & 0xffffn), native[2 * i], Number(native[2 * i + 1] & 0xffffn)];
    if (a === b && ae === be) continue;
    const finite = (sig: bigint, se: number) => (se & 0x7fff) !== 0x7fff && sig !== 0n;
    if (relaxed && finite(a, ae) && finite(b, be)) {
      const dd = key(a, ae) - key(b, be);
      if (dd <= 1n && dd >= -1n) continue;
    }
    bad.push(`st${i} core ${ae.toString(16)}:${a.toString(16)} native ${be.toString(16)}:${b.toString(16)}`);
  }
  return bad;
}

/** FSW bits compared for a form: the transcendentals leave out C1, PE, UE and ES/B. */
export function fswMask(r: FormRow | undefined): number {
  return r && isTranscendental(r) ? 0xffff & ~0x82b0 : 0xffff;
}

/** The initial x87 state of a case, for mismatch reports ('' for forms without one). */
export function describeX87(fp: { fcw: number; fsw: number; ftw?: number; st?: bigint[] } | undefined): string {
  if (!fp?.st) return '';
  const regs = Array.from({ length: 8 }, (_, i) => `${fp.st![2 * i + 1].toString(16)}:${fp.st![2 * i].toString(16)}`);
  return ` x87 fcw ${fp.fcw.toString(16)} fsw ${fp.fsw.toString(16)} ftw ${(fp.ftw ?? 0).toString(16)} st ${regs.join(' ')}`;
}
