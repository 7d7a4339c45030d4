// What the pc machine needs of the hypervisor (the "KVM" API in src/vmm/kvm/), as narrow
// structural interfaces: the real Vm/Vcpu classes satisfy them, and tests can script them.
// Also the conversion of a loader's BootCpuState into KVM_SET_REGS / KVM_SET_SREGS values.

import type { BootCpuState, SegmentState } from '../loader/boot-state.js';
import type { GuestMemoryWriter } from '../loader/guest-memory.js';
import type { Regs, Segment, Sregs, VcpuExit } from '../kvm/vcpu.js';

export type { VcpuExit };

export interface MachineVcpu {
  run(budget?: number): VcpuExit;
  completeIo(value: number): void;
  completeMmio(value: bigint | number): void;
  /** After a HLT exit: sleep until a doorbell/interrupt or the timeout; true when woken by an event. */
  waitForEvent(timeoutMs: number): boolean;
  setRegs(regs: Partial<Regs>): void;
  setSregs(sregs: Partial<Sregs>): void;
  /** Exit counters by reason and in-kernel events, by kvm_stat's names (exits_io, halt_wakeups, ...). */
  stats(): Record<string, number>;
}

export interface MachineVm {
  readonly memory: GuestMemoryWriter;
  setUserMemoryRegion(region: { slot: number; guestPhysAddr: number; memorySize: number; kind?: 'ram' | 'rom' | 'mmio' }): void;
  irqLine(gsi: number, level: boolean): void;
  signalMsi(address: number, data: number): number;
  createVcpu(index?: number): MachineVcpu;
}

/**
 * The core keeps segment attributes in the VMX access-rights layout too (cpu/mode.ts: L = bit 13,
 * D/B = bit 14), so BootCpuState attributes pass through unchanged.
 */
function coreAttr(vmx: number): number {
  return vmx & 0xf0ff;
}

function segment(s: SegmentState): Segment {
  return { selector: s.selector, base: BigInt(s.base), limit: s.limit >>> 0, attr: coreAttr(s.attributes) };
}

export function bootRegs(b: BootCpuState): Partial<Regs> {
  return { rax: BigInt(b.rax), rbx: BigInt(b.rbx), rsi: BigInt(b.rsi), rsp: BigInt(b.rsp), rip: BigInt(b.rip), rflags: BigInt(b.rflags),
    rcx: 0n, rdx: 0n, rdi: 0n, rbp: 0n };
}

export function bootSregs(b: BootCpuState): Partial<Sregs> {
  return {
    cs: segment(b.cs), ds: segment(b.ds), es: segment(b.es), ss: segment(b.ss), fs: segment(b.fs), gs: segment(b.gs),
    tr: segment(b.tr), ldt: segment(b.ldtr),
    gdt: { base: BigInt(b.gdt.base), limit: b.gdt.limit }, idt: { base: BigInt(b.idt.base), limit: b.idt.limit },
    cr0: BigInt(b.cr0), cr3: BigInt(b.cr3), cr4: BigInt(b.cr4), efer: BigInt(b.efer),
  };
}
