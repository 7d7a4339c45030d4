// CMOS RTC: BCD/binary, 12/24 h, SET, UIP, periodic/alarm/update interrupts on IRQ 8, NVRAM memory sizes.
import { describe, expect, it } from 'vitest';
import { CmosRtc } from '../../../src/vmm/rtc/cmos.js';

function make(startMs: number, mem?: { lowMemory: number; highMemory: number; vcpus: number }) {
  let t = startMs;
  const irq: boolean[] = [];
  const rtc = new CmosRtc((l) => irq.push(l), () => t, mem);
  const rd = (r: number) => { rtc.write(0, 1, r); return rtc.read(1, 1); };
  const wr = (r: number, v: number) => { rtc.write(0, 1, r); rtc.write(1, 1, v); };
  return { rtc, irq, rd, wr, advance: (ms: number) => { t += ms; }, at: (ms: number) => { t = ms; } };
}

const T0 = Date.UTC(2026, 10, 22, 15, 4, 5, 100); // Sunday 2026-11-22 15:04:05.100 UTC

describe('CMOS RTC', () => {
  it('reads the clock source in BCD 24h by default, with century and day of week', () => {
    const { rd } = make(T0);
    expect([rd(0), rd(2), rd(4), rd(7), rd(8), rd(9), rd(0x32), rd(6)]).toEqual([0x05, 0x04, 0x15, 0x22, 0x11, 0x26, 0x20, 1]);
    expect(rd(0x0d)).toBe(0x80);
  });
  it('switches to binary and to 12-hour mode with the PM bit', () => {
    const { rd, wr } = make(T0);
    wr(0x0b, 0x04); // binary, 12h
    expect(rd(4)).toBe(0x80 | 3);
    expect(rd(9)).toBe(26);
    wr(0x0b, 0x00); // BCD 12h
    expect(rd(4)).toBe(0x83);
  });
  it('keeps time set by the guest under SET and runs on from it', () => {
    const { rd, wr, advance, rtc } = make(T0);
    wr(0x0b, 0x82);
    wr(0, 0x30); wr(2, 0x59); wr(4, 0x23); wr(7, 0x31); wr(8, 0x12); wr(9, 0x99); wr(0x32, 0x19);
    advance(5000);
    expect(rd(0)).toBe(0x30); // held while SET
    wr(0x0b, 0x02);
    advance(31_000);
    expect([rd(0), rd(2), rd(4), rd(7), rd(8), rd(9), rd(0x32)]).toEqual([0x01, 0x00, 0x00, 0x01, 0x01, 0x00, 0x20]);
    expect(new Date(rtc.now()).toISOString()).toBe('2000-01-01T00:00:01.100Z');
  });
  it('sets UIP during the last 244 us of each second', () => {
    const { rd, at } = make(T0);
    at(Date.UTC(2026, 0, 1, 0, 0, 0) + 999.9);
    expect(rd(0x0a) & 0x80).toBe(0x80);
    at(Date.UTC(2026, 0, 1, 0, 0, 1) + 0.5);
    expect(rd(0x0a) & 0x80).toBe(0);
  });
  it('raises periodic interrupts on IRQ 8 and clears register C on read', () => {
    const { rd, wr, irq, advance, rtc } = make(T0);
    wr(0x0a, 0x2f); // 2 Hz
    wr(0x0b, 0x42); // PIE
    const dl = rtc.nextDeadline()!;
    expect(dl).toBeGreaterThan(T0);
    expect(dl - T0).toBeLessThanOrEqual(500);
    advance(dl - T0);
    rtc.poll();
    expect(irq).toEqual([true]);
    expect(rd(0x0c)).toBe(0xc0); // IRQF|PF (no second boundary within 0.5 s of .100)
    expect(irq).toEqual([true, false]);
    expect(rd(0x0c)).toBe(0);
  });
  it('raises update-ended and alarm interrupts', () => {
    const { rd, wr, irq, advance, rtc } = make(T0);
    wr(1, 0x07); wr(3, 0xc0); wr(5, 0xff); // alarm at second 7 of any minute and hour
    wr(0x0b, 0x22); // AIE
    advance(1000);
    rtc.poll();
    expect(irq).toEqual([]);
    advance(1000);
    rtc.poll();
    expect(irq).toEqual([true]);
    expect(rd(0x0c) & 0xb0).toBe(0xb0);
    wr(0x0b, 0x12); // UIE
    advance(1000);
    rtc.poll();
    expect(rd(0x0c) & 0xb0).toBe(0x90); // PF also set: RS=6 keeps ticking without PIE
  });
  it('stores NVRAM memory sizes at the BIOS offsets and the NMI mask bit', () => {
    const { rd, rtc } = make(T0, { lowMemory: 0xc0000000, highMemory: 0x40000000, vcpus: 2 });
    expect(rd(0x15) | (rd(0x16) << 8)).toBe(640);
    expect(rd(0x17) | (rd(0x18) << 8)).toBe(0xfc00);
    expect(rd(0x30) | (rd(0x31) << 8)).toBe(0xfc00);
    expect(rd(0x34) | (rd(0x35) << 8)).toBe((0xc0000000 - 0x1000000) / 0x10000);
    expect(rd(0x5b) | (rd(0x5c) << 8) | (rd(0x5d) << 16)).toBe(0x4000);
    expect(rd(0x5f)).toBe(1);
    rtc.write(0, 1, 0x80 | 0x40);
    expect(rtc.nmiMasked).toBe(true);
    rtc.write(1, 1, 0xaa);
    expect(rd(0x40)).toBe(0xaa);
  });
});
