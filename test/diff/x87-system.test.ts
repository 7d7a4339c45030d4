// test/diff/x87-system.test.ts — x87 rules the user-mode host cannot show: #NM with CR0.EM/TS for
// every x87 instruction (SDM vol. 3A 2.5 table 2-2), the pending-exception rule (waiting
// instructions raise #MF, the FN* forms do not; vol. 1 8.6), and the real-mode environment
// layouts of FNSTENV/FLDENV (vol. 1 figures 8-10 and 8-12), expected field by field from the SDM.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCore, TestMachine, CODE_ADDR, DATA_ADDR } from './core.js';
import { loadFp, readFp } from './sse-cases.js';

const EXIT_EXCEPTION = 8;
const CR0 = 0x80050033n; // PG WP NE ET MP PE
const ONE = [0x8000000000000000n, 0x3fffn];

describe('x87 availability, pending exceptions and real-mode images', () => {
  let m: TestMachine;
  beforeAll(() => { m = new TestMachine(process.env.WASMVIRT_CORE_WASM ?? buildCore(1)); }, 900_000);

  /** Runs code (then UD2) in 64-bit user mode from an x87 state with ST0 = ST1 = 1.0. */
  function run(code: number[], cr0 = CR0, fcw = 0x37f, fsw = 0): { vector: number; rip: bigint } {
    m.enterUserMode(false);
    m.set64('CPU_OFF_CR0', cr0);
    m.x.cpu_update_mode(m.cpu);
    m.x.cpu_tlb_flush(m.cpu);
    loadFp(m, { mxcsr: 0x1f80, fcw, fsw: fsw | (6 << 11), xmm: new Array<bigint>(32).fill(0n), ftw: 0xc0,
      st: [...ONE, ...ONE, ...new Array<bigint>(12).fill(0n)] });
    const bytes = new Uint8Array(64);
    bytes.set([...code, 0x0f, 0x0b]);
    m.writePhys(TestMachine.CODE_GPA, bytes);
    m.set64('CPU_OFF_RIP', BigInt(CODE_ADDR));
    m.set64('CPU_OFF_RBX', BigInt(DATA_ADDR + 0x100));
    m.set32('CPU_OFF_HALTED', 0);
    expect(m.x.cpu_execute(m.cpu, 100n)).toBe(EXIT_EXCEPTION);
    return { vector: m.get32('CPU_OFF_EXIT_INFO'), rip: m.get64('CPU_OFF_RIP') };
  }
  const at = (n: number) => BigInt(CODE_ADDR + n);
  const FADD = [0xd8, 0xc1], FLD_M32 = [0xd9, 0x03], FNSTENV = [0xd9, 0x33], FDIV_ZERO = [0xd9, 0xee, 0xde, 0xf9];

  it('raises #NM for x87 arithmetic, loads and environment instructions with CR0.EM or CR0.TS', () => {
    for (const code of [FADD, FLD_M32, FNSTENV, [0xd9, 0xfe] /* FSIN */, [0xdd, 0x33] /* FNSAVE */]) {
      expect(run(code)).toEqual({ vector: 6, rip: at(code.length) });
      expect(run(code, CR0 | 8n)).toEqual({ vector: 7, rip: at(0) });
      expect(run(code, CR0 | 4n)).toEqual({ vector: 7, rip: at(0) });
    }
  });

  it('delivers a pending unmasked exception as #MF at the next waiting instruction only', () => {
    const pending = 0x8084; // ZE with ES and B, ZE unmasked below
    expect(run(FADD, CR0, 0x37b, pending)).toEqual({ vector: 16, rip: at(0) });
    expect(run([0xd9, 0xd0], CR0, 0x37b, pending)).toEqual({ vector: 16, rip: at(0) }); // FNOP waits
    expect(run(FNSTENV, CR0, 0x37b, pending)).toEqual({ vector: 6, rip: at(2) });        // no-wait
    expect(run([0xdb, 0xe2], CR0, 0x37b, pending)).toEqual({ vector: 6, rip: at(2) });   // FNCLEX
  });

  it('leaves the destination alone on an unmasked divide by zero and faults at the next FWAIT', () => {
    expect(run([...FDIV_ZERO, 0x9b], CR0, 0x37b)).toEqual({ vector: 16, rip: at(4) });
    const fp = readFp(m);
    expect(fp.fsw).toBe(0x8084 | (5 << 11)); // ZE, ES, B; TOP 5 after FLDZ's push, FDIVP did not pop
    expect([fp.st[0], fp.st[1], fp.st[2], fp.st[3]]).toEqual([0n, 0n, ...ONE]); // ST0 = +0, ST1 = 1.0 kept
    expect(fp.fop).toBe(0x6f9);
    expect(fp.fip).toBe(at(2));
  });

  /** FNSTENV/FLDENV in real mode: code at 0800:0000 (linear 8000h), data at 0900:0000 (9000h). */
  function runReal(code: number[], fsw: number): Uint8Array {
    m.set64('CPU_OFF_CR0', 0x10n);
    m.set64('CPU_OFF_CR4', 0n);
    m.set64('CPU_OFF_EFER', 0n);
    m.set64('CPU_OFF_RFLAGS', 2n);
    m.setSeg(1, 0x0800, 0x93, 0x8000n, 0xffff);
    for (const s of [0, 2, 3, 4, 5]) m.setSeg(s, 0x0900, 0x93, 0x9000n, 0xffff);
    m.x.cpu_update_mode(m.cpu);
    m.x.cpu_tlb_flush(m.cpu);
    loadFp(m, { mxcsr: 0x1f80, fcw: 0x37f, fsw, xmm: new Array<bigint>(32).fill(0n), ftw: 0x80, st: [...ONE, ...new Array<bigint>(14).fill(0n)] });
    m.writePhys(0x9000, new Uint8Array(64));
    const bytes = new Uint8Array(64);
    bytes.set([...code, 0x0f, 0x0b]);
    m.writePhys(0x8000, bytes);
    m.set64('CPU_OFF_RIP', 0n);
    m.set64('CPU_OFF_RBX', 0x20n);
    m.set32('CPU_OFF_HALTED', 0);
    expect(m.x.cpu_execute(m.cpu, 100n)).toBe(EXIT_EXCEPTION);
    expect(m.get32('CPU_OFF_EXIT_INFO')).toBe(6);
    return m.readPhys(0x9000, 64);
  }
  const w16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
  const w32 = (b: Uint8Array, o: number) => (w16(b, o) | (w16(b, o + 2) << 16)) >>> 0;

  it('stores the 16-bit real-mode environment (figure 8-12)', () => {
    // D9 07: FLD dword [bx] (FOP 107h, FIP 8000h, FDP 9020h), then FNSTENV [0] in 16-bit form.
    const b = runReal([0xd9, 0x07, 0xd9, 0x36, 0x00, 0x00], 0x3800);
    expect([w16(b, 0), w16(b, 2) & 0x3800, w16(b, 4)]).toEqual([0x37f, 0x3000, 0x1fff]); // pushed +0.0: tag 01 at 6
    expect(w16(b, 6)).toBe(0x8000);                 // FIP 15..0 of the linear address 8000h
    expect(w16(b, 8)).toBe(0x0107);                 // FIP 19..16 = 0, FOP
    expect(w16(b, 10)).toBe(0x9020);                // FDP 15..0
    expect(w16(b, 12)).toBe(0x0000);                // FDP 19..16
  });

  it('stores the 32-bit real-mode environment (figure 8-10) and loads it back', () => {
    const b = runReal([0xd9, 0x07, 0x66, 0xd9, 0x36, 0x00, 0x00, 0x66, 0xd9, 0x26, 0x00, 0x00], 0x3800);
    expect(w32(b, 12) & 0xffff).toBe(0x8000);
    expect(w32(b, 16)).toBe(0x0107);                // FIP 31..16 = 0 in bits 27..12, FOP in 10..0
    expect(w32(b, 20) & 0xffff).toBe(0x9020);
    expect(w32(b, 24)).toBe(0);
    const fp = readFp(m);                           // FLDENV restored what FNSTENV stored
    expect(fp.fop).toBe(0x107);
    expect(fp.fip).toBe(0x8000n);
    expect(fp.fdp).toBe(0x9020n);
  });
});
