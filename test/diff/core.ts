// test/diff/core.ts — the core side of the differential test: builds core.wasm (asc, into a temp
// dir, cached by source mtime), instantiates it on a shared memory, and provides a minimal
// machine: one VM (hv pool + RAM slot + EPT), one CPU in 64-bit long mode at CPL 3 with page
// tables mapping the same code and data pages as test/diff/runner.c, and exceptions handed back
// to the harness (CPU_OFF_EXC_EXIT) instead of being delivered.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CODE_ADDR = 0x1000_0000;
export const DATA_ADDR = 0x2000_0000;
export const DATA_SIZE = 0x2000;

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Path of a core.wasm built from the current sources (optimize: asc -O level). */
export function buildCore(optimize = 3): string {
  const src = join(ROOT, 'core-wasm', 'assembly');
  const release = join(ROOT, 'build', 'core.wasm');
  const newest = newestMtime(src);
  if (optimize === 3 && existsSync(release) && statSync(release).mtimeMs > newest) return release;
  const dir = join(ROOT, 'build', 'diff-core'); // per checkout: worktrees must not share builds
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `core-O${optimize}.wasm`);
  const stamp = `${out}.stamp`; // the newest source mtime the build saw (sources may change during a build)
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === String(newest)) return out;
  execFileSync(join(ROOT, 'node_modules', '.bin', 'asc'), [
    join(src, 'index.ts'), '--runtime', 'stub', '--importMemory', '--sharedMemory', '--initialMemory', '32',
    '--maximumMemory', '65536', '--enable', 'threads,simd', `-O${optimize}`, '--noAssert', '-o', out,
  ], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(stamp, String(newest));
  return out;
}

type Exports = Record<string, any>;

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

export interface CpuResult {
  exit: number; vector: number; error: number; cr2: bigint; rip: bigint; rflags: bigint; regs: bigint[]; data: Uint8Array;
}

/** A VM with guest RAM at gpa 0 and a CPU block; paging tables for the test layout. */
export class TestMachine {
  readonly x: Exports;
  readonly mem: WebAssembly.Memory;
  readonly vm: number;
  readonly cpu: number;
  private off: Record<string, number> = {};
  static readonly RAM = 16 << 20;
  static readonly CODE_GPA = 0x10_0000;
  static readonly DATA_GPA = 0x11_0000;

  constructor(wasmPath: string) {
    this.mem = new WebAssembly.Memory({ initial: 1024, maximum: 65536, shared: true });
    const start = process.hrtime.bigint();
    const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
      env: { memory: this.mem, hostMonotonicNs: () => Number(process.hrtime.bigint() - start) },
    });
    this.x = inst.exports as Exports;
    for (const [k, v] of Object.entries(this.x)) if (k.startsWith('CPU_OFF_') || k.startsWith('SEG_')) this.off[k] = Number((v as WebAssembly.Global).value);
    const base = (Number(this.x.core_heap_base()) + 0xffff) & ~0xffff;
    const pool = this.x.pool_init(base, 1024 * 65536);
    this.vm = this.x.vm_create(pool);
    if (!this.vm) throw new Error('vm_create failed');
    const r = this.x.vm_set_user_memory_region(this.vm, 0, 0, TestMachine.RAM, 1);
    if (r !== 0) throw new Error(`vm_set_user_memory_region: ${r}`);
    const size = Number(this.x.cpu_state_size());
    this.cpu = this.x.pool_alloc(pool, Math.ceil(size / 4096));
    if (!this.cpu) throw new Error('pool_alloc for the CPU block failed');
    this.x.cpu_init(this.cpu, this.vm, 0);
    this.buildPageTables();
  }

  o(name: string): number {
    const v = this.off[name];
    if (v === undefined) throw new Error(`core does not export ${name}`);
    return v;
  }

  /** Host byte address of guest-physical `gpa` (the page is allocated on first touch). */
  host(gpa: number): number {
    const h = Number(this.x.ept_translate(this.vm, gpa, 2 | 0x100));
    if (h < 0) throw new Error(`ept_translate(${gpa.toString(16)}) = ${h}`);
    return h;
  }

  writePhys(gpa: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length;) {
      const n = Math.min(bytes.length - i, 4096 - ((gpa + i) & 4095));
      new Uint8Array(this.mem.buffer, this.host(gpa + i), n).set(bytes.subarray(i, i + n));
      i += n;
    }
  }

  readPhys(gpa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len;) {
      const n = Math.min(len - i, 4096 - ((gpa + i) & 4095));
      out.set(new Uint8Array(this.mem.buffer, this.host(gpa + i), n), i);
      i += n;
    }
    return out;
  }

  private write64(gpa: number, v: bigint): void {
    new DataView(this.mem.buffer).setBigUint64(this.host(gpa), v, true);
  }

  /** 4-level tables at gpa 0x1000..: code VA -> CODE_GPA (2 pages), data VA -> DATA_GPA (2 pages). */
  private buildPageTables(): void {
    const U = 7n; // present, writable, user
    this.write64(0x1000, 0x2000n | U);                          // PML4[0] -> PDPT
    this.write64(0x2000, 0x3000n | U);                          // PDPT[0] -> PD
    this.write64(0x3000 + 8 * 128, 0x4000n | U);                // PD[128] (0x10000000) -> PT
    this.write64(0x3000 + 8 * 256, 0x5000n | U);                // PD[256] (0x20000000) -> PT
    for (let i = 0; i < 2; i++) {
      this.write64(0x4000 + 8 * i, BigInt(TestMachine.CODE_GPA + i * 4096) | U);
      this.write64(0x5000 + 8 * i, BigInt(TestMachine.DATA_GPA + i * 4096) | U | (1n << 63n)); // data: no execute, as runner.c's mapping
    }
  }

  setSeg(seg: number, selector: number, attr: number, base = 0n, limit = 0xffffffff): void {
    const s = this.cpu + this.o('CPU_OFF_SEG') + seg * 16;
    const dv = new DataView(this.mem.buffer);
    dv.setUint16(s, selector, true);
    dv.setUint16(s + 2, attr, true);
    dv.setUint32(s + 4, limit, true);
    dv.setBigUint64(s + 8, base, true);
  }

  set64(off: string, v: bigint): void { new DataView(this.mem.buffer).setBigUint64(this.cpu + this.o(off), v, true); }
  get64(off: string): bigint { return new DataView(this.mem.buffer).getBigUint64(this.cpu + this.o(off), true); }
  set32(off: string, v: number): void { new DataView(this.mem.buffer).setInt32(this.cpu + this.o(off), v, true); }
  get32(off: string): number { return new DataView(this.mem.buffer).getInt32(this.cpu + this.o(off), true); }

  /** User mode, long mode; compat = 32-bit code segment (selector 0x23) instead of 64-bit (0x33). */
  enterUserMode(compat: boolean): void {
    this.set64('CPU_OFF_CR0', 0x80050033n);
    this.set64('CPU_OFF_CR4', 0x6a0n);
    this.set64('CPU_OFF_EFER', 0xd01n);
    this.set64('CPU_OFF_CR3', 0x1000n);
    this.setSeg(1, compat ? 0x23 : 0x33, compat ? 0xc0fb : 0x20fb);
    for (const s of [0, 2, 3]) this.setSeg(s, 0x2b, 0xc0f3);
    this.setSeg(4, 0, 0xc0f3); this.setSeg(5, 0, 0xc0f3);
    this.set32('CPU_OFF_EXC_EXIT', 1);
    this.x.cpu_update_mode(this.cpu);
  }

  /** Runs one case; `warm` keeps the mode and the TLB of the previous case (same mode) instead of
   *  resetting them, so memory accesses can take the TLB-hit paths. */
  runCase(compat: boolean, code: Uint8Array, data: Uint8Array, regs: bigint[], rflags: bigint, budget = 1000, warm = false): CpuResult {
    const codeFull = new Uint8Array(0x2000);
    codeFull.set(code);
    this.writePhys(TestMachine.CODE_GPA, codeFull);
    this.writePhys(TestMachine.DATA_GPA, data);
    if (!warm) this.enterUserMode(compat);
    const base = this.o('CPU_OFF_RAX');
    const dv = new DataView(this.mem.buffer);
    regs.forEach((v, i) => dv.setBigUint64(this.cpu + base + i * 8, v, true));
    this.set64('CPU_OFF_RIP', BigInt(CODE_ADDR));
    this.set32('CPU_OFF_LF_OP', 0);
    this.set64('CPU_OFF_RFLAGS', rflags | 2n);
    this.set32('CPU_OFF_HALTED', 0);
    const exit = this.x.cpu_execute(this.cpu, BigInt(budget));
    return {
      exit,
      vector: this.get32('CPU_OFF_EXIT_INFO'),
      error: Number(BigInt.asIntN(64, this.get64('CPU_OFF_EXIT_DATA'))),
      cr2: this.get64('CPU_OFF_CR2'),
      rip: this.get64('CPU_OFF_RIP'),
      rflags: this.rflags(),
      regs: GPR_NAMES.map((_, i) => dv.getBigUint64(this.cpu + base + i * 8, true)),
      data: this.readPhys(TestMachine.DATA_GPA, DATA_SIZE),
    };
  }

  /** RFLAGS with lazy flags computed: reads it through the core's own accessor. */
  rflags(): bigint { return BigInt.asUintN(64, BigInt(this.x.cpu_get_rflags(this.cpu))); }
}

/** Identity-maps the first `mb` MiB with 2 MiB pages (tables at gpa 0x8000..) and enters 64-bit
 *  mode at CPL 0 — a flat machine for whole programs (bench/cpu.ts, test/core/cpu). */
export function enterFlat64(m: TestMachine, mb: number, user = false): void {
  const dv = () => new DataView(m.mem.buffer);
  const w64 = (gpa: number, v: bigint) => dv().setBigUint64(m.host(gpa), v, true);
  const u = user ? 4n : 0n;
  w64(0x8000, 0x9000n | 3n | u);
  w64(0x9000, 0xa000n | 3n | u);
  for (let i = 0; i < mb / 2; i++) w64(0xa000 + 8 * i, BigInt(i) * 0x20_0000n | 0x83n | u);
  m.set64('CPU_OFF_CR0', 0x80050033n);
  m.set64('CPU_OFF_CR4', 0x6a0n);
  m.set64('CPU_OFF_EFER', 0xd01n);
  m.set64('CPU_OFF_CR3', 0x8000n);
  m.setSeg(1, 0x08, 0x209b);
  for (const s of [0, 2, 3, 4, 5]) m.setSeg(s, 0x10, 0xc093);
  m.set32('CPU_OFF_EXC_EXIT', 1);
  m.x.cpu_update_mode(m.cpu);
}

/** Loads the PT_LOAD segments of an ELF64 executable at their physical = virtual addresses. */
export function loadElf(m: TestMachine, elf: Uint8Array): bigint {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46 || elf[4] !== 2) throw new Error('loadElf: not an ELF64 file');
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== 1) continue;
    const off = Number(dv.getBigUint64(p + 8, true));
    const vaddr = Number(dv.getBigUint64(p + 16, true));
    const filesz = Number(dv.getBigUint64(p + 32, true));
    const memsz = Number(dv.getBigUint64(p + 40, true));
    const img = new Uint8Array(memsz);
    img.set(elf.subarray(off, off + filesz));
    m.writePhys(vaddr, img);
  }
  return dv.getBigUint64(24, true);
}
