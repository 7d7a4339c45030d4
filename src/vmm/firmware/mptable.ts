// Intel MultiProcessor Specification 1.4 tables, for guests booted with acpi=off (and kernels
// built without ACPI): the MP floating pointer structure ("_MP_", §4.1) and the MP configuration
// table ("PCMP", §4.2) with processor, bus (PCI 0 and ISA 1), I/O APIC, I/O interrupt assignment
// and local interrupt entries (§4.3). ISA IRQs map 1:1 to IOAPIC pins except IRQ0 -> pin 2;
// PCI INTx of each device goes to pin 16 + swizzle, as the host bridge and the DSDT _PRT do.
// Invariant: both structures' bytes sum to 0 mod 256; the pointer is 16-byte aligned.

import { TableWriter, checksum } from '../acpi/sdt.js';
import { IOAPIC_BASE, IOAPIC_ID, LAPIC_BASE } from '../acpi/tables.js';
import { intxGsi } from '../pci/host-bridge.js';

export interface MpConfig {
  vcpus: number;
  /** PCI functions with an INTx pin: device number and pin (1 = INTA). */
  pciInterrupts: readonly { slot: number; pin: number }[];
}

const BUS_PCI = 0;
const BUS_ISA = 1;
const INT = 0, NMI = 1, EXTINT = 3;

export function buildMpTables(cfg: MpConfig, base: number): Uint8Array {
  const ioapicId = Math.max(cfg.vcpus, IOAPIC_ID); // MP spec: APIC IDs are one namespace
  const entries = new TableWriter();
  let count = 0;
  for (let i = 0; i < cfg.vcpus; i++, count++) {
    // processor: LAPIC id, version 0x14, flags EN (| BP for the first), signature (family 6), features FPU|APIC
    entries.u8(0).u8(i).u8(0x14).u8(i === 0 ? 3 : 1).u32(0x600).u32(0x201).zeros(8);
  }
  entries.u8(1).u8(BUS_PCI).ascii('PCI', 6); count++;
  entries.u8(1).u8(BUS_ISA).ascii('ISA', 6); count++;
  entries.u8(2).u8(ioapicId).u8(0x11).u8(1).u32(IOAPIC_BASE); count++;
  const ioint = (type: number, flags: number, bus: number, irq: number, pin: number) => {
    entries.u8(3).u8(type).u16(flags).u8(bus).u8(irq).u8(ioapicId).u8(pin);
    count++;
  };
  ioint(EXTINT, 0, BUS_ISA, 0, 0);
  for (let irq = 0; irq < 16; irq++) if (irq !== 2) ioint(INT, 0, BUS_ISA, irq, irq === 0 ? 2 : irq);
  for (const { slot, pin } of cfg.pciInterrupts) ioint(INT, 0x0f /* level, active low */, BUS_PCI, (slot << 2) | (pin - 1), intxGsi(slot, pin));
  entries.u8(4).u8(EXTINT).u16(0).u8(BUS_ISA).u8(0).u8(0xff).u8(0); count++;
  entries.u8(4).u8(NMI).u16(0).u8(BUS_ISA).u8(0).u8(0xff).u8(1); count++;

  const body = entries.result();
  const header = new TableWriter()
    .ascii('PCMP', 4).u16(44 + body.length).u8(4).u8(0)
    .ascii('WASMVIRT', 8).ascii('PC', 12).u32(0).u16(0).u16(count).u32(LAPIC_BASE).u16(0).u8(0).u8(0)
    .result();
  const table = new Uint8Array(16 + header.length + body.length);
  table.set(header, 16);
  table.set(body, 16 + header.length);
  table[16 + 7] = checksum(table, 16);
  const fp = new TableWriter().ascii('_MP_', 4).u32(base + 16).u8(1).u8(4).u8(0).u8(0).zeros(4).result();
  fp[10] = checksum(fp);
  table.set(fp, 0);
  return table;
}
