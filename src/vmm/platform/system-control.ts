// Chipset system-control ports of the pc machine:
//  - 0x92 System Control Port A (PS/2 "fast A20"): bit 1 A20 gate, bit 0 fast reset (a 0->1 edge resets).
//  - 0xCF9 Reset Control Register (Intel PIIX/ICH): bit 2 RST_CPU starts a reset (bit 1 SYS_RST
//    makes it a full one); also the FADT RESET_REG. Byte accesses only (0xCF8 dword is PCI).
//  - 0x80 POST diagnostic port: writes are recorded and otherwise ignored (Linux uses it as an I/O delay).
// Invariant: A20 is reported through setA20 (the core would wrap addresses at 1 MiB while off;
// the Linux, PVH and Multiboot entries all run with A20 on).

import type { AccessSize, IoHandler } from '../bus/types.js';
import type { EndVm } from '../machine/end-state.js';

export class SystemControlPortA implements IoHandler {
  private value = 0x02; // A20 on: loaders enter in protected mode with A20 enabled
  constructor(private readonly end: EndVm, private readonly setA20: (on: boolean) => void = () => {}) {}
  get a20(): boolean { return (this.value & 2) !== 0; }
  read(): number { return this.value; }
  write(_offset: number, _size: AccessSize, v: number): void {
    const old = this.value;
    this.value = v & 0x03;
    if ((old ^ v) & 2) this.setA20((v & 2) !== 0);
    if (!(old & 1) && v & 1) this.end({ kind: 'reset', source: 'port92' });
  }
}

export class ResetControl implements IoHandler {
  private value = 0;
  constructor(private readonly end: EndVm) {}
  read(_offset: number, size: AccessSize): number { return size === 1 ? this.value : size === 2 ? 0xffff : 0xffffffff; }
  write(_offset: number, size: AccessSize, v: number): void {
    if (size !== 1) return;
    this.value = v & 0x0e;
    if (v & 0x04) this.end({ kind: 'reset', source: 'cf9' });
  }
}

export class PostCodePort implements IoHandler {
  /** The last POST code written (firmware progress; Linux writes 0 as a delay). */
  lastCode = 0;
  read(): number { return 0xff; }
  write(_o: number, _s: AccessSize, v: number): void { this.lastCode = v & 0xff; }
}
