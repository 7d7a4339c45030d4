// test/core/cpu/farxfer.test.ts — far JMP, CALL and RET in IA-32e mode (farxfer64.S): between
// 64-bit and compatibility-mode code, LRETQ, the #NP/#GP checks, and a call gate from CPL 3 to
// CPL 0 with the 64-bit stack switch and the outward return. Expected values from the SDM
// (vol. 2 JMP/CALL/RET; vol. 3A 5.8.3.1, 5.8.5.1).
import { beforeAll, describe, expect, it } from 'vitest';
import { runProgram, CPU_EXIT_HLT, type ProgramRun } from './program.js';

let run: ProgramRun;
beforeAll(() => { run = runProgram('farxfer64.S'); }, 600_000);
const res = (i: number) => run.res(i);

describe('far transfers in IA-32e mode', () => {
  it('runs to the final HLT at CPL 0', () => {
    expect(run.exit).toBe(CPU_EXIT_HLT);
    expect(run.m.get32('CPU_OFF_CPL')).toBe(0);
  });
  it('JMP m16:32 enters compatibility mode and JMP ptr16:32 comes back', () => { expect(res(0)).toBe(0x2345n); });
  it('CALL m16:32 pushes CS and EIP as doublewords; a 32-bit RETF pops them', () => {
    expect(res(1)).toBe(run.sym.after_call2);
    expect(res(2)).toBe(0x08n);
    expect(res(3)).toBe(0n);
  });
  it('LRETQ to the same level', () => { expect(res(4)).toBe(1n); });
  it('a far JMP to a non-present segment is #NP(selector) at the JMP', () => {
    expect(res(5)).toBe(0x50n);
    expect(res(6)).toBe(run.sym.t4_insn);
  });
  it('a far JMP with a null selector is #GP(0) at the JMP', () => {
    expect(res(7)).toBe(0n);
    expect(res(8)).toBe(run.sym.t5_insn);
  });
  it('CALL through a 64-bit call gate from CPL 3: RSP from TSS.RSP0, null SS, SS/RSP/CS/RIP pushed as quadwords', () => {
    expect(res(9)).toBe(run.sym.after_gatecall);
    expect(res(10)).toBe(0x23n);
    expect(res(11)).toBe(0x70000n);
    expect(res(12)).toBe(0x1bn);
    expect(res(13)).toBe(0x90000n - 32n);
    expect(res(14)).toBe(0n);
  });
  it('LRETQ outward to CPL 3 pops SS:RSP', () => {
    expect(res(15)).toBe(0x23n);
    expect(res(16)).toBe(0x1bn);
    expect(res(17)).toBe(0x70000n);
  });
});
