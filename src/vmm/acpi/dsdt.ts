// The DSDT of the pc machine, as AML (ACPI 6.5 §5.2.11.1, §6): \_SB.PCI0 (PNP0A03) with its
// _CRS windows (bus 0-255, I/O around 0xCF8, 32- and 64-bit MMIO) and a _PRT routing every
// slot's INTA-D through the standard swizzle to GSI 16-19 (the same routing the host bridge
// implements), the ISA bridge at 00:01.0 with the COM ports (PNP0501) and the RTC (PNP0B00),
// and the \_S5 sleep package whose SLP_TYP the PM1a control block turns into power-off.

import * as aml from './aml.js';
import { SLP_TYP_S5 } from '../platform/acpi-pm.js';
import { PIRQ_GSI_BASE } from '../pci/host-bridge.js';
import { COM_PORTS } from '../uart/uart16550.js';
import { finish, sdtHeader } from './sdt.js';

export interface DsdtConfig {
  /** COM port indices present (0 = COM1 ... 3 = COM4). */
  serialPorts: readonly number[];
  /** 32-bit MMIO window for PCI BARs, [base, limit). */
  mmio32: { base: number; limit: number };
  /** Optional 64-bit MMIO window above RAM, [base, limit). */
  mmio64?: { base: number; limit: number };
}

function prt(): Uint8Array {
  const entries: Uint8Array[] = [];
  for (let slot = 0; slot < 32; slot++) {
    for (let pin = 0; pin < 4; pin++) {
      // Package { Address (slot << 16 | 0xFFFF), Pin (0 = INTA), Source (0 = GSI), Source Index (GSI) }
      entries.push(aml.pkg([aml.int(slot * 0x10000 + 0xffff), aml.int(pin), aml.int(0), aml.int(PIRQ_GSI_BASE + ((slot + pin) & 3))]));
    }
  }
  // A Package holds at most 255 elements: 128 entries fit.
  return aml.name('_PRT', aml.pkg(entries));
}

function pci0Crs(cfg: DsdtConfig): Uint8Array {
  const d = [
    aml.wordBusNumber(0, 0xff),
    aml.ioPort(0xcf8, 0xcf8, 1, 8),
    aml.wordIo(0x0000, 0x0cf7),
    aml.wordIo(0x0d00, 0xffff),
    aml.dwordMemory(0x000a0000, 0x000bffff),
    aml.dwordMemory(cfg.mmio32.base, cfg.mmio32.limit - 1),
  ];
  if (cfg.mmio64) d.push(aml.qwordMemory(cfg.mmio64.base, cfg.mmio64.limit - 1));
  return aml.name('_CRS', aml.resourceTemplate(d));
}

function comDevice(index: number): Uint8Array {
  const com = COM_PORTS[index]!;
  return aml.device(`COM${index + 1}`, [
    aml.name('_HID', aml.eisaId('PNP0501')),
    aml.name('_UID', aml.int(index + 1)),
    aml.name('_CRS', aml.resourceTemplate([aml.ioPort(com.base, com.base, 1, 8), aml.irqNoFlags([com.irq])])),
  ]);
}

function rtcDevice(): Uint8Array {
  return aml.device('RTC', [
    aml.name('_HID', aml.eisaId('PNP0B00')),
    aml.name('_CRS', aml.resourceTemplate([aml.ioPort(0x70, 0x70, 1, 8), aml.irqNoFlags([8])])),
  ]);
}

export function buildDsdtAml(cfg: DsdtConfig): Uint8Array {
  const isa = aml.device('ISA', [
    aml.name('_ADR', aml.int(0x00010000)),
    rtcDevice(),
    ...cfg.serialPorts.map(comDevice),
  ]);
  const pci0 = aml.device('PCI0', [
    aml.name('_HID', aml.eisaId('PNP0A03')),
    aml.name('_UID', aml.int(0)),
    aml.name('_BBN', aml.int(0)),
    pci0Crs(cfg),
    prt(),
    isa,
  ]);
  return aml.concat([
    aml.scope('\\_SB', [pci0]),
    aml.name('\\_S5', aml.pkg([aml.int(SLP_TYP_S5), aml.int(SLP_TYP_S5), aml.int(0), aml.int(0)])),
  ]);
}

/** The DSDT table (revision 2: 64-bit integers). */
export function buildDsdt(cfg: DsdtConfig): Uint8Array {
  return finish(sdtHeader('DSDT', 2).bytes(buildDsdtAml(cfg)));
}
