// test/core/cpu/program.ts — runs a 64-bit kernel-mode test program (a .S file beside the tests,
// assembled by the host gcc at test time, linked at 1 MiB) on the interpreter in a flat 64-bit
// machine whose exceptions go through the guest's own IDT. Returns the exit code, the symbols
// and a reader for the program's `res` block of u64 results.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCore, TestMachine, enterFlat64, loadElf, ROOT } from '../../diff/core.js';

export const CPU_EXIT_HLT = 3;

export interface ProgramRun { exit: number; m: TestMachine; sym: Record<string, bigint>; res: (i: number) => bigint }

/** Assembles and links test/core/cpu/`source` at 1 MiB: the ELF image and its symbols. */
export function assembleProgram(source: string): { elf: Uint8Array; sym: Record<string, bigint> } {
  const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-cpu-sys-'));
  try {
    const elf = join(dir, 'program.elf');
    execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', '-Wl,-Ttext=0x100000', '-Wl,--build-id=none', '-o', elf,
      join(ROOT, 'test', 'core', 'cpu', source)]);
    const sym: Record<string, bigint> = {};
    for (const line of execFileSync('nm', [elf]).toString().split('\n')) {
      const [addr, , name] = line.split(' ');
      if (name) sym[name] = BigInt('0x' + addr);
    }
    return { elf: readFileSync(elf), sym };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runProgram(source: string, budget = 100_000n): ProgramRun {
  const { elf, sym } = assembleProgram(source);
  const m = new TestMachine(buildCore(1));
  const entry = loadElf(m, elf);
  enterFlat64(m, 16, true);
  m.set32('CPU_OFF_EXC_EXIT', 0); // deliver exceptions through the guest's IDT
  m.set64('CPU_OFF_RIP', entry);
  const exit = m.x.cpu_execute(m.cpu, budget) as number;
  const res = (i: number) => new DataView(m.mem.buffer).getBigUint64(m.host(Number(sym.res) + 8 * i), true);
  return { exit, m, sym, res };
}
