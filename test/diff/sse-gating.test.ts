// test/diff/sse-gating.test.ts — the x87/SSE availability rules the host cannot show in user mode
// (SDM vol. 3A 2.5 table 2-2, 13.1-13.4; vol. 1 11.5.2): CR0.EM/CR0.TS/CR0.MP -> #UD/#NM,
// CR4.OSFXSR = 0 -> #UD for SSE, CR4.OSXMMEXCPT = 0 -> #UD instead of #XM, CLTS clearing CR0.TS.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCore, TestMachine, CODE_ADDR } from './core.js';
import { loadFp } from './sse-cases.js';

const EXIT_EXCEPTION = 8;
const CR0 = 0x80050033n; // PG WP NE ET MP PE
const CR4 = 0x6a0n;      // OSXMMEXCPT OSFXSR PGE PAE

describe('x87/SSE availability (CR0.EM/TS/MP, CR4.OSFXSR/OSXMMEXCPT)', () => {
  let m: TestMachine;
  // WASMVIRT_CORE_WASM: a prebuilt core to test instead of building one from the sources.
  beforeAll(() => { m = new TestMachine(process.env.WASMVIRT_CORE_WASM ?? buildCore(1)); }, 900_000);

  /** Runs `code` (then UD2) at CPL 3 or 0 with the given CR0/CR4; returns the exception vector and RIP. */
  function run(code: number[], cr0: bigint, cr4: bigint, mxcsr = 0x1f80, cpl0 = false): { vector: number; rip: bigint } {
    m.enterUserMode(false);
    if (cpl0) { m.setSeg(1, 0x08, 0x209b); m.setSeg(2, 0x10, 0xc093); }
    m.set64('CPU_OFF_CR0', cr0);
    m.set64('CPU_OFF_CR4', cr4);
    m.x.cpu_update_mode(m.cpu);
    loadFp(m, { mxcsr, fcw: 0x37f, fsw: 0, xmm: new Array<bigint>(32).fill(0n) });
    const bytes = new Uint8Array(64);
    bytes.set([...code, 0x0f, 0x0b]);
    m.writePhys(TestMachine.CODE_GPA, bytes);
    m.set64('CPU_OFF_RIP', BigInt(CODE_ADDR));
    m.set32('CPU_OFF_HALTED', 0);
    const exit = m.x.cpu_execute(m.cpu, 100n);
    expect(exit).toBe(EXIT_EXCEPTION);
    return { vector: m.get32('CPU_OFF_EXIT_INFO'), rip: m.get64('CPU_OFF_RIP') };
  }
  const ADDPS = [0x0f, 0x58, 0xc1];
  const DIVPS = [0x0f, 0x5e, 0xc1];       // 0/0 in every lane: invalid operation
  const at = (n: number) => BigInt(CODE_ADDR + n);

  it('runs SSE with CR4.OSFXSR = 1 and CR0.EM = TS = 0', () => {
    expect(run(ADDPS, CR0, CR4)).toEqual({ vector: 6, rip: at(3) }); // reaches the UD2
  });
  it('raises #UD for SSE with CR0.EM = 1 or CR4.OSFXSR = 0, #NM with CR0.TS = 1', () => {
    expect(run(ADDPS, CR0 | 4n, CR4)).toEqual({ vector: 6, rip: at(0) });
    expect(run(ADDPS, CR0, CR4 & ~0x200n)).toEqual({ vector: 6, rip: at(0) });
    expect(run(ADDPS, CR0 | 8n, CR4)).toEqual({ vector: 7, rip: at(0) });
  });
  it('raises #NM for x87 control and FXSAVE with CR0.TS; FWAIT only with MP and TS', () => {
    expect(run([0xdb, 0xe3], CR0 | 8n, CR4)).toEqual({ vector: 7, rip: at(0) });          // FNINIT
    expect(run([0xdb, 0xe3], CR0 | 4n, CR4)).toEqual({ vector: 7, rip: at(0) });          // EM -> #NM for x87
    expect(run([0x9b], (CR0 & ~2n) | 8n, CR4)).toEqual({ vector: 6, rip: at(1) });        // TS without MP: runs
    expect(run([0x9b], CR0 | 8n, CR4)).toEqual({ vector: 7, rip: at(0) });                // MP and TS: #NM
  });
  it('raises #XM for an unmasked SIMD exception with CR4.OSXMMEXCPT, else #UD', () => {
    expect(run(DIVPS, CR0, CR4, 0x1f00)).toEqual({ vector: 19, rip: at(0) });
    expect(run(DIVPS, CR0, CR4 & ~0x400n, 0x1f00)).toEqual({ vector: 6, rip: at(0) });
    expect(run(DIVPS, CR0, CR4, 0x1f80)).toEqual({ vector: 6, rip: at(3) });             // masked: completes
  });
  it('CLTS clears CR0.TS at CPL 0 and raises #GP(0) at CPL 3', () => {
    expect(run([0x0f, 0x06], CR0 | 8n, CR4)).toEqual({ vector: 13, rip: at(0) });
    expect(run([0x0f, 0x06, ...ADDPS], CR0 | 8n, CR4, 0x1f80, true)).toEqual({ vector: 6, rip: at(5) });
    expect(m.get64('CPU_OFF_CR0') & 8n).toBe(0n);
  });
});
