// test/core/cpu/system.test.ts — system-level behaviour of the interpreter that user mode cannot
// show: a 64-bit kernel program (system64.S, assembled by the host gcc) takes exceptions through
// its IDT, switches to CPL 3 and back with IRETQ/SYSCALL/SYSRET and INT, and records what the
// CPU pushed. Expected values come from the SDM (vol. 3A 6.12-6.14, 5.8.8).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCore, TestMachine, enterFlat64, loadElf, ROOT } from '../../diff/core.js';

const CPU_EXIT_HLT = 3;
let dir = '';
let m: TestMachine;
const sym: Record<string, bigint> = {};
let exit = -1;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasmvirt-cpu-sys-'));
  const elf = join(dir, 'system64.elf');
  execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', '-Wl,-Ttext=0x100000', '-Wl,--build-id=none', '-o', elf,
    join(ROOT, 'test', 'core', 'cpu', 'system64.S')]);
  for (const line of execFileSync('nm', [elf]).toString().split('\n')) {
    const [addr, , name] = line.split(' ');
    if (name) sym[name] = BigInt('0x' + addr);
  }
  m = new TestMachine(buildCore(1));
  const entry = loadElf(m, readFileSync(elf));
  enterFlat64(m, 16, true);
  m.set32('CPU_OFF_EXC_EXIT', 0); // deliver exceptions through the guest's IDT
  m.set64('CPU_OFF_RIP', entry);
  exit = m.x.cpu_execute(m.cpu, 100_000n);
}, 600_000);

afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const res = (i: number) => new DataView(m.mem.buffer).getBigUint64(m.host(Number(sym.res) + 8 * i), true);

describe('64-bit system behaviour', () => {
  it('runs to the final HLT at CPL 0', () => {
    expect(exit).toBe(CPU_EXIT_HLT);
    expect(m.get32('CPU_OFF_CPL')).toBe(0);
  });
  it('INT 0x80 enters the handler and IRETQ returns', () => { expect(res(0)).toBe(0x80n); });
  it('#DE is a fault: the pushed RIP is the DIV', () => { expect(res(1)).toBe(sym.div_insn); });
  it('#PF sets CR2 and pushes error code 0 for a supervisor read of a non-present page', () => {
    expect(res(2)).toBe(0x4000_0000n);
    expect(res(3)).toBe(0n);
  });
  it('SYSCALL saves RIP in RCX and RFLAGS in R11, and masks RFLAGS with SFMASK', () => {
    expect(res(4)).toBe(sym.after_syscall);
    expect(res(5) & 0x200n).toBe(0x200n);
    expect(res(6)).toBe(42n);
    expect(res(7) & 0x200n).toBe(0n);
  });
  it('INT from CPL 3 switches to TSS.RSP0 and pushes the user CS and SS', () => {
    expect(res(8)).toBe(0x23n);
    expect(res(9)).toBe(0x1bn);
    expect(res(10)).toBe(0x90000n - 40n);
  });
  it('HLT at CPL 3 raises #GP(0) at the HLT', () => {
    expect(res(11)).toBe(0n);
    expect(res(12)).toBe(sym.user_hlt);
    expect(res(13)).toBe(0x23n);
  });
});
