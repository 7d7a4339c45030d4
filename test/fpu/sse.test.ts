// test/fpu/sse.test.ts — differential test of the SSE scalar softfloat against the host's SSE
// unit: every case runs natively (test/fpu/oracle.c) and in core-wasm/assembly/fpu with a random
// MXCSR (rounding mode, FZ, DAZ, and sometimes unmasked exceptions); the result bits and the
// MXCSR exception flags must match, and an unmasked exception must be reported (#XM, destination
// unchanged) exactly when the host faults, with the flags the host had at the fault. Seeded (FPU_SEED); FPU_FULL=1 or FPU_CASES=N for more cases.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadFpu, buildOracle, Rng, hex, FULL, SEED, type FpuExports } from './harness.js';
import { randF64, randF32, expOfF64, expOfF32 } from './gen.js';

const N = Number(process.env.FPU_CASES ?? (FULL ? 200_000 : 5_000));
let fpu: FpuExports;
let oracle: (lines: string[]) => string[];
let flagsPtr = 0;

beforeAll(async () => {
  fpu = await loadFpu();
  oracle = buildOracle();
  flagsPtr = Number(fpu.scratch()) + 64;
}, 120_000);

type Gen = (rng: Rng) => { a: bigint; b: bigint; imm: number };
interface SseSpec { name: string; gen: Gen; run: (a: bigint, b: bigint, imm: number, mx: number) => bigint }

const M32 = 0xFFFFFFFFn;
const u64 = (v: number | bigint) => BigInt.asUintN(64, BigInt(v));
const u32 = (v: number | bigint) => BigInt.asUintN(32, BigInt(v));
const g64: Gen = (rng) => { const a = randF64(rng); return { a, b: randF64(rng, expOfF64(a)), imm: 0 }; };
const g32: Gen = (rng) => { const a = randF32(rng); return { a, b: randF32(rng, expOfF32(a)), imm: 0 }; };
const gInt: Gen = (rng) => {
  const r = rng.u64();
  const a = rng.int(3) === 0 ? r : BigInt.asUintN(64, BigInt.asIntN(64, r) >> BigInt(rng.int(64)));
  return { a, b: 0n, imm: 0 };
};
const gInt32: Gen = (rng) => { const { a } = gInt(rng); return { a: u64(BigInt.asIntN(32, a)) & M32, b: 0n, imm: 0 }; };
/** Values around the integer ranges of 32/64-bit conversions. */
const gConv64: Gen = (rng) => {
  if (rng.int(3) === 0) return g64(rng);
  const e = 1023 - 2 + rng.int(68);
  return { a: (BigInt(rng.int(2)) << 63n) | (BigInt(e) << 52n) | (rng.u64() >> 12n), b: 0n, imm: 0 };
};
const gConv32: Gen = (rng) => {
  if (rng.int(3) === 0) return g32(rng);
  const e = 127 - 2 + rng.int(68);
  return { a: (BigInt(rng.int(2)) << 31n) | (BigInt(e) << 23n) | (rng.u64() >> 41n), b: 0n, imm: 0 };
};

const F = () => flagsPtr;
function call(fn: string, ...args: (number | bigint)[]): number | bigint {
  new DataView(fpu.memory.buffer).setUint16(flagsPtr, 0, true);
  return fpu[fn](...args);
}
const flags = () => BigInt(new DataView(fpu.memory.buffer).getUint16(flagsPtr, true) & 0x3F);

function bin(name: string, fn: string, w: 32 | 64): SseSpec {
  return { name, gen: w === 64 ? g64 : g32, run: (a, b, _i, mx) => (w === 64 ? u64(call(fn, a, b, mx, F())) : u32(call(fn, Number(a), Number(b), mx, F()))) };
}

const SPECS: SseSpec[] = [
  ...(['add', 'sub', 'mul', 'div', 'min', 'max'] as const).flatMap((op) => [bin(`${op}sd`, `f64_${op}`, 64), bin(`${op}ss`, `f32_${op}`, 32)]),
  { name: 'sqrtsd', gen: g64, run: (_a, b, _i, mx) => u64(call('f64_sqrt', b, mx, F())) },
  { name: 'sqrtss', gen: g32, run: (_a, b, _i, mx) => u32(call('f32_sqrt', Number(b), mx, F())) },
  ...['sd', 'ss'].map((t): SseSpec => ({
    name: `cmp${t}`,
    gen: (rng) => ({ ...(t === 'sd' ? g64 : g32)(rng), imm: rng.int(8) }),
    run: (a, b, imm, mx) => {
      const r = t === 'sd' ? call('f64_cmp_pred', a, b, imm, mx, F()) : call('f32_cmp_pred', Number(a), Number(b), imm, mx, F());
      return r ? (t === 'sd' ? (1n << 64n) - 1n : M32) : 0n;
    },
  })),
  ...['comisd', 'ucomisd', 'comiss', 'ucomiss'].map((name): SseSpec => ({
    name,
    gen: name.endsWith('d') ? g64 : g32,
    run: (a, b, _i, mx) => {
      const quiet = name.startsWith('u') ? 1 : 0;
      const r = name.endsWith('d') ? call('f64_compare', a, b, quiet, mx, F()) : call('f32_compare', Number(a), Number(b), quiet, mx, F());
      return [0x1n, 0x40n, 0n, 0x45n][Number(r)];
    },
  })),
  ...[32, 64].flatMap((bits) => [0, 1].flatMap((trunc) => ['sd', 'ss'].map((t): SseSpec => ({
    name: `cvt${trunc ? 't' : ''}${t}2si${bits}`,
    gen: t === 'sd' ? gConv64 : gConv32,
    run: (a, _b, _i, mx) => {
      const fn = `${t === 'sd' ? 'f64' : 'f32'}_to_i${bits}`;
      const v = call(fn, t === 'sd' ? a : Number(a), trunc, mx, F());
      return bits === 32 ? u32(v) : u64(v);
    },
  })))),
  ...[32, 64].flatMap((bits) => ['sd', 'ss'].map((t): SseSpec => ({
    name: `cvtsi2${t}${bits}`,
    gen: bits === 32 ? gInt32 : gInt,
    run: (a, _b, _i, mx) => {
      const v = bits === 32 ? BigInt.asIntN(32, a) : BigInt.asIntN(64, a);
      return t === 'sd' ? u64(call('f64_from_i64', v, mx, F())) : u32(call('f32_from_i64', v, mx, F()));
    },
  }))),
  {
    name: 'cvtsd2ss', gen: g64,
    run: (a, b, _i, mx) => (a & ~M32) | u32(call('f64_to_f32', b, mx, F())),
  },
  {
    name: 'cvtss2sd', gen: (rng) => ({ a: randF64(rng), b: randF32(rng), imm: 0 }),
    run: (_a, b, _i, mx) => u64(call('f32_to_f64', Number(b & M32), mx, F())),
  },
  { name: 'roundsd', gen: (rng) => ({ ...gConv64(rng), b: gConv64(rng).a, imm: rng.int(16) }), run: (_a, b, imm, mx) => u64(call('f64_round', b, imm, mx, F())) },
  { name: 'roundss', gen: (rng) => ({ ...gConv32(rng), b: gConv32(rng).a, imm: rng.int(16) }), run: (_a, b, imm, mx) => u32(call('f32_round', Number(b), imm, mx, F())) },
];

describe('SSE softfloat vs host SSE', () => {
  for (const spec of SPECS) {
    it(`${spec.name}: ${N} cases bit-exact`, () => {
      const rng = new Rng(SEED ^ (spec.name.length * 7919) ^ (spec.name.charCodeAt(3) * 104729) ^ spec.name.charCodeAt(spec.name.length - 1));
      const cases = Array.from({ length: N }, () => {
        const c = spec.gen(rng);
        const masks = rng.int(4) === 0 ? rng.int(64) : 0x3F;
        const mx = (masks << 7) | (rng.int(4) << 13) | (rng.int(3) === 0 ? 0x8000 : 0) | (rng.int(3) === 0 ? 0x40 : 0);
        return { ...c, mx, line: `${spec.name} ${hex(mx)} ${hex(c.a)} ${hex(c.b)} ${hex(c.imm)}` };
      });
      const got = oracle(cases.map((c) => c.line));
      const bad: string[] = [];
      cases.forEach((c, i) => {
        const [res, mxOut] = got[i].split(' ');
        const want = `${res} ${hex(parseInt(mxOut, 16) & 0x3F)}`;
        const r = spec.run(c.a, c.b, c.imm, c.mx);
        const f = flags();
        const trap = (f & ~BigInt(c.mx >> 7) & 0x3Fn) !== 0n;
        const ours = `${trap ? 'trap' : hex(r)} ${hex(f)}`;
        if (want !== ours) bad.push(`${c.line}\n   host: ${want}\n   ours: ${ours}`);
      });
      expect(bad.slice(0, 6).join('\n'), `${bad.length} mismatches`).toBe('');
    });
  }
});
