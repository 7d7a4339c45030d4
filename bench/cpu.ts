// bench/cpu.ts — the `cpu` benchmark (npm run bench -- cpu): guest programs compiled by the host
// gcc (-O2, static, no libc; int and mix with general-purpose registers only) run on the
// interpreter in a flat 64-bit machine, in slices of SLICE instructions (V8 cannot tier up a
// running wasm call).
// Prints one JSON line per workload: {"bench":"cpu","workload","instructions","seconds","mips"}.
//   int: integer hashing loop (register ALU, multiply, shifts, branches)
//   mix: quicksort + table-driven CRC32 + binary search over 1 MiB of data (memory and branches)
//   fp:  SSE2 double (a matrix product, square roots, divisions) and x87 long double (a series
//        with FDIV, FSQRT and conversions); its result is also computed natively by the host and
//        the line says whether the two agree ("matches_host").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCore, TestMachine, enterFlat64, loadElf } from '../test/diff/core.js';

const SLICE = 5_000_000n;
const CPU_EXIT_HLT = 3;

const START = `
__attribute__((naked, noreturn, section(".text.start"))) void _start(void) {
  __asm__ volatile("mov $0x800000, %rsp\\n call bench_main\\n mov %rax, 0x7ff000\\n hlt\\n ud2");
}
`;

export const PROGRAMS: Record<string, string> = {
  int: `
unsigned long bench_main(void) {
  unsigned long h = 1469598103934665603UL, x = 88172645463325252UL;
  for (unsigned i = 0; i < 3000000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    h = (h ^ (x & 0xff)) * 1099511628211UL;
    h += (unsigned)(h >> 29) / ((i & 7) + 1);
  }
  return h;
}`,
  mix: `
#define N (1 << 18)
static unsigned a[N];
static unsigned crc_table[256];
static void qs(unsigned *v, long lo, long hi) {
  while (lo < hi) {
    unsigned p = v[(lo + hi) >> 1]; long i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) i++;
      while (v[j] > p) j--;
      if (i <= j) { unsigned t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { qs(v, lo, j); lo = i; } else { qs(v, i, hi); hi = j; }
  }
}
unsigned long bench_main(void) {
  unsigned s = 12345;
  for (unsigned i = 0; i < 256; i++) {
    unsigned c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  for (long i = 0; i < N; i++) { s = s * 1103515245u + 12345u; a[i] = s; }
  qs(a, 0, N - 1);
  unsigned crc = 0xffffffffu;
  const unsigned char *p = (const unsigned char *)a;
  for (long i = 0; i < (long)sizeof a; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  unsigned long found = 0;
  for (unsigned k = 0; k < 200000; k++) {
    unsigned key = k * 2654435761u; long lo = 0, hi = N - 1;
    while (lo <= hi) { long mid = (lo + hi) >> 1; if (a[mid] < key) lo = mid + 1; else hi = mid - 1; }
    found += lo;
  }
  return crc ^ found;
}`,
  fp: `
#define N 40
static double a[N][N], b[N][N], c[N][N];
static long sse2(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) { a[i][j] = 1.0 / (i + j + 1); b[i][j] = (double)((i * 7 + j * 3) % 11) - 5.0; }
  double s = 0;
  for (int rep = 0; rep < 60; rep++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double t = 0;
        for (int k = 0; k < N; k++) t += a[i][k] * b[k][j];
        c[i][j] = t;
      }
    for (int i = 0; i < N; i++) {
      double r = __builtin_sqrt(c[i][i] * c[i][i] + 1.0);
      s += r / (1.0 + (double)rep);
      for (int j = 0; j < N; j++) a[i][j] = c[i][j] * 0.001 + a[i][j] * 0.999;
    }
  }
  return (long)(s * 1e9);
}
static long x87(void) {
  long double x = 0.5L, t = 1.0L;
  for (int k = 1; k < 500000; k++) {
    t = t * 0.9999L + 1.0L / (long double)k;
    x = __builtin_sqrtl(x * x + t) - 0.25L * x;
    if (x > 1e6L) x = x / 3.0L;
  }
  return (long)(x * 1e12L) ^ (long)(t * 1e12L);
}
unsigned long bench_main(void) {
  return (unsigned long)sse2() * 31 ^ (unsigned long)x87();
}`,
};

const FLAGS: Record<string, string[]> = { int: ['-mgeneral-regs-only'], mix: ['-mgeneral-regs-only'], fp: ['-fno-math-errno'] };

function compile(name: string, dir: string): Uint8Array {
  const src = join(dir, `${name}.c`);
  const out = join(dir, `${name}.elf`);
  writeFileSync(src, START + PROGRAMS[name]);
  execFileSync('gcc', ['-O2', '-static', '-nostdlib', '-ffreestanding', '-fno-pic', '-no-pie', '-fno-stack-protector',
    ...FLAGS[name]!, '-fno-asynchronous-unwind-tables', '-Wl,-Ttext=0x400000', '-Wl,--build-id=none', '-o', out, src]);
  return readFileSync(out);
}

/** The workload's result computed by the host CPU (the same source and flags, run natively). */
function hostResult(name: string, dir: string): bigint {
  const src = join(dir, `${name}-host.c`);
  const out = join(dir, `${name}-host`);
  writeFileSync(src, `${PROGRAMS[name]}\n#include <stdio.h>\nint main(void) { printf("%lu\\n", bench_main()); return 0; }\n`);
  execFileSync('gcc', ['-O2', ...FLAGS[name]!, '-o', out, src]);
  return BigInt(execFileSync(out, { encoding: 'utf8' }).trim());
}

/** Runs one workload; returns the instructions retired and the guest's result. */
export function runWorkload(m: TestMachine, elf: Uint8Array): { instructions: bigint; seconds: number; result: bigint } {
  const entry = loadElf(m, elf);
  enterFlat64(m, 16);
  m.set64('CPU_OFF_RIP', entry);
  m.set32('CPU_OFF_HALTED', 0);
  const icount0 = m.get64('CPU_OFF_ICOUNT');
  const t0 = performance.now();
  for (;;) {
    const exit = m.x.cpu_execute(m.cpu, SLICE);
    if (exit === CPU_EXIT_HLT) break;
    if (exit !== 0) {
      throw new Error(`guest stopped: exit ${exit} info ${m.get32('CPU_OFF_EXIT_INFO')} rip ${m.get64('CPU_OFF_RIP').toString(16)} error ${m.get64('CPU_OFF_EXIT_DATA')}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const result = new DataView(m.mem.buffer).getBigUint64(m.host(0x7ff000), true);
  return { instructions: m.get64('CPU_OFF_ICOUNT') - icount0, seconds, result };
}

export async function run(): Promise<void> {
  const wasm = buildCore(3);
  const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-bench-cpu-'));
  try {
    for (const name of ['int', 'mix', 'fp']) {
      const elf = compile(name, dir);
      const m = new TestMachine(wasm);
      const r = runWorkload(m, elf);
      const check = name === 'fp' ? { matches_host: r.result === hostResult(name, dir) } : {};
      console.log(JSON.stringify({ bench: 'cpu', workload: name, instructions: Number(r.instructions),
        seconds: Number(r.seconds.toFixed(3)), mips: Number((Number(r.instructions) / r.seconds / 1e6).toFixed(1)), ...check }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await run();
