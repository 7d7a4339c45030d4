// timers.test.ts — the LAPIC timer (one-shot, periodic, TSC-deadline) and the 8254 PIT (periodic
// IRQ0 at the programmed rate, channel 2 with the port 0x61 gate/OUT2 bits Linux calibrates with,
// latch and read-back) on the deterministic clock, driven by advancing VM time.
import { describe, expect, it } from 'vitest';
import { initPic, makeBench, type Bench } from './helpers.js';

/** Advances time in `step` ns up to `until`, taking and EOI-ing interrupts; returns vectors seen. */
function runClock(b: Bench, until: number, step: number, eoi: () => void): { vector: number; at: number }[] {
  const seen: { vector: number; at: number }[] = [];
  for (let t = step; t <= until; t += step) {
    b.advanceTo(t);
    for (let v = b.take(); v >= 0; v = b.take()) {
      seen.push({ vector: v, at: t });
      eoi();
    }
  }
  return seen;
}

describe('LAPIC timer', () => {
  it('periodic mode interrupts at the programmed rate', async () => {
    const b = await makeBench();
    b.outb(0x21, 0xff); b.outb(0xa1, 0xff);
    b.apicWrite(0xf0, 0x1ff);
    b.apicWrite(0x3e0, 0xb);            // divide by 1: 1 ns per count on the 1 GHz bus
    b.apicWrite(0x320, 0x20000 | 0xec); // periodic, vector 0xec
    b.apicWrite(0x380, 100_000);        // 100 us
    expect(b.kvm.core.vcpu_next_deadline(b.vcpu.pointer)).toBe(100_000);
    b.advanceTo(25_000);
    expect(b.apicRead(0x390)).toBe(75_000); // current count
    const seen = runClock(b, 10_000_000, 10_000, () => b.apicWrite(0xb0, 0));
    expect(seen.length).toBe(100);
    expect(seen.every((s) => s.vector === 0xec)).toBe(true);
    expect(seen[0].at).toBe(100_000);
    expect(seen[99].at).toBe(10_000_000);
  });

  it('one-shot mode fires once; divide configuration scales the count', async () => {
    const b = await makeBench();
    b.apicWrite(0xf0, 0x1ff);
    b.outb(0x21, 0xff);
    b.apicWrite(0x3e0, 0x3);        // divide by 16
    b.apicWrite(0x320, 0xd0);       // one-shot
    b.apicWrite(0x380, 1000);       // 16 us
    const seen = runClock(b, 200_000, 1_000, () => b.apicWrite(0xb0, 0));
    expect(seen).toEqual([{ vector: 0xd0, at: 16_000 }]);
    expect(b.apicRead(0x390)).toBe(0);
    // masked: counts but does not interrupt
    b.apicWrite(0x320, 0x100d0);
    b.apicWrite(0x380, 10);
    expect(runClock(b, 400_000, 1_000, () => b.apicWrite(0xb0, 0))).toEqual([]);
  });

  it('TSC-deadline mode fires when the guest TSC reaches IA32_TSC_DEADLINE', async () => {
    const b = await makeBench();
    b.apicWrite(0xf0, 0x1ff);
    b.outb(0x21, 0xff);
    b.apicWrite(0x320, 0x40000 | 0xef);
    const cpu = b.vcpu.cpu;
    const msrWrite = b.kvm.core.apicMsrWrite as (cpu: number, msr: number, v: bigint) => number;
    const msrRead = b.kvm.core.apicMsrRead as (cpu: number, msr: number) => bigint;
    // 2 GHz TSC: 1 ms of VM time = 2,000,000 ticks
    expect(msrWrite(cpu, 0x6e0, 2_000_000n)).toBe(0);
    expect(msrRead(cpu, 0x6e0)).toBe(2_000_000n);
    expect(b.kvm.core.vcpu_next_deadline(b.vcpu.pointer)).toBe(1_000_000);
    const seen = runClock(b, 3_000_000, 50_000, () => b.apicWrite(0xb0, 0));
    expect(seen).toEqual([{ vector: 0xef, at: 1_000_000 }]);
    expect(msrRead(cpu, 0x6e0)).toBe(0n);
    expect(b.kvm.core.vcpu_tsc(b.vcpu.pointer)).toBe(6_000_000);
    expect(msrWrite(cpu, 0x830, 0n)).toBe(1); // x2APIC MSRs #GP: x2APIC is off
  });
});

describe('8254 PIT', () => {
  it('mode 2 on channel 0 raises IRQ0 at the programmed rate through the PIC', async () => {
    const b = await makeBench();
    initPic(b);
    b.outb(0x43, 0x34);                 // channel 0, LSB then MSB, mode 2
    b.outb(0x40, 1193 & 0xff); b.outb(0x40, 1193 >> 8); // ~1 kHz
    const seen = runClock(b, 100_000_000, 20_000, () => b.outb(0x20, 0x20));
    expect(seen.length).toBe(100); // edges at k * 999.85 us: the 100th at 99.985 ms
    expect(seen.every((s) => s.vector === 0x20)).toBe(true);
    b.advanceTo(100_900_000);
    expect(b.take()).toBe(-1);
    b.advanceTo(101_000_000); // the 101st at 100.985 ms
    expect(b.take()).toBe(0x20);
  });

  it('mode 3 square wave through the IOAPIC pin 2 as well', async () => {
    const b = await makeBench();
    b.outb(0x21, 0xff); b.outb(0xa1, 0xff);
    b.apicWrite(0xf0, 0x1ff);
    b.ioapicWrite(0x15, 0); b.ioapicWrite(0x14, 0x22); // pin 2 -> vector 0x22
    b.outb(0x43, 0x36);
    b.outb(0x40, 0x00); b.outb(0x40, 0x00); // 65536: 18.2 Hz
    const seen = runClock(b, 1_000_000_000, 1_000_000, () => b.apicWrite(0xb0, 0));
    expect(seen.length).toBe(18);
    expect(seen[0].at).toBe(55_000_000); // 54.925 ms, seen at the next 1 ms step
  });

  it('channel 2 gated by port 0x61 counts down and raises OUT2 at terminal count (TSC calibration)', async () => {
    const b = await makeBench();
    b.outb(0x61, (b.inb(0x61) & ~0x02) | 0x01); // gate high, speaker off
    b.outb(0x43, 0xb0);                          // channel 2, word, mode 0
    b.outb(0x42, 0xff); b.outb(0x42, 0xff);
    expect(b.inb(0x61) & 0x20).toBe(0);
    b.advanceTo(10_000_000);                     // 10 ms = 11932 ticks
    b.outb(0x43, 0x80);                          // counter latch, channel 2
    const lsb = b.inb(0x42);
    const msb = b.inb(0x42);
    expect((msb << 8) | lsb).toBe(0xffff - 11931);
    expect(b.inb(0x61) & 0x20).toBe(0);
    b.advanceTo(60_000_000);                     // past 65535 ticks (54.9 ms)
    expect(b.inb(0x61) & 0x20).toBe(0x20);
    // gate low holds the count in mode 0
    b.outb(0x43, 0xb0); b.outb(0x42, 0x10); b.outb(0x42, 0x27); // 10000
    b.outb(0x61, 0x00);
    b.advanceTo(70_000_000);
    b.outb(0x43, 0x80);
    expect(b.inb(0x42) | (b.inb(0x42) << 8)).toBe(10000);
  });

  it('read-back latches status and count of several channels', async () => {
    const b = await makeBench();
    b.outb(0x43, 0x34); b.outb(0x40, 0x00); b.outb(0x40, 0x10); // ch0 mode 2, 4096
    b.outb(0x43, 0x76); b.outb(0x41, 0x12); b.outb(0x41, 0x00); // ch1 mode 3, 18
    b.advanceTo(838 * 100 + 100);                // 100 ticks later
    b.outb(0x43, 0xc6);                          // read-back count+status of ch0 and ch1
    expect(b.inb(0x40)).toBe(0xb4);              // status: OUT high, RW 3, mode 2
    expect(b.inb(0x40) | (b.inb(0x40) << 8)).toBe(4096 - 100);
    const s1 = b.inb(0x41);
    expect(s1 & 0x3f).toBe(0x36);
    expect(b.inb(0x41) | (b.inb(0x41) << 8)).toBe(18 - ((2 * 100) % 18));
    // status latch alone, then reads return the live count again
    b.outb(0x43, 0xe2);
    expect(b.inb(0x40) & 0x3f).toBe(0x34);
    expect(b.inb(0x40) | (b.inb(0x40) << 8)).toBe(4096 - 100);
  });
});
