// test/core/cpu/string.test.ts — REP MOVS and REP STOS (core-wasm/assembly/cpu/ops/string.ts and
// its bulk path cpu/ops/stringfast.ts) against a model of the SDM's element-by-element definition
// (vol. 2B MOVS/STOS; vol. 1 7.3.9): copies and fills across page ends with every element size
// and alignment, overlapping copies (a destination one byte ahead replicates the byte, as on
// hardware), a page fault part-way (the completed elements stay done, the registers name the
// faulting element, RIP the instruction, and the copy resumes), MMIO (every element exits, reads
// complete by re-execution), a copy into code that already ran (the new bytes run, also inside
// the running block), a copy-on-write frame under the copy, 32-bit address-size wrap, RCX = 0,
// and long runs that stop and resume (REP slices). The machine: string64.S at 1 MiB, 64-bit
// kernel mode, 2 MiB identity pages over the 16 MiB of RAM; linear 16 MiB unmapped, 18 MiB an
// alias of gpa 4 MiB, 20 MiB an MMIO hole, and 4 GiB - 2 MiB an alias of gpa 2 MiB (for wraps).
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCore, TestMachine, enterFlat64, loadElf } from '../../diff/core.js';
import { assembleProgram } from './program.js';

const EXIT_NONE = 0;
const EXIT_MMIO = 2;
const EXIT_HLT = 3;
const EXIT_EXCEPTION = 8;
const REGS = { rax: 0, rcx: 1, rbx: 3, rsp: 4, rsi: 6, rdi: 7, r8: 8, r9: 9 } as const;
type Reg = keyof typeof REGS;

const UNMAPPED = 0x100_0000;  // linear 16 MiB: not present
const ALIAS = 0x120_0000;     // linear 18 MiB -> gpa 4 MiB
const MMIO = 0x140_0000;      // linear 20 MiB -> gpa 20 MiB, beyond RAM
const HIGH = 0xffe0_0000;     // linear 4 GiB - 2 MiB -> gpa 2 MiB
const PD = 0xa000;            // enterFlat64's page directory for linear 0..1 GiB

let m: TestMachine;
let sym: Record<string, bigint>;

interface MmioAccess { addr: number; size: number; write: boolean; data: bigint }
interface Run { exit: number; vector: number; error: number; cr2: bigint; rip: bigint; mmio: MmioAccess[] }

const dv = () => new DataView(m.mem.buffer);
function reg(r: Reg): bigint { return dv().getBigUint64(m.cpu + m.o('CPU_OFF_RAX') + REGS[r] * 8, true); }
function setReg(r: Reg, v: bigint): void { dv().setBigUint64(m.cpu + m.o('CPU_OFF_RAX') + REGS[r] * 8, v, true); }
function pde(i: number, v: bigint): void { dv().setBigUint64(m.host(PD + 8 * i), v, true); m.x.cpu_tlb_flush(m.cpu); }

/** Runs from the current RIP until HLT or an exception; MMIO writes are recorded, MMIO reads
 *  answered by `read`. `budget` instructions per cpu_execute call; `calls` limits the calls. */
function resume(read: (addr: number, size: number) => bigint = () => 0n, budget = 1_000_000n, calls = 1_000_000): Run {
  const mmio: MmioAccess[] = [];
  let exit = EXIT_NONE;
  for (let i = 0; i < calls; i++) {
    exit = m.x.cpu_execute(m.cpu, budget) as number;
    if (exit !== EXIT_MMIO) { if (exit === EXIT_NONE) continue; break; }
    const addr = Number(m.get64('CPU_OFF_EXIT_ADDR'));
    const size = m.get32('CPU_OFF_EXIT_SIZE');
    const write = m.get32('CPU_OFF_EXIT_DIRECTION') === 1;
    if (write) mmio.push({ addr, size, write, data: m.get64('CPU_OFF_EXIT_DATA') });
    else { const data = read(addr, size); mmio.push({ addr, size, write, data }); m.x.cpu_complete_io(m.cpu, data); }
  }
  return { exit, vector: m.get32('CPU_OFF_EXIT_INFO'), error: Number(m.get64('CPU_OFF_EXIT_DATA')), cr2: m.get64('CPU_OFF_CR2'),
    rip: m.get64('CPU_OFF_RIP'), mmio };
}

function start(entry: string, regs: Partial<Record<Reg, bigint>>, rflags = 2n): void {
  for (const r of Object.keys(REGS) as Reg[]) setReg(r, regs[r] ?? (r === 'rsp' ? 0x8_0000n : 0n));
  m.set64('CPU_OFF_RIP', sym[entry]!);
  m.x.cpu_set_rflags(m.cpu, rflags);
  m.set32('CPU_OFF_HALTED', 0);
}

function run(entry: string, regs: Partial<Record<Reg, bigint>>, read?: (addr: number, size: number) => bigint): Run {
  start(entry, regs);
  return resume(read);
}

const after = (entry: string) => sym[entry]! + (entry.startsWith('a32') ? 3n : entry.endsWith('w') || entry.endsWith('q') ? 3n : 2n) + 1n;

/** xorshift: deterministic random bytes and numbers. */
let seed = 0x1234_5678;
function rnd(n: number): number {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}
function randomBytes(n: number): Uint8Array { return Uint8Array.from({ length: n }, () => rnd(256)); }

/** The SDM's REP MOVS going forward, element by element, over a copy of [base, base + mem.length). */
function modelMovs(mem: Uint8Array, base: number, src: number, dst: number, count: number, size: number): void {
  for (let k = 0; k < count; k++) {
    const el = mem.slice(src - base + k * size, src - base + (k + 1) * size);
    mem.set(el, dst - base + k * size);
  }
}

beforeAll(() => {
  const prog = assembleProgram('string64.S');
  sym = prog.sym;
  m = new TestMachine(buildCore(1));
  loadElf(m, prog.elf);
  enterFlat64(m, 16);
  pde(9, 0x40_0000n | 0x83n);
  pde(10, BigInt(MMIO) | 0x83n);
  dv().setBigUint64(m.host(0x9000 + 8 * 3), 0xb000n | 3n, true);         // PDPT[3] -> PD at 0xb000
  dv().setBigUint64(m.host(0xb000 + 8 * 511), 0x20_0000n | 0x83n, true); // 4 GiB - 2 MiB -> gpa 2 MiB
  m.x.cpu_tlb_flush(m.cpu);
}, 600_000);

describe('REP MOVS / REP STOS going forward', () => {
  it('copy like the element-by-element model across page ends, every size and alignment, overlapping or not', () => {
    const base = 0x30_0000;
    const span = 0x4000;
    const bad: string[] = [];
    for (let i = 0; i < 400; i++) {
      const size = [1, 2, 4, 8][i & 3]!;
      const src = base + rnd(span - 0x100);
      const near = rnd(3);
      const dst = near === 0 ? base + rnd(span - 0x100)
        : Math.min(Math.max(base, src + (near === 1 ? 1 + rnd(24) : -1 - rnd(24))), base + span - 0x100);
      const count = rnd(Math.floor((base + span - Math.max(src, dst)) / size) + 1);
      const init = randomBytes(span);
      m.writePhys(base, init);
      const want = init.slice();
      modelMovs(want, base, src, dst, count, size);
      const entry = `movs${'bwdq'[Math.log2(size)]}`;
      const r = run(entry, { rsi: BigInt(src), rdi: BigInt(dst), rcx: BigInt(count) });
      const got = m.readPhys(base, span);
      const at = got.findIndex((v, j) => v !== want[j]);
      const regs = [reg('rsi') - BigInt(src + count * size), reg('rdi') - BigInt(dst + count * size), reg('rcx')];
      if (r.exit !== EXIT_HLT || at >= 0 || regs.some((v) => v !== 0n) || r.rip !== after(entry)) {
        bad.push(`${entry} src ${src.toString(16)} dst ${dst.toString(16)} count ${count}: exit ${r.exit}, first difference ${at}, regs ${regs}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('fill like the model across page ends, every size and alignment, byte-uniform or not', () => {
    const base = 0x30_0000;
    const span = 0x4000;
    const bad: string[] = [];
    for (let i = 0; i < 200; i++) {
      const size = [1, 2, 4, 8][i & 3]!;
      const dst = base + rnd(span - 0x100);
      const count = rnd(Math.floor((base + span - dst) / size) + 1);
      const value = i & 4 ? 0x0101_0101_0101_0101n * BigInt(rnd(256)) : (BigInt(rnd(0x1_0000_0000)) << 32n) | BigInt(rnd(0x1_0000_0000));
      const init = randomBytes(span);
      m.writePhys(base, init);
      const want = init.slice();
      for (let k = 0; k < count; k++) for (let b = 0; b < size; b++) want[dst - base + k * size + b] = Number((value >> BigInt(8 * b)) & 0xffn);
      const entry = `stos${'bwdq'[Math.log2(size)]}`;
      const r = run(entry, { rax: value, rdi: BigInt(dst), rcx: BigInt(count) });
      const got = m.readPhys(base, span);
      const at = got.findIndex((v, j) => v !== want[j]);
      if (r.exit !== EXIT_HLT || at >= 0 || reg('rdi') !== BigInt(dst + count * size) || reg('rcx') !== 0n) {
        bad.push(`${entry} dst ${dst.toString(16)} count ${count} value ${value.toString(16)}: exit ${r.exit}, first difference ${at}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('a destination one byte ahead of the source replicates the byte (element semantics, not memmove)', () => {
    m.writePhys(0x30_0ff0, Uint8Array.from([0xab, 1, 2, 3, 4, 5, 6, 7]));
    expect(run('movsb', { rsi: 0x30_0ff0n, rdi: 0x30_0ff1n, rcx: 0x2000n }).exit).toBe(EXIT_HLT);
    expect(m.readPhys(0x30_0ff0, 0x2001).every((b) => b === 0xab)).toBe(true);
    // MOVSQ eight bytes ahead: each quadword repeats the first
    m.writePhys(0x30_0000, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]));
    expect(run('movsq', { rsi: 0x30_0000n, rdi: 0x30_0008n, rcx: 1000n }).exit).toBe(EXIT_HLT);
    const q = m.readPhys(0x30_0000, 8 * 1001);
    expect(q.every((b, i) => b === (i % 8) + 1)).toBe(true);
  });

  it('RCX = 0 does nothing, and with a 32-bit address size only ECX counts', () => {
    m.writePhys(0x30_0000, new Uint8Array(16));
    m.writePhys(0x30_1000, Uint8Array.from({ length: 16 }, (_, i) => i + 1));
    let r = run('movsb', { rsi: 0x30_1000n, rdi: 0x30_0000n, rcx: 0n });
    expect([r.exit, r.rip, reg('rsi'), reg('rdi'), reg('rcx')]).toEqual([EXIT_HLT, after('movsb'), 0x30_1000n, 0x30_0000n, 0n]);
    r = run('a32_movsb', { rsi: 0x30_1000n, rdi: 0x30_0000n, rcx: 0x1_0000_0000n });
    expect([r.exit, reg('rsi'), reg('rdi'), reg('rcx')]).toEqual([EXIT_HLT, 0x30_1000n, 0x30_0000n, 0x1_0000_0000n]);
    expect(m.readPhys(0x30_0000, 16).every((b) => b === 0)).toBe(true);
  });

  it('a 32-bit address size wraps ESI/EDI at 4 GiB and zero-extends them', () => {
    const hi = Uint8Array.from([0xa1, 0xa2]);
    m.writePhys(0x3f_fffe, hi);
    const lo = m.readPhys(0, 2);
    const r = run('a32_movsb', { rsi: 0x1234_5678_ffff_fffen, rdi: 0x30_0200n, rcx: 4n });
    expect(r.exit).toBe(EXIT_HLT);
    expect([...m.readPhys(0x30_0200, 4)]).toEqual([...hi, ...lo]);
    expect([reg('rsi'), reg('rdi'), reg('rcx')]).toEqual([2n, 0x30_0204n, 0n]);
    const saved = m.readPhys(0, 8);
    const r2 = run('a32_stosd', { rax: 0xdead_beefn, rdi: 0xffff_fff8n, rcx: 4n });
    expect(r2.exit).toBe(EXIT_HLT);
    const words = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer).getUint32(4 * i, true));
    expect(words(m.readPhys(0x3f_fff8, 8))).toEqual([0xdeadbeef, 0xdeadbeef]);
    expect(words(m.readPhys(0, 8))).toEqual([0xdeadbeef, 0xdeadbeef]);
    expect([reg('rdi'), reg('rcx')]).toEqual([8n, 0n]);
    m.writePhys(0, saved);
  });

  it('DF = 1 still copies backwards (the element loop)', () => {
    m.writePhys(0x30_0000, Uint8Array.from({ length: 16 }, (_, i) => i));
    expect(run('std_movsb', { rsi: 0x30_0007n, rdi: 0x30_000fn, rcx: 8n }).exit).toBe(EXIT_HLT);
    expect([...m.readPhys(0x30_0000, 16)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect([reg('rsi'), reg('rdi')]).toEqual([0x2f_ffffn, 0x30_0007n]);
  });
});

describe('faults, MMIO and self-modifying code', () => {
  it('a page fault part-way leaves the completed elements done and the registers at the faulting element', () => {
    const init = randomBytes(0x3000);
    m.writePhys(UNMAPPED - 0x2000, init.subarray(0, 0x2000));
    m.writePhys(0x60_0000, init.subarray(0x2000));       // what linear 16 MiB will map to
    m.writePhys(0x50_0000, new Uint8Array(0x3000));
    const r = run('movsb', { rsi: BigInt(UNMAPPED - 0x2000), rdi: 0x50_0000n, rcx: 0x3000n });
    expect([r.exit, r.vector, r.error, r.cr2, r.rip]).toEqual([EXIT_EXCEPTION, 14, 0, BigInt(UNMAPPED), sym.movsb]);
    expect([reg('rsi'), reg('rdi'), reg('rcx')]).toEqual([BigInt(UNMAPPED), 0x50_2000n, 0x1000n]);
    expect(m.readPhys(0x50_0000, 0x3000)).toEqual(Uint8Array.from([...init.subarray(0, 0x2000), ...new Uint8Array(0x1000)]));
    // map the page (as a #PF handler would) and resume at the instruction
    pde(8, 0x60_0000n | 0x83n);
    const r2 = resume();
    pde(8, 0n);
    expect(r2.exit).toBe(EXIT_HLT);
    expect(m.readPhys(0x50_0000, 0x3000)).toEqual(init);
    expect(reg('rcx')).toBe(0n);
  });

  it('a write fault names the element: a whole one before the page end, or one that crosses it', () => {
    let r = run('stosd', { rax: 0x1122_3344n, rdi: BigInt(UNMAPPED - 16), rcx: 8n });
    expect([r.exit, r.vector, r.error, r.cr2, r.rip]).toEqual([EXIT_EXCEPTION, 14, 2, BigInt(UNMAPPED), sym.stosd]);
    expect([reg('rdi'), reg('rcx')]).toEqual([BigInt(UNMAPPED), 4n]);
    m.writePhys(UNMAPPED - 4, new Uint8Array(4));
    r = run('stosd', { rax: 0x1122_3344n, rdi: BigInt(UNMAPPED - 2), rcx: 2n });
    expect([r.exit, r.vector, r.error, r.cr2]).toEqual([EXIT_EXCEPTION, 14, 2, BigInt(UNMAPPED)]);
    expect([reg('rdi'), reg('rcx')]).toEqual([BigInt(UNMAPPED - 2), 2n]);
    expect([...m.readPhys(UNMAPPED - 4, 4)]).toEqual([0, 0, 0, 0]); // nothing of the crossing element
  });

  it('a copy into MMIO exits once per element, after the RAM part went in bulk', () => {
    m.writePhys(0x30_0000, Uint8Array.from([0x11, 0x22, 0x33, 0x44]));
    let r = run('movsb', { rsi: 0x30_0000n, rdi: BigInt(MMIO), rcx: 4n });
    expect(r.exit).toBe(EXIT_HLT);
    expect(r.mmio).toEqual([0x11n, 0x22n, 0x33n, 0x44n].map((data, i) => ({ addr: MMIO + i, size: 1, write: true, data })));
    // STOSD from the RAM alias at 18 MiB (gpa 6 MiB - 8) on into the MMIO hole at 20 MiB
    m.writePhys(0x60_0000 - 8, new Uint8Array(8));
    r = run('stosd', { rax: 0xdead_beefn, rdi: BigInt(MMIO - 8), rcx: 4n });
    expect(r.exit).toBe(EXIT_HLT);
    expect(r.mmio).toEqual([0, 4].map((o) => ({ addr: MMIO + o, size: 4, write: true, data: 0xdead_beefn })));
    expect([...m.readPhys(0x60_0000 - 8, 8)]).toEqual([0xef, 0xbe, 0xad, 0xde, 0xef, 0xbe, 0xad, 0xde]);
    expect([reg('rdi'), reg('rcx')]).toEqual([BigInt(MMIO + 8), 0n]);
  });

  it('a copy from MMIO reads each element through the VMM', () => {
    m.writePhys(0x30_0100, new Uint8Array(8));
    const r = run('movsw', { rsi: BigInt(MMIO + 0x10), rdi: 0x30_0100n, rcx: 3n }, (addr) => BigInt(0x1000 + addr - MMIO));
    expect(r.exit).toBe(EXIT_HLT);
    expect(r.mmio.map((a) => [a.addr - MMIO, a.size, a.write])).toEqual([[0x10, 2, false], [0x12, 2, false], [0x14, 2, false]]);
    expect([...m.readPhys(0x30_0100, 8)]).toEqual([0x10, 0x10, 0x12, 0x10, 0x14, 0x10, 0, 0]);
  });

  it('code that already ran and is then overwritten by REP MOVSB runs with its new bytes', () => {
    m.writePhys(0x30_0000, Uint8Array.from([2, 0, 0, 0]));
    const r = run('smc', { rsi: 0x30_0000n });
    expect(r.exit).toBe(EXIT_HLT);
    expect([reg('rbx'), reg('rax')]).toEqual([1n, 2n]);
    m.writePhys(Number(sym.smc_imm), Uint8Array.from([1, 0, 0, 0]));
  });

  it('REP MOVSB that rewrites its own running block: the next pass runs the new bytes', () => {
    m.writePhys(0x30_0000, Uint8Array.from([5, 0, 0, 0]));
    const r = run('smc_self', { r8: 0x30_0000n, r9: 3n });
    expect(r.exit).toBe(EXIT_HLT);
    expect(reg('rbx')).toBe(1n + 5n + 5n);
    m.writePhys(Number(sym.smc_self_imm), Uint8Array.from([1, 0, 0, 0]));
  });

  it('a write that copies a shared (COW) frame is read back through the new frame', () => {
    // gpa 0x402000 shares the frame of gpa 0x401000; the copy reads linear 0x402000 and writes
    // one byte ahead through the alias at 18 MiB (the same gpa page): the first write copies
    // the frame, and every later byte must come from the copy (replication), not the old frame
    m.writePhys(0x40_1000, Uint8Array.from({ length: 0x1000 }, (_, i) => (i * 7 + 3) & 0xff));
    expect(m.x.ept_share_page(m.vm, 0x40_1000, m.vm, 0x40_2000)).toBe(0);
    m.x.cpu_tlb_flush(m.cpu);
    const cows = m.x.vm_cow_copies(m.vm) as number;
    const r = run('movsb', { rsi: 0x40_2000n, rdi: BigInt(ALIAS + 0x2001), rcx: 0x800n });
    expect(r.exit).toBe(EXIT_HLT);
    expect(m.x.vm_cow_copies(m.vm)).toBe(cows + 1);
    expect(m.readPhys(0x40_2000, 0x801).every((b) => b === 3)).toBe(true);
    expect(m.readPhys(0x40_1000, 0x1000)).toEqual(Uint8Array.from({ length: 0x1000 }, (_, i) => (i * 7 + 3) & 0xff));
  });

  it('long runs stop after a slice with RIP at the instruction and resume to the same result', () => {
    const init = randomBytes(0x4_0000);
    m.writePhys(0x70_0000, init);
    start('movsb', { rsi: 0x70_0000n, rdi: 0x80_0000n, rcx: 0x4_0000n });
    expect(m.x.cpu_execute(m.cpu, 1n)).toBe(EXIT_NONE);
    expect(m.get64('CPU_OFF_RIP')).toBe(sym.movsb);
    const left = reg('rcx');
    expect(left > 0n && left < 0x4_0000n).toBe(true);
    expect(reg('rsi')).toBe(0x70_0000n + 0x4_0000n - left);
    expect(resume().exit).toBe(EXIT_HLT);
    expect(m.readPhys(0x80_0000, 0x4_0000)).toEqual(init);
  });
});
