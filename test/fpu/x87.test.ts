// test/fpu/x87.test.ts — differential test of the x87 softfloat against the host FPU: every
// case runs natively (test/fpu/oracle.c) and in core-wasm/assembly/fpu; results, exception
// flags and condition codes must match bit for bit. Seeded (FPU_SEED), FPU_FULL=1 or FPU_CASES=N for more.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadFpu, buildOracle, Rng, hex, FULL, SEED, type FpuExports } from './harness.js';
import { randF80, randFcw, type F80 } from './gen.js';
import { X87_SPECS, type X87Spec, parseOracle } from './x87specs.js';

const N = Number(process.env.FPU_CASES ?? (FULL ? 200_000 : 6_000));
let fpu: FpuExports;
let oracle: (lines: string[]) => string[];

beforeAll(async () => {
  fpu = await loadFpu();
  oracle = buildOracle();
}, 120_000);

function runSpec(spec: X87Spec, seed: number): string[] {
  const rng = new Rng(seed);
  const cases: { a: F80; b: F80; fcw: number; line: string }[] = [];
  for (let i = 0; i < N; i++) {
    const a = spec.genA ? spec.genA(rng) : randF80(rng);
    const b = spec.genB ? spec.genB(rng, a) : randF80(rng, a.se & 0x7FFF);
    const fcw = randFcw(rng, spec.unmask ?? true);
    const line = spec.line ? spec.line(a, b, fcw) : `${spec.name} ${hex(fcw)} ${hex(a.se)} ${hex(a.sig)} ${hex(b.se)} ${hex(b.sig)}`;
    cases.push({ a, b, fcw, line });
  }
  const got = oracle(cases.map((c) => c.line));
  const bad: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const want = spec.project(parseOracle(got[i]), c.fcw);
    const ours = spec.run(fpu, c.a, c.b, c.fcw);
    if (want !== ours) bad.push(`${c.line}\n   host: ${want}\n   ours: ${ours}`);
  }
  return bad;
}

describe('x87 softfloat vs host FPU', () => {
  for (const spec of X87_SPECS) {
    it(`${spec.name}: ${N} cases bit-exact`, () => {
      const bad = runSpec(spec, SEED ^ spec.name.length * 7919 ^ spec.name.charCodeAt(1) * 104729);
      expect(bad.slice(0, 8).join('\n'), `${bad.length} mismatches`).toBe('');
    });
  }
});
