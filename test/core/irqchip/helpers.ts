// helpers.ts — a VM with vCPU 0 and direct access to the in-kernel devices (the paths a guest's
// IN/OUT and APIC/IOAPIC MMIO take through run()), for irqchip tests without guest code.
import { makeKvm } from '../hv/helpers.js';
import type { Kvm, Vcpu, Vm } from '../../../src/vmm/kvm/index.js';

export interface Bench {
  kvm: Kvm;
  vm: Vm;
  vcpu: Vcpu;
  outb(port: number, value: number): void;
  inb(port: number): number;
  apicRead(off: number): number;
  apicWrite(off: number, value: number): void;
  ioapicRead(reg: number): number;
  ioapicWrite(reg: number, value: number): void;
  /** pending vector, acknowledged (INTA) when >= 0 */
  take(): number;
  /** deterministic clock: advance vCPU 0's time to `ns` and fire due timers */
  advanceTo(ns: number): void;
}

export async function makeBench(deterministic = true): Promise<Bench> {
  const kvm = await makeKvm(16);
  const vm = kvm.createVm();
  if (deterministic) vm.setClock({ mode: 'deterministic' });
  const vcpu = vm.createVcpu(0);
  const c = kvm.core;
  const v = vcpu.pointer;
  return {
    kvm, vm, vcpu,
    outb: (port, value) => c.pio_write(v, port, 1, value),
    inb: (port) => c.pio_read(v, port, 1),
    apicRead: (off) => c.mmio_read(v, 0xfee00000 + off, 4),
    apicWrite: (off, value) => c.mmio_write(v, 0xfee00000 + off, 4, value),
    ioapicRead: (reg) => { c.mmio_write(v, 0xfec00000, 4, reg); return c.mmio_read(v, 0xfec00010, 4); },
    ioapicWrite: (reg, value) => { c.mmio_write(v, 0xfec00000, 4, reg); c.mmio_write(v, 0xfec00010, 4, value >>> 0); },
    take: () => {
      const vec = c.vcpu_irq_pending(v);
      if (vec >= 0) c.vcpu_irq_acknowledge(v, vec);
      return vec;
    },
    advanceTo: (ns) => { c.vcpu_warp_to(v, ns); c.vcpu_service_timers(v); },
  };
}

/** The usual PC initialization of the 8259 pair: vectors 0x20 / 0x28, cascade on IR2, 8086 mode. */
export function initPic(b: Bench, icw4 = 0x01): void {
  b.outb(0x20, 0x11); b.outb(0x21, 0x20); b.outb(0x21, 0x04); b.outb(0x21, icw4);
  b.outb(0xa0, 0x11); b.outb(0xa1, 0x28); b.outb(0xa1, 0x02); b.outb(0xa1, icw4);
  b.outb(0x21, 0x00); b.outb(0xa1, 0x00);
}
