// test/fpu/x87specs.ts — per-instruction descriptions for the x87 differential test: how to
// run the softfloat for one case and which host-visible fields to compare (result register or
// memory bytes, FSW exception flags, C0-C3 as the instruction defines them).
import type { FpuExports } from './harness.js';
import { hex } from './harness.js';
import { randF80, randF64, randF32, specialF80, sigBits, type F80 } from './gen.js';
import type { Rng } from './harness.js';

export interface OracleOut { fsw: number; st0: F80; st1: F80; m0: bigint; m1: number }
export function parseOracle(line: string): OracleOut {
  const t = line.split(' ');
  return {
    fsw: parseInt(t[0], 16), st0: { se: parseInt(t[1], 16), sig: BigInt('0x' + t[2]) },
    st1: { se: parseInt(t[3], 16), sig: BigInt('0x' + t[4]) }, m0: BigInt('0x' + t[5]), m1: parseInt(t[6], 16),
  };
}

export interface X87Spec {
  name: string;
  unmask?: boolean;
  genA?: (rng: import('./harness.js').Rng) => F80;
  genB?: (rng: import('./harness.js').Rng, a: F80) => F80;
  /** The oracle input line when it is not "name fcw a.se a.sig b.se b.sig". */
  line?: (a: F80, b: F80, fcw: number) => string;
  run: (fpu: FpuExports, a: F80, b: F80, fcw: number) => string;
  project: (o: OracleOut, fcw: number) => string;
}

const FLAGS_C1 = 0x023F;
const f80s = (v: F80) => `${hex(v.se)}:${hex(v.sig)}`;

export function scratch(fpu: FpuExports): { out: number; sw: number; view: DataView } {
  const base = Number(fpu.scratch());
  return { out: base, sw: base + 16, view: new DataView(fpu.memory.buffer) };
}
function readOut(fpu: FpuExports): F80 {
  const { out, view } = scratch(fpu);
  return { sig: view.getBigUint64(out, true), se: view.getUint16(out + 8, true) };
}
function writeOut(fpu: FpuExports, v: F80, sw = 0): void {
  const s = scratch(fpu);
  s.view.setBigUint64(s.out, v.sig, true);
  s.view.setUint16(s.out + 8, v.se, true);
  s.view.setUint16(s.sw, sw, true);
}
function readSw(fpu: FpuExports): number {
  const s = scratch(fpu);
  return s.view.getUint16(s.sw, true);
}

/** ST0 <- ST0 op ST1 (fn takes out, aSig, aSE, bSig, bSE, fcw, sw). */
function binary(name: string, fn: string): X87Spec {
  return {
    name,
    run(fpu, a, b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      fpu[fn](s.out, a.sig, a.se, b.sig, b.se, fcw, s.sw);
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
  };
}

/** ST0 <- op ST0 (fn takes out, aSig, aSE, fcw, sw). */
function unary(name: string, fn: string): X87Spec {
  return {
    name,
    run(fpu, a, _b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      fpu[fn](s.out, a.sig, a.se, fcw, s.sw);
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
  };
}

const SENTINEL = 0x5A5A5A5A5A5A5A5An;
const M64 = (1n << 64n) - 1n;
const S = (v: F80) => ({ se: v.se, sig: v.sig });

/** Exceptions that stop a memory store when unmasked (SDM 8.5: IE, DE, ZE, and OE/UE to memory). */
function storeSuppressed(sw: number, fcw: number): boolean {
  return (sw & ~fcw & 0x1F) !== 0;
}

/** An integer-valued or small scale factor for FSCALE's ST1. */
function scaleB(rng: Rng, a: F80): F80 {
  if (rng.int(4) === 0) return randF80(rng, a.se & 0x7FFF);
  const n = rng.int(3) === 0 ? rng.int(40000) : rng.int(200);
  const frac = rng.int(3) === 0 ? rng.u64() >> 1n : 0n;
  if (n === 0 && frac === 0n) return { se: rng.int(2) << 15, sig: 0n };
  const v = (BigInt(n) << 64n) | (frac << 1n); // n + frac/2^63 scaled by 2^64
  const z = v.toString(2).length;
  const sig = (z > 64 ? v >> BigInt(z - 64) : v << BigInt(64 - z)) & M64;
  return { se: (rng.int(2) << 15) | (16383 + z - 65), sig };
}

/** Operand b for FPREM: exponent 0..100 below a's, sometimes above, sometimes special. */
function premB(rng: Rng, a: F80): F80 {
  const r = randF80(rng, a.se & 0x7FFF);
  if (rng.int(5) === 0 || (a.se & 0x7FFF) === 0 || (a.se & 0x7FFF) === 0x7FFF) return r;
  const e = Math.max(1, Math.min(0x7FFE, (a.se & 0x7FFF) - rng.int(100) + 3));
  return { se: (r.se & 0x8000) | e, sig: r.sig | (1n << 63n) };
}

/** Values around the integer range: |x| up to ~2^66 with fractions. */
function intA(rng: Rng): F80 {
  if (rng.int(6) === 0) return specialF80(rng);
  const e = 16383 - 3 + rng.int(70);
  return { se: (rng.int(2) << 15) | e, sig: sigBits(rng) };
}

function cmp(name: string, quiet: number, ftst = false): X87Spec {
  return {
    name,
    genB: ftst ? () => ({ se: 0, sig: 0n }) : (rng, a) => (rng.int(4) === 0 ? S(a) : randF80(rng, a.se & 0x7FFF)),
    run(fpu, a, b) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      const r = Number(fpu.f80_compare(a.sig, a.se, b.sig, b.se, quiet, s.sw));
      const sw = readSw(fpu) | Number(fpu.f80_cmp_to_fsw(r));
      return hex(sw & 0x473F);
    },
    project: (o) => hex(o.fsw & 0x473F),
  };
}

function fist(name: string, bits: number, trunc: number): X87Spec {
  return {
    name, genA: intA,
    run(fpu, a, _b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      const v = BigInt.asUintN(bits, BigInt(fpu.f80_to_int(a.sig, a.se, bits, trunc, fcw, s.sw)));
      const sw = readSw(fpu);
      const mask = (1n << BigInt(bits)) - 1n;
      const m = storeSuppressed(sw, fcw) ? SENTINEL : (SENTINEL & ~mask) | v;
      return `${hex(sw & FLAGS_C1)} ${hex(m)}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${hex(o.m0)}`,
  };
}

function fst(name: string, bits: 32 | 64): X87Spec {
  return {
    name,
    genA: (rng) => {
      const v = randF80(rng);
      if (rng.int(2)) return v;
      const bias = bits === 64 ? 1023 : 127;
      const e = 16383 - bias + rng.int(2 * bias + 2) - (rng.int(3) === 0 ? 60 : 0);
      return { se: (v.se & 0x8000) | Math.max(1, e), sig: v.sig | (1n << 63n) };
    },
    run(fpu, a, _b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      const fn = bits === 64 ? 'f80_to_f64' : 'f80_to_f32';
      const v = BigInt.asUintN(bits, BigInt(fpu[fn](a.sig, a.se, fcw, s.sw)));
      const sw = readSw(fpu);
      const mask = (1n << BigInt(bits)) - 1n;
      const m = storeSuppressed(sw, fcw) ? SENTINEL : (SENTINEL & ~mask) | v;
      return `${hex(sw & FLAGS_C1)} ${hex(m)}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${hex(o.m0)}`,
  };
}

function fld(name: string, bits: 32 | 64): X87Spec {
  return {
    name,
    genA: (rng) => {
      const v = bits === 64 ? randF64(rng) : randF32(rng);
      return { se: Number(v & 0xFFFFn), sig: v };
    },
    line: (a, _b, fcw) => `${name} ${hex(fcw)} ${hex(a.sig)} 0`,
    run(fpu, a, _b, fcw) {
      writeOut(fpu, { se: a.se, sig: 0n });
      const s = scratch(fpu);
      fpu[bits === 64 ? 'f80_from_f64' : 'f80_from_f32'](s.out, bits === 64 ? a.sig : Number(a.sig), fcw, s.sw);
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
  };
}

function randBcd(rng: Rng): { lo: bigint; hi: number } {
  let lo = 0n;
  const nd = rng.int(19);
  for (let i = 0; i < 16; i++) lo |= BigInt(i < nd ? rng.int(10) : 0) << BigInt(i * 4);
  const hi = (nd > 16 ? rng.int(10) : 0) | (nd > 17 ? rng.int(10) << 4 : 0) | (rng.int(2) << 15) | (rng.int(4) === 0 ? 0x7F00 : 0);
  return { lo, hi };
}

export const X87_SPECS: X87Spec[] = [
  binary('fadd', 'f80_add'),
  binary('fsub', 'f80_sub'),
  binary('fmul', 'f80_mul'),
  binary('fdiv', 'f80_div'),
  unary('fsqrt', 'f80_sqrt'),
  { ...unary('frndint', 'f80_round_int'), genA: intA },
  { ...binary('fscale', 'f80_scale'), genB: scaleB },
  ...[0, 1].map((nearest): X87Spec => ({
    name: nearest ? 'fprem1' : 'fprem',
    genB: premB,
    run(fpu, a, b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      fpu.f80_prem(s.out, a.sig, a.se, b.sig, b.se, nearest, fcw, s.sw);
      return `${hex(readSw(fpu) & 0x473F)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & 0x473F)} ${f80s(o.st0)}`,
  })),
  {
    name: 'fxtract',
    run(fpu, a, b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      s.view.setBigUint64(s.out + 32, b.sig, true);
      s.view.setUint16(s.out + 40, b.se, true);
      fpu.f80_extract(s.out, s.out + 32, a.sig, a.se, fcw, s.sw);
      const e = { sig: s.view.getBigUint64(s.out + 32, true), se: s.view.getUint16(s.out + 40, true) };
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))} ${f80s(e)}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)} ${f80s(o.st1)}`,
  },
  {
    name: 'fxam',
    run: (fpu, a) => hex(Number(fpu.f80_examine(a.sig, a.se))),
    project: (o) => hex(o.fsw & 0x4700),
  },
  cmp('fcom', 0), cmp('fucom', 1), cmp('ftst', 0, true),
  fist('fist16', 16, 0), fist('fist32', 32, 0), fist('fist64', 64, 0),
  fist('fisttp16', 16, 1), fist('fisttp32', 32, 1), fist('fisttp64', 64, 1),
  ...[16, 32, 64].map((bits): X87Spec => ({
    name: `fild${bits}`,
    genA: (rng) => {
      const v = BigInt.asUintN(bits, BigInt.asIntN(64, rng.u64()) >> BigInt(rng.int(64)));
      return { se: Number(v & 0xFFFFn), sig: v };
    },
    line: (a, _b, fcw) => `fild${bits} ${hex(fcw)} ${hex(a.sig)} 0`,
    run(fpu, a) {
      writeOut(fpu, { se: a.se, sig: 0n });
      const s = scratch(fpu);
      fpu.f80_from_int(s.out, BigInt.asIntN(bits, a.sig));
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
  })),
  ...([['faddm64', 'f80_add', 64], ['fsubm32', 'f80_sub', 32], ['fmulm64', 'f80_mul', 64], ['fdivm32', 'f80_div', 32]] as const).map(
    ([name, fn, bits]): X87Spec => ({
      name,
      genB: (rng) => { const v = bits === 64 ? randF64(rng) : randF32(rng); return { se: 0, sig: v }; },
      line: (a, b, fcw) => `${name} ${hex(fcw)} ${hex(a.se)} ${hex(a.sig)} ${hex(b.sig)}`,
      run(fpu, a, b, fcw) {
        // The recipe for memory operands: widen without flags, then the register operation.
        writeOut(fpu, a);
        const s = scratch(fpu);
        const tmp = s.out + 48;
        const se = fpu[bits === 64 ? 'f80_widen_f64' : 'f80_widen_f32'](tmp, bits === 64 ? b.sig : Number(b.sig));
        fpu[fn](s.out, a.sig, a.se, s.view.getBigUint64(tmp, true), se, fcw, s.sw);
        return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
      },
      project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
    })),
  ...([['fcomm64', 64], ['fucomm32', 32]] as const).map(([name, bits]): X87Spec => ({
    // fucomm32 runs FCOM m32fp (there is no FUCOM with a memory operand): both signal on QNaN.
    name,
    genB: (rng) => { const v = bits === 64 ? randF64(rng) : randF32(rng); return { se: 0, sig: v }; },
    line: (a, b, fcw) => `${name} ${hex(fcw)} ${hex(a.se)} ${hex(a.sig)} ${hex(b.sig)}`,
    run(fpu, a, b) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      const tmp = s.out + 48;
      const se = fpu[bits === 64 ? 'f80_widen_f64' : 'f80_widen_f32'](tmp, bits === 64 ? b.sig : Number(b.sig));
      const r = Number(fpu.f80_compare(a.sig, a.se, s.view.getBigUint64(tmp, true), se, 0, s.sw));
      return hex((readSw(fpu) | Number(fpu.f80_cmp_to_fsw(r))) & 0x473F);
    },
    project: (o) => hex(o.fsw & 0x473F),
  })),
  ...['fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2'].map((name, which): X87Spec => ({
    name,
    run(fpu, a, _b, fcw) {
      writeOut(fpu, a);
      const s = scratch(fpu);
      fpu.f80_const(s.out, which, fcw, s.sw);
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
  })),
  fst('fst32', 32), fst('fst64', 64), fld('fld32', 32), fld('fld64', 64),
  {
    name: 'fbld',
    genA: (rng) => { const v = randBcd(rng); return { se: Number(v.lo & 0xFFFFn), sig: (v.lo << 16n) | BigInt(v.hi) }; },
    line: (a, _b, fcw) => `fbld ${hex(fcw)} ${hex(a.sig >> 16n)} ${hex(a.sig & 0xFFFFn)}`,
    run(fpu, a) {
      writeOut(fpu, { se: a.se, sig: 0n });
      const s = scratch(fpu);
      fpu.f80_from_bcd(s.out, a.sig >> 16n, Number(a.sig & 0xFFFFn));
      return `${hex(readSw(fpu) & FLAGS_C1)} ${f80s(readOut(fpu))}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${f80s(o.st0)}`,
  },
  {
    name: 'fbstp',
    genA: (rng) => {
      if (rng.int(6) === 0) return specialF80(rng);
      return { se: (rng.int(2) << 15) | (16383 - 3 + rng.int(66)), sig: sigBits(rng) };
    },
    run(fpu, a, _b, fcw) {
      const s = scratch(fpu);
      writeOut(fpu, { se: 0x5A5A, sig: SENTINEL });
      fpu.f80_to_bcd(s.out, a.sig, a.se, fcw, s.sw);
      const r = readOut(fpu);
      return `${hex(readSw(fpu) & FLAGS_C1)} ${hex(r.sig)} ${hex(r.se)}`;
    },
    project: (o) => `${hex(o.fsw & FLAGS_C1)} ${hex(o.m0)} ${hex(o.m1)}`,
  },
];
