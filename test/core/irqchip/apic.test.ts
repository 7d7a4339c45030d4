// apic.test.ts — IOAPIC redirection (edge and level with remote IRR and EOI), the local APIC
// (TPR/PPR, ISR ordering, software disable, registers), MSIs and self-IPIs.
import { describe, expect, it } from 'vitest';
import { makeBench, type Bench } from './helpers.js';

function enableApic(b: Bench): void {
  b.outb(0x21, 0xff); b.outb(0xa1, 0xff); // PIC fully masked, as an APIC-mode OS leaves it
  b.apicWrite(0xf0, 0x1ff); // SVR: APIC software-enabled, spurious vector 0xff
}

function redirect(b: Bench, pin: number, vector: number, level = false, dest = 0): void {
  b.ioapicWrite(0x11 + pin * 2, dest << 24);
  b.ioapicWrite(0x10 + pin * 2, vector | (level ? 1 << 15 : 0));
}

describe('IOAPIC', () => {
  it('identifies itself and keeps entries masked at reset', async () => {
    const b = await makeBench();
    expect(b.ioapicRead(1)).toBe(0x00170011); // 24 pins, version 0x11
    expect(b.ioapicRead(0x10) >>> 0).toBe(0x10000);
    b.ioapicWrite(0, 0x0a000000);
    expect(b.ioapicRead(0) >>> 0).toBe(0x0a000000);
  });

  it('delivers an edge-triggered pin as its vector to the LAPIC; GSI 0 is pin 2', async () => {
    const b = await makeBench();
    enableApic(b);
    redirect(b, 4, 0x34);
    b.vm.irqLine(4, true);
    expect(b.take()).toBe(0x34);
    b.vm.irqLine(4, true); // no new edge while high
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.apicWrite(0xb0, 0);
    redirect(b, 2, 0x30);
    b.vm.irqLine(0, true);
    expect(b.take()).toBe(0x30);
    // masked pins do not deliver
    b.ioapicWrite(0x10 + 5 * 2, 0x35 | 0x10000);
    b.vm.irqLine(5, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    // a destination no LAPIC has is dropped
    redirect(b, 6, 0x36, false, 7);
    b.vm.irqLine(6, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
  });

  it('level-triggered: remote IRR until the LAPIC EOI, re-delivery while the line stays high', async () => {
    const b = await makeBench();
    enableApic(b);
    redirect(b, 9, 0x39, true);
    b.vm.irqLine(9, true);
    expect(b.ioapicRead(0x10 + 18) & (1 << 14)).not.toBe(0); // remote IRR
    expect(b.take()).toBe(0x39);
    expect(b.apicRead(0x180 + 0x10) & (1 << (0x39 - 32))).not.toBe(0); // TMR: level
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.apicWrite(0xb0, 0); // EOI broadcast: line still high -> delivered again
    expect(b.take()).toBe(0x39);
    b.vm.irqLine(9, false);
    b.apicWrite(0xb0, 0);
    expect(b.ioapicRead(0x10 + 18) & (1 << 14)).toBe(0);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    // unmasking a pin whose line is high delivers
    b.ioapicWrite(0x10 + 18, 0x39 | (1 << 15) | 0x10000);
    b.vm.irqLine(9, true);
    expect(b.vcpu.pendingInterrupt()).toBe(-1);
    b.ioapicWrite(0x10 + 18, 0x39 | (1 << 15));
    expect(b.take()).toBe(0x39);
  });
});

describe('local APIC', () => {
  it('reports ID, version and power-up register values', async () => {
    const b = await makeBench();
    expect(b.apicRead(0x20) >>> 0).toBe(0);
    expect(b.apicRead(0x30) & 0xff).toBe(0x14);
    expect(b.apicRead(0xf0)).toBe(0xff);
    expect(b.apicRead(0xe0) >>> 0).toBe(0xffffffff);
    expect(b.apicRead(0x320)).toBe(0x10000);
    expect(b.apicRead(0x350)).toBe(0x700); // BSP LINT0: ExtINT (virtual wire)
  });

  it('prioritizes by vector class against TPR and the in-service vector', async () => {
    const b = await makeBench();
    enableApic(b);
    b.apicWrite(0x80, 0x50);
    expect(b.vm.signalMsi(0xfee00000, 0x45)).toBe(1);
    expect(b.vcpu.pendingInterrupt()).toBe(-1); // class 4 <= TPR class 5
    expect(b.apicRead(0xa0)).toBe(0x50);
    b.apicWrite(0x80, 0x00);
    expect(b.take()).toBe(0x45);
    expect(b.apicRead(0xa0)).toBe(0x40); // PPR follows ISR
    b.vm.signalMsi(0xfee00000, 0x41);
    expect(b.vcpu.pendingInterrupt()).toBe(-1); // same class as in service
    b.vm.signalMsi(0xfee00000, 0x61);
    expect(b.take()).toBe(0x61); // higher class nests
    b.apicWrite(0xb0, 0); // EOI retires 0x61
    b.apicWrite(0xb0, 0); // then 0x45
    expect(b.take()).toBe(0x41);
  });

  it('drops fixed interrupts while software-disabled; MSIs to other IDs miss', async () => {
    const b = await makeBench();
    expect(b.vm.signalMsi(0xfee00000, 0x45)).toBe(0); // SVR bit 8 clear at reset
    enableApic(b);
    expect(b.vm.signalMsi(0xfee01000, 0x45)).toBe(0); // APIC ID 1 does not exist
    expect(b.vm.signalMsi(0xfee00000, 0x05)).toBe(0); // illegal vector
    b.apicWrite(0x280, 0);
    expect(b.apicRead(0x280) & 0x40).not.toBe(0);    // ESR: received illegal vector
    expect(() => b.vm.signalMsi(0xfed00000, 0x45)).toThrow(/0xFEExxxxx/);
    // logical flat destination
    b.apicWrite(0xd0, 0x01000000);
    expect(b.vm.signalMsi(0xfee01004, 0x47)).toBe(1);
    expect(b.take()).toBe(0x47);
  });

  it('sends a self-IPI through the ICR, and NMIs as NMIs', async () => {
    const b = await makeBench();
    enableApic(b);
    b.apicWrite(0x310, 0);
    b.apicWrite(0x300, 0x40000 | 0x50); // shorthand self, fixed, vector 0x50
    expect(b.take()).toBe(0x50);
    expect(b.apicRead(0x300) & 0x1000).toBe(0); // delivery status idle
    b.apicWrite(0x300, 0x40000 | 0x400); // self NMI
    expect(b.kvm.core.vcpu_nmi_pending(b.vcpu.pointer)).toBe(1);
    b.kvm.core.vcpu_nmi_acknowledge(b.vcpu.pointer);
    expect(b.kvm.core.vcpu_nmi_pending(b.vcpu.pointer)).toBe(0);
  });

  it('INIT and SIPI put an application processor through its start-up states', async () => {
    const b = await makeBench();
    enableApic(b);
    const ap = b.vm.createVcpu(1);
    const mp = () => new DataView(b.kvm.memory.buffer).getUint32(ap.pointer + 0x30, true);
    expect(mp()).toBe(1); // uninitialized, waiting
    expect(ap.run(1000).reason).toBe('hlt');
    b.apicWrite(0x310, 1 << 24);
    b.apicWrite(0x300, 0x4500); // INIT, level assert
    expect(mp()).toBe(2);
    b.apicWrite(0x300, 0x4600 | 0x9a); // STARTUP vector 0x9a
    expect(mp()).toBe(4);
  });
});
