// test/fpu/bench.ts — rough throughput of the softfloat entry points (run: npx tsx test/fpu/bench.ts).
// "wasm": a loop inside the module (test-entry bench_loop), as the interpreter will call them;
// "js": called from JavaScript, including the BigInt boundary cost. One JSON line per operation.
import { loadFpu } from './harness.js';

const fpu = await loadFpu();
const base = Number(fpu.scratch());
const out = base, sw = base + 16;
const N = 2_000_000;
const a = 0xB504F333F9DE6484n, b = 0xC90FDAA22168C235n;
const ops: [string, () => void][] = [
  ['f80_add', () => fpu.f80_add(out, a, 0x3FFF, b, 0x3FFE, 0x37F, sw)],
  ['f80_mul', () => fpu.f80_mul(out, a, 0x3FFF, b, 0x3FFE, 0x37F, sw)],
  ['f80_div', () => fpu.f80_div(out, a, 0x3FFF, b, 0x3FFE, 0x37F, sw)],
  ['f80_sqrt', () => fpu.f80_sqrt(out, a, 0x3FFF, 0x37F, sw)],
  ['f64_add', () => fpu.f64_add(0x3FF6A09E667F3BCDn, 0x400921FB54442D18n, 0x1F80, sw)],
  ['f64_mul', () => fpu.f64_mul(0x3FF6A09E667F3BCDn, 0x400921FB54442D18n, 0x1F80, sw)],
  ['f64_div', () => fpu.f64_div(0x3FF6A09E667F3BCDn, 0x400921FB54442D18n, 0x1F80, sw)],
  ['f32_add', () => fpu.f32_add(0x3FB504F3, 0x40490FDB, 0x1F80, sw)],
];
const inWasm = ['f80_add', 'f80_mul', 'f80_div', 'f80_sqrt', 'f64_add', 'f64_mul', 'f64_div'];
inWasm.forEach((name, op) => {
  fpu.bench_loop(op, 100_000);
  const t0 = performance.now();
  fpu.bench_loop(op, N);
  const ns = ((performance.now() - t0) * 1e6) / N;
  console.log(JSON.stringify({ bench: 'fpu', op: name, from: 'wasm', nsPerOp: Math.round(ns * 10) / 10 }));
});
for (const [name, f] of ops) {
  for (let i = 0; i < 100_000; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) f();
  const ns = ((performance.now() - t0) * 1e6) / N;
  console.log(JSON.stringify({ bench: 'fpu', op: name, from: 'js', nsPerOp: Math.round(ns * 10) / 10 }));
}
