// delivery-guest.test.ts — interrupts from the VMM's lines and MSIs reach guest code through each
// controller: an ISA IRQ through the 8259 (the LAPIC's LINT0 in ExtINT mode), a GSI through the
// IOAPIC's redirection table, and MSIs straight to the LAPIC, two at once taken in priority order
// (SDM vol. 3A 11.8.3). The guest (32-bit flat protected mode, IDT and GDT in RAM) halts with
// IF=1; each handler appends its vector to a log in RAM, sends the EOI its controller needs (OCW2
// to the PIC, the LAPIC EOI register otherwise) and IRETs to the HLT loop.
import { describe, expect, it } from 'vitest';
import { makeBench, type Bench } from './helpers.js';

const CODE = 0xffff0000;
const GDT = 0x3000;
const IDT = 0x4000;
const LOG = 0x10000; // u32 count, then the vectors
const STACK_TOP = 0x8000;
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** push eax; log[count++] = vector; EOI; pop eax; iretd */
function handler(vector: number, pic: boolean): number[] {
  return [
    0x50,
    0xa1, ...le32(LOG), //                                  mov eax, [LOG]
    0xc7, 0x04, 0x85, ...le32(LOG + 4), ...le32(vector), // mov dword [LOG+4+eax*4], vector
    0xff, 0x05, ...le32(LOG), //                            inc dword [LOG]
    ...(pic ? [0xb0, 0x20, 0xe6, 0x20] //                   mov al, 0x20; out 0x20, al (non-specific EOI)
      : [0xc7, 0x05, ...le32(0xfee000b0), ...le32(0)]), //  mov dword [APIC EOI], 0
    0x58, 0xcf,
  ];
}

/** A halted guest with handlers for `vectors` (those in `picVectors` EOI the PIC). */
async function guest(vectors: number[], picVectors: number[]): Promise<Bench> {
  const b = await makeBench(false);
  b.vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 1 << 20 });
  b.vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: CODE, memorySize: 0x10000, kind: 'rom' });
  const rom: number[] = [0xf4, 0xeb, 0xfd]; // idle: hlt; jmp idle
  const idt = new Uint8Array(256 * 8);
  for (const v of vectors) {
    const at = CODE + rom.length;
    rom.push(...handler(v, picVectors.includes(v)));
    idt.set([at & 0xff, (at >>> 8) & 0xff, 0x08, 0x00, 0x00, 0x8e, (at >>> 16) & 0xff, at >>> 24], v * 8); // 32-bit interrupt gate
  }
  b.vm.memory.writeRom(CODE, Uint8Array.from(rom));
  b.vm.memory.write(IDT, idt);
  const gdt = new DataView(new ArrayBuffer(24));
  gdt.setBigUint64(8, 0x00cf9a000000ffffn, true); // 0x08: code, 32-bit, flat
  gdt.setBigUint64(16, 0x00cf92000000ffffn, true); // 0x10: data, flat
  b.vm.memory.write(GDT, new Uint8Array(gdt.buffer));
  const flat = (selector: number, attr: number) => ({ selector, attr, limit: 0xffffffff, base: 0n });
  b.vcpu.setSregs({ cr0: 0x11n, cs: flat(0x08, 0xc09b), ds: flat(0x10, 0xc093), es: flat(0x10, 0xc093), ss: flat(0x10, 0xc093),
    gdt: { base: BigInt(GDT), limit: 23 }, idt: { base: BigInt(IDT), limit: 256 * 8 - 1 } });
  b.vcpu.setRegs({ rip: BigInt(CODE), rsp: BigInt(STACK_TOP), rflags: 0x202n });
  expect(b.vcpu.run(100)).toMatchObject({ reason: 'hlt', interruptsEnabled: true, waitNs: null });
  return b;
}

/** Runs the guest until it halts again with nothing pending; returns the vectors it logged. */
function runToIdle(b: Bench): number[] {
  for (let i = 0; i < 10; i++) {
    const exit = b.vcpu.run(10_000);
    if (exit.reason !== 'hlt' && exit.reason !== 'intr') throw new Error(`unexpected exit ${exit.reason}`);
    if (exit.reason === 'hlt' && b.kvm.core.vcpu_irq_pending(b.vcpu.pointer) < 0) break;
  }
  const n = b.vm.memory.readU32(LOG);
  return Array.from({ length: n }, (_, i) => b.vm.memory.readU32(LOG + 4 + i * 4));
}

const isr = (b: Bench) => Array.from({ length: 8 }, (_, i) => b.apicRead(0x100 + i * 16)); // LAPIC ISR words

describe('interrupt delivery into guest code', () => {
  it('an ISA IRQ through the 8259 and the LAPIC LINT0 in ExtINT mode', async () => {
    const b = await guest([0x31], [0x31]);
    b.apicWrite(0xf0, 0x1ff); // LAPIC software-enabled
    b.apicWrite(0x350, 0x700); // LVT LINT0: ExtINT, unmasked
    b.outb(0x20, 0x11); b.outb(0x21, 0x30); b.outb(0x21, 0x04); b.outb(0x21, 0x01); // master: vectors 0x30..
    b.outb(0xa0, 0x11); b.outb(0xa1, 0x38); b.outb(0xa1, 0x02); b.outb(0xa1, 0x01);
    b.outb(0x21, 0xfd); b.outb(0xa1, 0xff); // only IRQ1
    b.vm.irqLine(1, true);
    b.vm.irqLine(1, false);
    expect(runToIdle(b)).toEqual([0x31]);
    b.outb(0x20, 0x0b); // OCW3: read ISR
    expect(b.inb(0x20)).toBe(0); // the handler's EOI cleared it
    b.vm.irqLine(1, true);
    b.vm.irqLine(1, false);
    expect(runToIdle(b)).toEqual([0x31, 0x31]); // and the next edge is taken again
  });

  it('a GSI through the IOAPIC redirection table, edge and level (remote IRR until the EOI)', async () => {
    const b = await guest([0x51, 0x59], []);
    b.outb(0x21, 0xff); b.outb(0xa1, 0xff); // 8259s masked, as an APIC-mode OS leaves them
    b.apicWrite(0xf0, 0x1ff);
    b.ioapicWrite(0x11 + 5 * 2, 0); b.ioapicWrite(0x10 + 5 * 2, 0x51); // pin 5: edge, vector 0x51, APIC 0
    b.ioapicWrite(0x11 + 9 * 2, 0); b.ioapicWrite(0x10 + 9 * 2, 0x59 | (1 << 15)); // pin 9: level
    b.vm.irqLine(5, true);
    b.vm.irqLine(5, false);
    expect(runToIdle(b)).toEqual([0x51]);
    b.vm.irqLine(9, true); // stays high: each EOI re-delivers it while it is asserted
    expect(b.vcpu.run(300).reason).toBe('intr');
    const n0 = b.vm.memory.readU32(LOG);
    expect(n0).toBeGreaterThan(3);
    expect([0, 1, 2, 3].map((i) => b.vm.memory.readU32(LOG + 4 + i * 4))).toEqual([0x51, 0x59, 0x59, 0x59]);
    b.vm.irqLine(9, false);
    const n = runToIdle(b).length;
    expect(runToIdle(b).length).toBe(n); // deasserted: nothing more
    expect((b.ioapicRead(0x10 + 9 * 2) >>> 14) & 1).toBe(0); // remote IRR clear after the last EOI
    expect(isr(b).every((w) => w === 0)).toBe(true);
  });

  it('MSIs to the LAPIC: two pending at once are taken by priority class, each after the EOI of the other', async () => {
    const b = await guest([0x62, 0x92], []);
    b.apicWrite(0xf0, 0x1ff);
    b.vm.signalMsi(0xfee00000, 0x62);
    b.vm.signalMsi(0xfee00000, 0x92);
    expect(runToIdle(b)).toEqual([0x92, 0x62]);
    expect(isr(b).every((w) => w === 0)).toBe(true);
    b.apicWrite(0x80, 0xa0); // TPR class 0xa: both classes now blocked
    b.vm.signalMsi(0xfee00000, 0x92);
    expect(runToIdle(b)).toEqual([0x92, 0x62]);
    b.apicWrite(0x80, 0);
    expect(runToIdle(b)).toEqual([0x92, 0x62, 0x92]);
  });
});
