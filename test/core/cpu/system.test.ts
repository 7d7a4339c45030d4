// test/core/cpu/system.test.ts — system-level behaviour of the interpreter that user mode cannot
// show: a 64-bit kernel program (system64.S, assembled by the host gcc) takes exceptions through
// its IDT, switches to CPL 3 and back with IRETQ/SYSCALL/SYSRET and INT, and records what the
// CPU pushed. Expected values come from the SDM (vol. 3A 6.12-6.14, 5.8.8).
import { beforeAll, describe, expect, it } from 'vitest';
import { runProgram, CPU_EXIT_HLT, type ProgramRun } from './program.js';

let run: ProgramRun;
beforeAll(() => { run = runProgram('system64.S'); }, 600_000);
const res = (i: number) => run.res(i);

describe('64-bit system behaviour', () => {
  it('runs to the final HLT at CPL 0', () => {
    expect(run.exit).toBe(CPU_EXIT_HLT);
    expect(run.m.get32('CPU_OFF_CPL')).toBe(0);
  });
  it('INT 0x80 enters the handler and IRETQ returns', () => { expect(res(0)).toBe(0x80n); });
  it('#DE is a fault: the pushed RIP is the DIV', () => { expect(res(1)).toBe(run.sym.div_insn); });
  it('#PF sets CR2 and pushes error code 0 for a supervisor read of a non-present page', () => {
    expect(res(2)).toBe(0x4000_0000n);
    expect(res(3)).toBe(0n);
  });
  it('SYSCALL saves RIP in RCX and RFLAGS in R11, and masks RFLAGS with SFMASK', () => {
    expect(res(4)).toBe(run.sym.after_syscall);
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
    expect(res(12)).toBe(run.sym.user_hlt);
    expect(res(13)).toBe(0x23n);
  });
});
