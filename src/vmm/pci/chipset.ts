// The i440FX-like host bridge (8086:1237, PCI 00:00.0) and the PIIX3-like PCI-to-ISA bridge
// (8086:7000, PCI 00:01.0), with the identities Linux's PCI probe (pci_sanity_check, quirks)
// expects of the pc machine. Intel 82441FX / 82371SB datasheets: the host bridge's PAM and
// SMRAM registers (0x59-0x5F, 0x72) are plain read/write bytes here (no shadow RAM in
// this machine); the ISA bridge's PIRQ route control registers (0x60-0x63) reset to 0x80
// (routing disabled), since interrupts reach the IOAPIC at GSI 16-19 directly.

import { PciConfigSpace } from './config-space.js';
import type { PciDevice } from './device.js';

export class I440fxHostBridge implements PciDevice {
  readonly name = 'i440fx';
  readonly config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x1237, revision: 0x02, classCode: 0x060000 });

  constructor() {
    this.config.setWriteMask(0x59, 7, 0xff); // PAM0..PAM6
    this.config.setWriteMask(0x72, 1, 0xff); // SMRAM
  }

  reset(): void {
    for (let o = 0x59; o < 0x60; o++) this.config.setU8(o, 0);
    this.config.setU8(0x72, 0x02);
    this.config.setU16(0x04, 0);
  }
}

export class Piix3IsaBridge implements PciDevice {
  readonly name = 'piix3-isa';
  // header type 0x80: multi-function device (IDE/USB/PM would be functions 1-3 on a real PIIX3).
  readonly config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x7000, classCode: 0x060100, headerType: 0x80 });

  constructor() {
    this.config.setWriteMask(0x60, 4, 0xffffffff); // PIRQRC[A:D]
    this.reset();
  }

  reset(): void {
    for (let o = 0x60; o < 0x64; o++) this.config.setU8(o, 0x80);
    this.config.setU16(0x04, 0x0007); // PCICMD default: I/O, memory, bus master
    this.config.setU16(0x06, 0x0200); // PCISTS default: DEVSEL# medium timing
  }
}
