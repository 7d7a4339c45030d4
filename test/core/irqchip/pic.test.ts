// pic.test.ts — the 8259A pair: delivery to vCPU 0 through LINT0 (ExtINT), priorities, EOI forms,
// cascade, ELCR level triggering, masks, auto-EOI, poll mode, special mask, register reads.
import { describe, expect, it } from 'vitest';
import { initPic, makeBench } from './helpers.js';

describe('8259A PIC pair', () => {
  it('delivers an edge IRQ with its ICW2 vector and keeps it in service until EOI', async () => {
    const b = await makeBench();
    initPic(b);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.vm.irqLine(4, true);
    expect(b.take()).toBe(0x24);
    b.outb(0x20, 0x0b); // OCW3: read ISR
    expect(b.inb(0x20)).toBe(0x10);
    b.outb(0x20, 0x0a); // OCW3: read IRR
    expect(b.inb(0x20)).toBe(0x00); // edge request left IRR at INTA
    // a second edge needs the line to drop first
    b.vm.irqLine(4, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    // lower priority is blocked while IR4 is in service, higher priority preempts
    b.vm.irqLine(6, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.vm.irqLine(1, true);
    expect(b.take()).toBe(0x21);
    b.outb(0x20, 0x20); // non-specific EOI retires IR1 (highest in service)
    b.outb(0x20, 0x0b);
    expect(b.inb(0x20)).toBe(0x10);
    b.outb(0x20, 0x64); // specific EOI for IR4
    expect(b.take()).toBe(0x26);
  });

  it('cascades the slave through master IR2 and masks with OCW1', async () => {
    const b = await makeBench();
    initPic(b);
    b.outb(0xa1, 0xff ^ 0x04); // only IR10 (slave IR2) unmasked
    b.vm.irqLine(9, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.vm.irqLine(10, true);
    expect(b.take()).toBe(0x2a);
    expect(b.inb(0xa1)).toBe(0xfb);
    b.outb(0xa0, 0x20);
    b.outb(0x20, 0x20);
    b.outb(0xa1, 0x00); // unmasking IR9 lets its latched edge through
    expect(b.take()).toBe(0x29);
    b.outb(0x21, 0x04); // masking IR2 on the master hides the whole slave
    b.outb(0xa0, 0x20); b.outb(0x20, 0x20);
    b.vm.irqLine(11, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.outb(0x21, 0x00);
    expect(b.take()).toBe(0x2b);
  });

  it('level-triggered inputs (ELCR) stay requested while the line is high', async () => {
    const b = await makeBench();
    initPic(b);
    b.outb(0x4d1, 0x04); // IRQ10 level
    expect(b.inb(0x4d1)).toBe(0x04);
    b.outb(0x4d0, 0xff); // IRQ0-2 cannot be level: ELCR mask 0xf8
    expect(b.inb(0x4d0)).toBe(0xf8);
    b.outb(0x4d0, 0x00);
    b.vm.irqLine(10, true);
    expect(b.take()).toBe(0x2a);
    b.outb(0xa0, 0x20); b.outb(0x20, 0x20);
    expect(b.take()).toBe(0x2a); // still high: requested again
    b.outb(0xa0, 0x20); b.outb(0x20, 0x20);
    b.vm.irqLine(10, false);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
  });

  it('auto-EOI leaves nothing in service; spurious IR7 when the request vanished', async () => {
    const b = await makeBench();
    initPic(b, 0x03); // ICW4: 8086 mode + AEOI
    b.vm.irqLine(3, true);
    expect(b.take()).toBe(0x23);
    b.outb(0x20, 0x0b);
    expect(b.inb(0x20)).toBe(0x00);
    b.vm.irqLine(5, true);
    expect(b.take()).toBe(0x25);
    // the INTA of a request withdrawn in between yields the spurious vector (IR7)
    b.outb(0x4d0, 0x10); // IRQ4 level
    b.vm.irqLine(4, true);
    const vec = b.kvm.core.vcpu_irq_pending(b.vcpu.pointer);
    expect(vec).toBe(0x24);
    b.vm.irqLine(4, false);
    b.kvm.core.vcpu_irq_acknowledge(b.vcpu.pointer, vec);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
  });

  it('poll command, rotation and special mask mode', async () => {
    const b = await makeBench();
    initPic(b);
    b.vm.irqLine(5, true);
    b.outb(0x20, 0x0c); // OCW3 poll
    expect(b.inb(0x20)).toBe(0x85);
    b.outb(0x20, 0x0c);
    expect(b.inb(0x20)).toBe(0x00); // nothing else requested
    b.outb(0x20, 0x20); // EOI for IR5 (poll put it in service)
    // rotate on non-specific EOI: the IR just serviced becomes the lowest priority
    b.vm.irqLine(1, true);
    expect(b.take()).toBe(0x21);
    b.outb(0x20, 0xa0);
    b.vm.irqLine(0, true);
    b.vm.irqLine(3, true);
    expect(b.take()).toBe(0x23); // priority now starts at IR2: IR3 beats IR0
    b.outb(0x20, 0x20);
    expect(b.take()).toBe(0x20);
    b.outb(0x20, 0x20);
    // special mask mode: a masked in-service level no longer blocks lower priorities
    initPic(b);
    b.vm.irqLine(1, false); b.vm.irqLine(1, true);
    expect(b.take()).toBe(0x21);
    b.vm.irqLine(6, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.outb(0x21, 0x02); // mask IR1 ...
    b.outb(0x20, 0x68); // ... and enter special mask mode
    expect(b.take()).toBe(0x26);
  });

  it('reaches the CPU only through an ExtINT LINT0 or a hardware-disabled LAPIC', async () => {
    const b = await makeBench();
    initPic(b);
    b.vm.irqLine(4, true);
    expect(b.vcpu.pendingInterrupt()).toBe(0x24);
    b.apicWrite(0x350, 0x10700); // mask LINT0
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    const apicBaseWrite = b.kvm.core.apicBaseWrite as (cpu: number, value: bigint) => number;
    expect(apicBaseWrite(b.vcpu.cpu, 0xfee00000n)).toBe(0); // IA32_APIC_BASE.EN = 0: APIC off
    expect(apicBaseWrite(b.vcpu.cpu, 0xfee00400n)).toBe(1); // x2APIC enable: #GP
    expect(b.vcpu.pendingInterrupt()).toBe(0x24);
  });
});
