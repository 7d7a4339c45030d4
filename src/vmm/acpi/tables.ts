// The fixed ACPI tables of the pc machine (ACPI 6.5 ch. 5): RSDP (§5.2.5, revision 2 with the
// XSDT address), RSDT (§5.2.7), XSDT (§5.2.8), FADT (§5.2.9, revision 6: PM1a event/control
// blocks and PM timer at ACPI_PM_BASE, SCI on IRQ 9, RESET_REG = I/O port 0xCF9 value 6,
// century register 0x32, no 8042 / no VGA in IAPC_BOOT_ARCH), FACS (§5.2.10) and MADT (§5.2.12:
// one Local APIC per vCPU, the IOAPIC at 0xFEC00000 with GSI base 0, the overrides IRQ0 -> GSI2
// and IRQ9 level/active-high for the SCI, and LINT1 as NMI).

import { ACPI_PM_BASE, PM1A_CNT_BLK, PM1A_EVT_BLK, PM_TMR_BLK, SCI_IRQ } from '../platform/acpi-pm.js';
import { checksum, finish, OEM_ID, sdtHeader, TableWriter } from './sdt.js';

export const LAPIC_BASE = 0xfee00000;
export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_ID = 0; // APIC IDs: vCPUs use 0..n-1; the IOAPIC ID space is separate on xAPIC systems
export const RESET_PORT = 0xcf9;
export const RESET_VALUE = 0x06;

const GAS_IO = 1;

export function buildFacs(): Uint8Array {
  const w = new TableWriter().ascii('FACS', 4).u32(64).u32(0).u32(0).u32(0).u32(0).u64(0).u8(2).zeros(3).u32(0).zeros(24);
  return w.result();
}

export function buildFadt(facs: number, dsdt: number, pmTimerBits: 24 | 32 = 32): Uint8Array {
  void ACPI_PM_BASE;
  const w = sdtHeader('FACP', 6);
  w.u32(facs).u32(dsdt).u8(0).u8(0 /* unspecified PM profile */).u16(SCI_IRQ);
  w.u32(0 /* SMI_CMD: ACPI is always enabled */).u8(0).u8(0).u8(0).u8(0);
  w.u32(PM1A_EVT_BLK).u32(0).u32(PM1A_CNT_BLK).u32(0).u32(0).u32(PM_TMR_BLK).u32(0).u32(0);
  w.u8(4).u8(2).u8(0).u8(4).u8(0).u8(0).u8(0).u8(0);
  w.u16(0x0fff /* no C2 */).u16(0x0fff /* no C3 */).u16(0).u16(0).u8(0).u8(0);
  w.u8(0).u8(0).u8(0x32 /* century */);
  w.u16(1 << 2 /* IAPC_BOOT_ARCH: VGA not present; no legacy devices, no 8042 */).u8(0);
  // Flags: WBINVD | PROC_C1 | SLP_BUTTON (none) | FIX_RTC | TMR_VAL_EXT (32-bit timer) | RESET_REG_SUP
  w.u32((1 << 0) | (1 << 2) | (1 << 5) | (1 << 6) | (pmTimerBits === 32 ? 1 << 8 : 0) | (1 << 10));
  w.gas(GAS_IO, 8, 0, 1, RESET_PORT).u8(RESET_VALUE).u16(0 /* ARM_BOOT_ARCH */).u8(5 /* FADT minor version */);
  w.u64(facs).u64(dsdt);
  w.gas(GAS_IO, 32, 0, 2, PM1A_EVT_BLK).gas(0, 0, 0, 0, 0);
  w.gas(GAS_IO, 16, 0, 2, PM1A_CNT_BLK).gas(0, 0, 0, 0, 0);
  w.gas(0, 0, 0, 0, 0); // PM2
  w.gas(GAS_IO, 32, 0, 3, PM_TMR_BLK); // the register is 32 bits wide either way; TMR_VAL_EXT says how many count
  w.gas(0, 0, 0, 0, 0).gas(0, 0, 0, 0, 0); // GPE0/1
  w.gas(0, 0, 0, 0, 0).gas(0, 0, 0, 0, 0); // sleep control/status (not hardware-reduced)
  w.ascii('WASMVIRT', 8); // hypervisor vendor identity
  return finish(w);
}

export function buildMadt(vcpus: number): Uint8Array {
  const w = sdtHeader('APIC', 5);
  w.u32(LAPIC_BASE).u32(1 /* PCAT_COMPAT: dual 8259 present */);
  for (let i = 0; i < vcpus; i++) w.u8(0).u8(8).u8(i).u8(i).u32(1 /* enabled */);
  w.u8(1).u8(12).u8(IOAPIC_ID).u8(0).u32(IOAPIC_BASE).u32(0);
  w.u8(2).u8(10).u8(0).u8(0).u32(2).u16(0);                 // IRQ0 -> GSI2, conforming
  w.u8(2).u8(10).u8(0).u8(SCI_IRQ).u32(SCI_IRQ).u16(0x000d); // SCI: level (3<<2) | active high (1)
  w.u8(4).u8(6).u8(0xff).u16(0).u8(1);                      // LINT1 of all processors is NMI
  return finish(w);
}

export function buildRsdt(tables: readonly number[]): Uint8Array {
  const w = sdtHeader('RSDT', 1);
  for (const t of tables) w.u32(t);
  return finish(w);
}

export function buildXsdt(tables: readonly number[]): Uint8Array {
  const w = sdtHeader('XSDT', 1);
  for (const t of tables) w.u64(t);
  return finish(w);
}

/** RSDP revision 2 (36 bytes): checksum over the first 20 bytes, extended checksum over all. */
export function buildRsdp(rsdt: number, xsdt: number): Uint8Array {
  const w = new TableWriter().ascii('RSD PTR ', 8).u8(0).ascii(OEM_ID, 6).u8(2).u32(rsdt).u32(36).u64(xsdt).u8(0).zeros(3);
  const t = w.result();
  t[8] = checksum(t, 0, 20);
  t[32] = checksum(t, 0, 36);
  return t;
}
