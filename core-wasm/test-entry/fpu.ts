// test-entry/fpu.ts — asc entry for test/fpu: the softfloat API alone, on its own (non-shared)
// memory, plus the address of a scratch area the tests use for `out` and flag words.
export * from '../assembly/fpu/api';

export function scratch(): usize {
  return (__heap_base + 15) & ~15;
}

import { f80Add, f80Mul, f80Div, f80Sqrt } from '../assembly/fpu/f80arith';
import { sseArith, SSE_ADD, SSE_MUL, SSE_DIV } from '../assembly/fpu/sse';
import { FMT_F64 } from '../assembly/fpu/consts';

/** In-wasm throughput loop for test/fpu/bench.ts: op 0-3 f80 add/mul/div/sqrt, 4-6 f64 add/mul/div. */
export function bench_loop(op: i32, n: i32): u64 {
  const out = scratch(), sw = out + 16;
  let a: u64 = 0xB504F333F9DE6484, acc: u64 = 0;
  for (let i = 0; i < n; i++) {
    a = a * 6364136223846793005 + 1442695040888963407;
    const x = a | 0x8000000000000000;
    if (op == 0) f80Add(out, x, 0x3FFF, 0xC90FDAA22168C235, 0x3FFE, 0x37F, sw);
    else if (op == 1) f80Mul(out, x, 0x3FFF, 0xC90FDAA22168C235, 0x3FFE, 0x37F, sw);
    else if (op == 2) f80Div(out, x, 0x3FFF, 0xC90FDAA22168C235, 0x3FFE, 0x37F, sw);
    else if (op == 3) f80Sqrt(out, x, 0x3FFF, 0x37F, sw);
    else {
      const d = (a >> 12) | 0x3FF0000000000000;
      acc += sseArith(op - 4, d, 0x400921FB54442D18, FMT_F64, 0x1F80, sw);
      continue;
    }
    acc += load<u64>(out);
  }
  return acc;
}
