// test/core/cpu/fastpath.test.ts — the run loop's fast paths (core-wasm/assembly/cpu/fastops.ts)
// must behave exactly like the generic handlers. The differential test (test/diff) compares the
// generic handlers with the real CPU, but it starts every case with an empty TLB, so the fast
// paths that need a TLB hit (loads, stores, compares with memory, PUSH/POP) never run there. Here
// each case of the forms with fast paths runs twice on one machine: first with an empty TLB (the
// fast path declines, the generic handler runs), then again with the TLB it left (the fast path
// runs); everything the differential test compares must be equal.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCore, TestMachine, GPR_NAMES } from '../../diff/core.js';
import { enumerateForms, loadRows, makeCase, caseData, Rng } from '../../diff/cases.js';

const FAST = /^(MOV|ADD|OR|AND|SUB|XOR|CMP|TEST|LEA|MOVZX|PUSH|POP|J(?!MP|rCXZ)[A-Z]+) /;
let m: TestMachine;

beforeAll(() => { m = new TestMachine(process.env.WASMVIRT_CORE_WASM ?? buildCore(1)); }, 900_000);

describe('fast paths with a warm TLB', () => {
  it('give the same results as the generic handlers', () => {
    const forms = enumerateForms(loadRows()).forms.filter((f) => f.mode === 64 && FAST.test(f.name) && f.size >= 32);
    expect(forms.length).toBeGreaterThan(100);
    const rng = new Rng(7);
    const bad: string[] = [];
    let mem = 0;
    for (const f of forms) {
      for (let i = 0; i < 8; i++) {
        const c = makeCase(f, rng, i);
        const run = (warm: boolean) => m.runCase(false, c.code, caseData(c), c.regs, c.rflags, 1000, warm);
        const cold = run(false);
        const warm = run(true);
        if (f.mem) mem++;
        const diffs: string[] = [];
        for (const k of ['exit', 'vector', 'error', 'cr2', 'rip', 'rflags'] as const) {
          const mask = k === 'rflags' ? ~c.undefMask : -1n;
          const a = typeof cold[k] === 'bigint' ? (cold[k] as bigint) & mask : cold[k];
          const b = typeof warm[k] === 'bigint' ? (warm[k] as bigint) & mask : warm[k];
          if (a !== b) diffs.push(`${k} ${a} vs ${b}`);
        }
        cold.regs.forEach((v, r) => { if (v !== warm.regs[r]) diffs.push(`${GPR_NAMES[r]} ${v.toString(16)} vs ${warm.regs[r].toString(16)}`); });
        const at = cold.data.findIndex((v, j) => v !== warm.data[j]);
        if (at >= 0) diffs.push(`data[${at.toString(16)}]`);
        if (diffs.length) bad.push(`${f.name} [${Buffer.from(c.code).toString('hex')}]: ${diffs.join('; ')}`);
      }
    }
    expect(mem).toBeGreaterThan(200);
    expect(bad.slice(0, 10)).toEqual([]);
  }, 600_000);
});
