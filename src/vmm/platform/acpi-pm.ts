// ACPI fixed hardware of the pc machine (ACPI 6.5 §4.8): PM1a event block (PM1_STS, PM1_EN),
// PM1a control block (SCI_EN, SLP_TYP, SLP_EN) and the PM timer (3.579545 MHz, 32-bit, TMR_VAL_EXT).
// Writing SLP_EN with SLP_TYP = the \_S5 value ends the VM with 'poweroff'. The power button
// (PWRBTN_STS, §4.8.3.1.1) raises the SCI (IRQ 9, level, active high) while enabled, which is
// how a graceful shutdown request reaches the guest.
// Invariants: SCI_EN reads 1 (no SMM: the OS owns ACPI from boot); status bits are RW1C; the SCI
// level is (PM1_STS & PM1_EN & (PWRBTN|TMR)) != 0.

import type { AccessSize, IoHandler } from '../bus/types.js';
import type { EndVm } from '../machine/end-state.js';

export const ACPI_PM_BASE = 0x600;
export const PM1A_EVT_BLK = ACPI_PM_BASE;       // 4 bytes
export const PM1A_CNT_BLK = ACPI_PM_BASE + 4;   // 2 bytes
export const PM_TMR_BLK = ACPI_PM_BASE + 8;     // 4 bytes
export const ACPI_PM_LENGTH = 12;
export const PM_TIMER_HZ = 3_579_545;
/** SLP_TYP of \_S5 in our DSDT; 0 as in QEMU's PIIX4 PM, so the same tables power off under both. */
export const SLP_TYP_S5 = 0;
export const SCI_IRQ = 9;

const TMR_STS = 1 << 0, PWRBTN_STS = 1 << 8, WAK_STS = 1 << 15;
const SCI_EN = 1 << 0, SLP_EN = 1 << 13;

export class AcpiPm implements IoHandler {
  private pm1Status = 0;
  private pm1Enable = 0;
  private pm1Control = SCI_EN;
  private sci = false;
  private readonly epoch: number;

  /** `monotonic` in milliseconds (performance.now by default). */
  /** `timerBits`: 32 (FADT TMR_VAL_EXT set, the default) or 24. */
  constructor(private readonly end: EndVm, private readonly setSci: (level: boolean) => void, private readonly monotonic: () => number = () => performance.now(), readonly timerBits: 24 | 32 = 32) {
    this.epoch = monotonic();
  }

  /** Current PM timer count (24 or 32 bits, wrapping). */
  timerValue(): number {
    const ticks = Math.floor(((this.monotonic() - this.epoch) * PM_TIMER_HZ) / 1000);
    return ticks % 2 ** this.timerBits;
  }

  pressPowerButton(): void {
    this.pm1Status |= PWRBTN_STS;
    this.updateSci();
  }

  read(offset: number, size: AccessSize): number {
    if (offset >= 8 && offset < 12) {
      const t = Math.floor(this.timerValue() / 2 ** (8 * (offset - 8)));
      return size === 4 ? t >>> 0 : t & (size === 2 ? 0xffff : 0xff);
    }
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readByte(offset + i) << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset < 4) {
      // PM1_STS (RW1C) and PM1_EN, by byte lanes
      for (let i = 0; i < size; i++) {
        const o = offset + i;
        const b = (value >>> (8 * i)) & 0xff;
        if (o < 2) this.pm1Status &= ~(b << (8 * o));
        else if (o < 4) this.pm1Enable = (this.pm1Enable & ~(0xff << (8 * (o - 2)))) | (b << (8 * (o - 2)));
      }
      this.updateSci();
    } else if (offset < 6) {
      const shift = 8 * (offset - 4);
      const mask = size === 1 ? 0xff << shift : 0xffff;
      const v = (this.pm1Control & ~mask) | ((value << shift) & mask);
      this.pm1Control = (v & ~SLP_EN) | SCI_EN;
      if (v & SLP_EN) {
        const slpTyp = (v >> 10) & 7;
        if (slpTyp === SLP_TYP_S5) this.end({ kind: 'poweroff' });
        else this.pm1Status |= WAK_STS; // other sleep states: wake at once
      }
    }
  }

  private readByte(o: number): number {
    if (o < 2) return (this.pm1Status >> (8 * o)) & 0xff;
    if (o < 4) return (this.pm1Enable >> (8 * (o - 2))) & 0xff;
    if (o < 6) return (this.pm1Control >> (8 * (o - 4))) & 0xff;
    if (o < 8) return 0;
    return 0xff;
  }

  private updateSci(): void {
    const level = (this.pm1Status & this.pm1Enable & (PWRBTN_STS | TMR_STS)) !== 0;
    if (level !== this.sci) {
      this.sci = level;
      this.setSci(level);
    }
  }
}
