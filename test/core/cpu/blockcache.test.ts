// test/core/cpu/blockcache.test.ts — the decoded-block cache (core-wasm/assembly/cpu/block.ts) must
// never run stale code: a guest program (blockcache64.S) rewrites code inside the running block,
// through another linear alias, by remapping the page under a cached block, through a write
// mapping the TLB held before the page held code, and the harness rewrites code while the CPU is
// stopped (as DMA or another vCPU would). It also checks an instruction across a page end and a
// fault in the middle of a block, and that running the same program one instruction per
// cpu_execute call gives the same result and instruction count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCore, TestMachine, enterFlat64, loadElf, ROOT } from '../../diff/core.js';

const CPU_EXIT_HLT = 3;
const CPU_EXIT_EXCEPTION = 8;
let dir = '';
let wasm = '';
let elf: Uint8Array;
const sym: Record<string, bigint> = {};

interface Outcome { exits: number[]; rip: bigint; vector: number; icount: bigint; res: bigint[]; rcx: bigint; calls: number; builds: number }

/** Runs the program to its final exception with `budget` instructions per cpu_execute call. */
function runProgram(budget: bigint): Outcome {
  const m = new TestMachine(wasm);
  const entry = loadElf(m, elf);
  enterFlat64(m, 16);
  const w64 = (gpa: number, v: bigint) => new DataView(m.mem.buffer).setBigUint64(m.host(gpa), v, true);
  w64(0xa000 + 8 * 8, 0x83n);            // linear 16 MiB: alias of physical 0..2 MiB
  w64(0xa000 + 8 * 9, 0x20000n | 3n);    // linear 18 MiB: page table at 0x20000
  w64(0x20000, 0x300000n | 3n);          // ... entry 0 -> page A
  m.writePhys(0x300000, Uint8Array.from([0xb8, 1, 0, 0, 0, 0xc3])); // page A: mov $1, %eax; ret
  m.writePhys(0x301000, Uint8Array.from([0xb8, 2, 0, 0, 0, 0xc3])); // page B: mov $2, %eax; ret
  m.set64('CPU_OFF_RIP', entry);
  m.set32('CPU_OFF_HALTED', 0);
  const exits: number[] = [];
  let calls = 0;
  for (;;) {
    const exit = m.x.cpu_execute(m.cpu, budget);
    calls++;
    if (exit === 0) continue;
    exits.push(exit);
    if (exit === CPU_EXIT_HLT && exits.length === 1) {
      m.writePhys(Number(sym.dma_imm), Uint8Array.from([0x22])); // "DMA" into cached code
      m.set32('CPU_OFF_HALTED', 0);
      continue;
    }
    break;
  }
  const dv = new DataView(m.mem.buffer);
  const res = Array.from({ length: 15 }, (_, i) => dv.getBigUint64(m.host(Number(sym.res) + 8 * i), true));
  return { exits, rip: m.get64('CPU_OFF_RIP'), vector: m.get32('CPU_OFF_EXIT_INFO'), icount: m.get64('CPU_OFF_ICOUNT'),
    res, rcx: m.get64('CPU_OFF_RCX'), calls, builds: m.get32('CPU_OFF_BLK_BUILDS') };
}

let whole: Outcome;
let stepped: Outcome;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasmvirt-cpu-blk-'));
  const out = join(dir, 'blockcache64.elf');
  execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', '-Wl,-Ttext=0x100000', '-Wl,--build-id=none', '-o', out,
    join(ROOT, 'test', 'core', 'cpu', 'blockcache64.S')]);
  for (const line of execFileSync('nm', [out]).toString().split('\n')) {
    const [addr, , name] = line.split(' ');
    if (name) sym[name] = BigInt('0x' + addr);
  }
  elf = readFileSync(out);
  wasm = process.env.WASMVIRT_CORE_WASM ?? buildCore(1);
  whole = runProgram(1_000_000n);
  stepped = runProgram(1n);
}, 600_000);

afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('decoded-block cache invalidation', () => {
  it('sees a store into the running block before the patched instruction runs', () => {
    expect(whole.res.slice(0, 3)).toEqual([1n, 2n, 3n]);
  });
  it('sees code written through another linear alias between blocks', () => {
    expect(whole.res.slice(3, 5)).toEqual([5n, 7n]);
  });
  it('sees code written through another linear alias inside the running block', () => {
    expect(whole.res[5]).toBe(9n);
  });
  it('runs the new page after the page under a cached block was remapped', () => {
    expect(whole.res.slice(6, 8)).toEqual([1n, 2n]);
  });
  it('sees code the VMM wrote while the CPU was stopped', () => {
    expect(whole.res.slice(8, 10)).toEqual([0x11n, 0x22n]);
  });
  it('sees code written through a write mapping cached before the page held code', () => {
    expect(whole.res.slice(11, 13)).toEqual([0x33n, 0x44n]);
  });
  it('sees a block patch the block it is linked to', () => {
    expect(whole.res[13]).toBe(3n + 2n + 1n);
  });
  it('runs an instruction that crosses a page end', () => {
    expect(whole.res[10]).toBe(15n + 0x1122334455667788n);
  });
});

describe('faults and budgets inside blocks', () => {
  it('a fault in the middle of a block reports the faulting instruction', () => {
    expect(whole.exits).toEqual([CPU_EXIT_HLT, CPU_EXIT_EXCEPTION]);
    expect(whole.vector).toBe(14);
    expect(whole.rip).toBe(sym.fault_insn);
    expect(whole.rcx).toBe(0x1234n);
  });
  it('one instruction per call gives the same state and instruction count', () => {
    expect(stepped.calls).toBeGreaterThan(50);
    expect(stepped.exits).toEqual(whole.exits);
    expect(stepped.res).toEqual(whole.res);
    expect(stepped.rip).toBe(whole.rip);
    expect(stepped.rcx).toBe(whole.rcx);
    expect(stepped.icount).toBe(whole.icount);
    expect(Number(stepped.icount)).toBe(stepped.calls - 1); // each call retires one instruction, the last (#PF) none
  });
});

describe('decoding work', () => {
  it('decodes the blocks of a hot loop once, not once per iteration', () => {
    let x = 0n;
    for (let i = 0; i < 2000; i++) x = (x + 3n) ^ 5n;
    expect(whole.res[14]).toBe(x);
    expect(whole.icount).toBeGreaterThan(10_000n);
    expect(whole.builds).toBeLessThan(100); // the whole program has about 45 blocks, a few rewritten
  });
});
