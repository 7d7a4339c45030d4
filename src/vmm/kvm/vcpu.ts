// vcpu.ts — a vCPU handle (KVM's vCPU file descriptor): run() with the exit decoded from kvm_run,
// completion of IO/MMIO reads, KVM_GET/SET_REGS, SREGS, FPU (FXSAVE image) and MSRs, kicks,
// the doorbell wait after a HLT exit, and the exit counters (kvm_stat).
// Invariants: all offsets come from the core's exported constants (RUN_OFF_*, CPU_OFF_*); an IN
// or MMIO read must be completed (completeIo / completeMmio) before the next run(), or it reads
// as all-ones, the way an unclaimed bus reads.

import { coreConst, ptr } from './exports.js';
import type { Vm } from './vm.js';

export type VcpuExit =
  | { reason: 'io'; direction: 'in' | 'out'; port: number; size: number; count: number; data: number }
  | { reason: 'mmio'; address: number; length: number; isWrite: boolean; data: bigint }
  | { reason: 'hlt'; interruptsEnabled: boolean; waitNs: number | null; deadlineNs: number | null }
  | { reason: 'shutdown' }
  | { reason: 'intr' }
  | { reason: 'debug' }
  | { reason: 'exception'; vector: number }
  | { reason: 'internal-error'; suberror: number; explanation: string; rip: number; bytes: Uint8Array }
  | { reason: 'unknown'; code: number };

export interface Regs {
  rax: bigint; rcx: bigint; rdx: bigint; rbx: bigint; rsp: bigint; rbp: bigint; rsi: bigint; rdi: bigint;
  r8: bigint; r9: bigint; r10: bigint; r11: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint;
  rip: bigint; rflags: bigint;
}
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

export interface Segment { selector: number; base: bigint; limit: number; attr: number }
export interface Sregs {
  es: Segment; cs: Segment; ss: Segment; ds: Segment; fs: Segment; gs: Segment; ldt: Segment; tr: Segment;
  gdt: { base: bigint; limit: number }; idt: { base: bigint; limit: number };
  cr0: bigint; cr2: bigint; cr3: bigint; cr4: bigint; cr8: bigint; efer: bigint; apicBase: bigint;
}
const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldt', 'tr'] as const;

const EXIT_NAMES: Record<number, VcpuExit['reason']> = {
  1: 'exception', 2: 'io', 4: 'debug', 5: 'hlt', 6: 'mmio', 8: 'shutdown', 10: 'intr', 17: 'internal-error',
};
const NO_DEADLINE = 0xffffffffffffffffn;

// MSR number -> CPU state offset name (the MSRs the CPU keeps in its block)
const MSR_OFFSETS: Record<number, string> = {
  0x174: 'CPU_OFF_SYSENTER_CS', 0x175: 'CPU_OFF_SYSENTER_ESP', 0x176: 'CPU_OFF_SYSENTER_EIP',
  0x1a0: 'CPU_OFF_MISC_ENABLE', 0x277: 'CPU_OFF_PAT', 0xc0000080: 'CPU_OFF_EFER',
  0xc0000081: 'CPU_OFF_STAR', 0xc0000082: 'CPU_OFF_LSTAR', 0xc0000083: 'CPU_OFF_CSTAR',
  0xc0000084: 'CPU_OFF_SFMASK', 0xc0000102: 'CPU_OFF_KERNEL_GS_BASE', 0xc0000103: 'CPU_OFF_TSC_AUX',
};

export class Vcpu {
  private doorbellSeen = 0;

  constructor(readonly vm: Vm, readonly pointer: number, readonly index: number) {}

  private get core() { return this.vm.kvm.core; }
  private c(name: string): number { return coreConst(this.core, name); }
  private view(): DataView { return new DataView(this.vm.kvm.memory.buffer); }
  /** The CPU state block's address. */
  get cpu(): number { return ptr(this.core.vcpu_cpu(this.pointer)); }

  /** KVM_RUN: runs at most `budget` instructions; returns the decoded exit. */
  run(budget = 10_000_000): VcpuExit {
    this.doorbellSeen = Atomics.load(this.doorbell(), 0);
    const code = this.core.run(this.pointer, budget);
    return this.decodeExit(code);
  }

  /** Instructions retired during the last run(). */
  lastRunInstructions(): number {
    return Number(this.view().getBigUint64(this.pointer + this.c('RUN_OFF_INSTRUCTIONS'), true));
  }

  private decodeExit(code: number): VcpuExit {
    const v = this.view();
    const p = this.pointer;
    const u32 = (name: string) => v.getUint32(p + this.c(name), true);
    const u64 = (name: string) => v.getBigUint64(p + this.c(name), true);
    switch (EXIT_NAMES[code]) {
      case 'io':
        return { reason: 'io', direction: u32('RUN_OFF_IO_DIRECTION') ? 'out' : 'in', port: u32('RUN_OFF_IO_PORT'),
          size: u32('RUN_OFF_IO_SIZE'), count: u32('RUN_OFF_IO_COUNT'), data: Number(u64('RUN_OFF_IO_DATA') & 0xffffffffn) };
      case 'mmio':
        return { reason: 'mmio', address: Number(u64('RUN_OFF_MMIO_ADDR')), length: u32('RUN_OFF_MMIO_LEN'),
          isWrite: u32('RUN_OFF_MMIO_IS_WRITE') !== 0, data: u64('RUN_OFF_MMIO_DATA') };
      case 'hlt': {
        const wait = u64('RUN_OFF_HLT_WAIT_NS');
        const deadline = u64('RUN_OFF_HLT_DEADLINE_NS');
        return { reason: 'hlt', interruptsEnabled: u32('RUN_OFF_READY_FOR_INTERRUPT') !== 0,
          waitNs: wait === NO_DEADLINE ? null : Number(wait), deadlineNs: deadline === NO_DEADLINE ? null : Number(deadline) };
      }
      case 'internal-error': {
        const suberror = u32('RUN_OFF_SUBERROR');
        const rip = Number(u64('RUN_OFF_RIP'));
        const bytes = new Uint8Array(this.vm.kvm.memory.buffer.slice(p + this.c('RUN_OFF_INSN_BYTES'), p + this.c('RUN_OFF_INSN_BYTES') + 16));
        return { reason: 'internal-error', suberror, rip, bytes, explanation: this.explain(suberror, rip, bytes) };
      }
      case 'exception': return { reason: 'exception', vector: u32('RUN_OFF_INFO') };
      case 'shutdown': return { reason: 'shutdown' };
      case 'intr': return { reason: 'intr' };
      case 'debug': return { reason: 'debug' };
      default: return { reason: 'unknown', code };
    }
  }

  private explain(suberror: number, rip: number, bytes: Uint8Array): string {
    if (suberror === this.c('INTERNAL_ERROR_HOST_OOM')) {
      const gpa = this.view().getBigUint64(this.pointer + this.c('RUN_OFF_OOM_GPA'), true);
      const what = gpa === 0xffff_ffff_ffff_ffffn ? "the vCPU's decoded-instruction cache" : `guest-physical 0x${gpa.toString(16)}`;
      return `host out of memory: the memory pool is exhausted (${what})`;
    }
    if (suberror === this.c('INTERNAL_ERROR_NO_CPU')) return 'vCPU has no CPU state';
    const hex = [...bytes.subarray(0, 15)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return `unimplemented or invalid instruction at RIP 0x${rip.toString(16)}: ${hex}`;
  }

  /** Data for the IN that caused the last 'io' exit. */
  completeIo(value: number): void {
    this.view().setBigUint64(this.pointer + this.c('RUN_OFF_IO_DATA'), BigInt(value >>> 0), true);
  }

  /** Data for the MMIO read that caused the last 'mmio' exit. */
  completeMmio(value: bigint | number): void {
    this.view().setBigUint64(this.pointer + this.c('RUN_OFF_MMIO_DATA'), BigInt.asUintN(64, BigInt(value)), true);
  }

  private doorbell(): Int32Array {
    return new Int32Array(this.vm.kvm.memory.buffer, this.pointer + this.c('VCPU_OFF_DOORBELL'), 1);
  }

  /** Makes a running run() return 'intr' and wakes a waitForEvent (any thread). */
  kick(): void {
    this.core.vcpu_kick(this.pointer);
  }

  /**
   * After a 'hlt' exit: sleeps (Atomics.wait; workers only) until a kick/interrupt rings the
   * doorbell or `timeoutMs` passes. Returns true when woken by an event.
   */
  waitForEvent(timeoutMs: number): boolean {
    return Atomics.wait(this.doorbell(), 0, this.doorbellSeen, Math.max(0, timeoutMs)) !== 'timed-out';
  }

  // ---- registers ----

  private cpuAddr(name: string): number {
    const cpu = this.cpu;
    if (cpu === 0) throw new Error(`vCPU ${this.index} has no CPU state block`);
    return cpu + this.c(name);
  }

  getRegs(): Regs {
    const v = this.view();
    const base = this.cpuAddr('CPU_OFF_RAX');
    const r: Record<string, bigint> = {};
    GPR_NAMES.forEach((n, i) => { r[n] = v.getBigUint64(base + i * 8, true); });
    r.rip = v.getBigUint64(this.cpuAddr('CPU_OFF_RIP'), true);
    r.rflags = v.getBigUint64(this.cpuAddr('CPU_OFF_RFLAGS'), true);
    return r as unknown as Regs;
  }

  setRegs(regs: Partial<Regs>): void {
    const v = this.view();
    const base = this.cpuAddr('CPU_OFF_RAX');
    GPR_NAMES.forEach((n, i) => { const x = regs[n]; if (x !== undefined) v.setBigUint64(base + i * 8, BigInt.asUintN(64, x), true); });
    if (regs.rip !== undefined) v.setBigUint64(this.cpuAddr('CPU_OFF_RIP'), BigInt.asUintN(64, regs.rip), true);
    if (regs.rflags !== undefined) v.setBigUint64(this.cpuAddr('CPU_OFF_RFLAGS'), BigInt.asUintN(64, regs.rflags) | 2n, true);
  }

  getSregs(): Sregs {
    const v = this.view();
    const seg = (i: number): Segment => {
      const s = this.cpuAddr('CPU_OFF_SEG') + i * 16;
      return { selector: v.getUint16(s, true), attr: v.getUint16(s + 2, true), limit: v.getUint32(s + 4, true), base: v.getBigUint64(s + 8, true) };
    };
    const q = (name: string) => v.getBigUint64(this.cpuAddr(name), true);
    const out: Record<string, unknown> = {};
    SEG_NAMES.forEach((n, i) => { out[n] = seg(i); });
    Object.assign(out, {
      gdt: { base: q('CPU_OFF_GDTR_BASE'), limit: Number(q('CPU_OFF_GDTR_LIMIT')) },
      idt: { base: q('CPU_OFF_IDTR_BASE'), limit: Number(q('CPU_OFF_IDTR_LIMIT')) },
      cr0: q('CPU_OFF_CR0'), cr2: q('CPU_OFF_CR2'), cr3: q('CPU_OFF_CR3'), cr4: q('CPU_OFF_CR4'), cr8: q('CPU_OFF_CR8'),
      efer: q('CPU_OFF_EFER'),
      apicBase: v.getBigUint64(this.pointer + this.c('VCPU_OFF_APIC_BASE'), true),
    });
    return out as unknown as Sregs;
  }

  /** KVM_SET_SREGS: segments, descriptor tables, control registers, EFER; then the CPU re-derives its mode. */
  setSregs(s: Partial<Sregs>): void {
    const v = this.view();
    SEG_NAMES.forEach((n, i) => {
      const g = s[n];
      if (!g) return;
      const a = this.cpuAddr('CPU_OFF_SEG') + i * 16;
      v.setUint16(a, g.selector, true); v.setUint16(a + 2, g.attr, true); v.setUint32(a + 4, g.limit >>> 0, true); v.setBigUint64(a + 8, g.base, true);
    });
    const q = (name: string, x: bigint | undefined) => { if (x !== undefined) v.setBigUint64(this.cpuAddr(name), BigInt.asUintN(64, x), true); };
    if (s.gdt) { q('CPU_OFF_GDTR_BASE', s.gdt.base); q('CPU_OFF_GDTR_LIMIT', BigInt(s.gdt.limit)); }
    if (s.idt) { q('CPU_OFF_IDTR_BASE', s.idt.base); q('CPU_OFF_IDTR_LIMIT', BigInt(s.idt.limit)); }
    q('CPU_OFF_CR0', s.cr0); q('CPU_OFF_CR2', s.cr2); q('CPU_OFF_CR3', s.cr3); q('CPU_OFF_CR4', s.cr4); q('CPU_OFF_CR8', s.cr8);
    q('CPU_OFF_EFER', s.efer);
    if (s.apicBase !== undefined) v.setBigUint64(this.pointer + this.c('VCPU_OFF_APIC_BASE'), s.apicBase, true);
    (this.core['cpu_update_mode'] as (cpu: number) => void)(this.cpu);
  }

  /** KVM_GET_FPU: the 512-byte FXSAVE image (x87, MXCSR, XMM registers). */
  getFpu(): Uint8Array {
    const a = this.cpuAddr('CPU_OFF_FXSAVE');
    return new Uint8Array(this.vm.kvm.memory.buffer.slice(a, a + 512));
  }

  setFpu(image: Uint8Array): void {
    if (image.length !== 512) throw new RangeError(`FXSAVE image must be 512 bytes, got ${image.length}`);
    new Uint8Array(this.vm.kvm.memory.buffer, this.cpuAddr('CPU_OFF_FXSAVE'), 512).set(image);
  }

  /** KVM_GET_MSRS for one MSR; throws for an MSR the core does not keep. */
  getMsr(index: number): bigint {
    if (index === 0x1b) return this.view().getBigUint64(this.pointer + this.c('VCPU_OFF_APIC_BASE'), true);
    if (index === 0x10) return BigInt(this.core.vcpu_tsc(this.pointer));
    if (index === 0x3b) return this.view().getBigUint64(this.pointer + this.c('VCPU_OFF_TSC_ADJUST'), true);
    const name = MSR_OFFSETS[index];
    if (!name) throw new Error(`MSR 0x${index.toString(16)} is not supported`);
    return this.view().getBigUint64(this.cpuAddr(name), true);
  }

  setMsr(index: number, value: bigint): void {
    if (index === 0x1b) { this.view().setBigUint64(this.pointer + this.c('VCPU_OFF_APIC_BASE'), value, true); return; }
    // as KVM's host-initiated write: the register is restored, the TSC does not move
    if (index === 0x3b) { this.view().setBigUint64(this.pointer + this.c('VCPU_OFF_TSC_ADJUST'), BigInt.asUintN(64, value), true); return; }
    const name = MSR_OFFSETS[index];
    if (!name) throw new Error(`MSR 0x${index.toString(16)} is not supported`);
    this.view().setBigUint64(this.cpuAddr(name), BigInt.asUintN(64, value), true);
    if (index === 0xc0000080) (this.core['cpu_update_mode'] as (cpu: number) => void)(this.cpu);
  }

  // ---- interrupts and statistics ----

  /** The vector the CPU would take now (LAPIC or PIC via LINT0), -1 if none. */
  pendingInterrupt(): number {
    return this.core.vcpu_irq_pending(this.pointer);
  }

  /** Exit counters by reason plus in-kernel events, as kvm_stat names them. */
  stats(): Record<string, number> {
    const s = (i: number) => this.core.vcpu_stat(this.pointer, i);
    return {
      exits_io: s(2), exits_mmio: s(6), exits_hlt: s(5), exits_shutdown: s(8), exits_intr: s(10),
      exits_internal_error: s(17), exits_debug: s(4),
      io_in_kernel: s(this.c('STAT_IO_IN_KERNEL')), mmio_in_kernel: s(this.c('STAT_MMIO_IN_KERNEL')),
      irq_injections: s(this.c('STAT_IRQ_INJECTIONS')), halt_wakeups: s(this.c('STAT_HALT_WAKEUPS')),
      tlb_flush_requests: s(this.c('STAT_TLB_FLUSH_REQUESTS')), runs: s(this.c('STAT_RUNS')),
    };
  }

  destroy(): void {
    this.core.vcpu_destroy(this.pointer);
  }
}
