// bench/cpu.ts — the `cpu` benchmark (npm run bench -- cpu): guest programs compiled by the host
// gcc (-O2, static, no libc, general-purpose registers only) run on the interpreter in a flat
// 64-bit machine, in slices of SLICE instructions (V8 cannot tier up a running wasm call).
// Prints one JSON line per workload: {"bench":"cpu","workload","instructions","seconds","mips"}.
//   int: integer hashing loop (register ALU, multiply, shifts, branches)
//   mix: quicksort + table-driven CRC32 + binary search over 1 MiB of data (memory and branches)
//   fp:  not run until x87/SSE exist.
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
};

function compile(name: string, dir: string): Uint8Array {
  const src = join(dir, `${name}.c`);
  const out = join(dir, `${name}.elf`);
  writeFileSync(src, START + PROGRAMS[name]);
  execFileSync('gcc', ['-O2', '-static', '-nostdlib', '-ffreestanding', '-fno-pic', '-no-pie', '-fno-stack-protector',
    '-mgeneral-regs-only', '-fno-asynchronous-unwind-tables', '-Wl,-Ttext=0x400000', '-Wl,--build-id=none', '-o', out, src]);
  return readFileSync(out);
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
    for (const name of ['int', 'mix']) {
      const elf = compile(name, dir);
      const m = new TestMachine(wasm);
      const r = runWorkload(m, elf);
      console.log(JSON.stringify({ bench: 'cpu', workload: name, instructions: Number(r.instructions),
        seconds: Number(r.seconds.toFixed(3)), mips: Number((Number(r.instructions) / r.seconds / 1e6).toFixed(1)) }));
    }
    console.log(JSON.stringify({ bench: 'cpu', workload: 'fp', skipped: 'x87/SSE not implemented yet' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await run();
