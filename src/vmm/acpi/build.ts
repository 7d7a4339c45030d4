// Lays the ACPI tables of a VM out in guest-physical memory: RSDP first (16-byte aligned, inside
// 0xE0000-0xFFFFF where legacy OSes scan for it), then FACS (64-byte aligned), DSDT, FADT, MADT,
// RSDT and XSDT, each 8-byte aligned. Returns the bytes to copy and the RSDP address the loaders
// pass to the kernel (boot_params.acpi_rsdp_addr, hvm_start_info.rsdp_paddr).

import { buildDsdt, type DsdtConfig } from './dsdt.js';
import { buildFacs, buildFadt, buildMadt, buildRsdp, buildRsdt, buildXsdt } from './tables.js';

export interface AcpiConfig extends DsdtConfig {
  vcpus: number;
  /** PM timer width (default 32: FADT TMR_VAL_EXT). */
  pmTimerBits?: 24 | 32;
}

export interface AcpiTables {
  rsdp: number;
  /** Everything, as one image to copy to `base`. */
  base: number;
  image: Uint8Array;
  /** Each table with its address (for tests and dumps). */
  tables: { signature: string; address: number; bytes: Uint8Array }[];
}

export function buildAcpiTables(cfg: AcpiConfig, base: number, limit: number): AcpiTables {
  const tables: AcpiTables['tables'] = [];
  let cursor = base;
  const place = (signature: string, bytes: Uint8Array, align: number) => {
    cursor = Math.ceil(cursor / align) * align;
    const address = cursor;
    tables.push({ signature, address, bytes });
    cursor += bytes.length;
    return address;
  };
  const rsdpAddr = place('RSDP', new Uint8Array(36), 16);
  const facs = place('FACS', buildFacs(), 64);
  const dsdt = place('DSDT', buildDsdt(cfg), 8);
  const fadt = place('FACP', buildFadt(facs, dsdt, cfg.pmTimerBits), 8);
  const madt = place('APIC', buildMadt(cfg.vcpus), 8);
  const rsdt = place('RSDT', buildRsdt([fadt, madt]), 8);
  const xsdt = place('XSDT', buildXsdt([fadt, madt]), 8);
  tables[0]!.bytes = buildRsdp(rsdt, xsdt);
  if (cursor > limit) throw new Error(`ACPI tables need ${cursor - base} bytes, only ${limit - base} reserved`);
  const image = new Uint8Array(cursor - base);
  for (const t of tables) image.set(t.bytes, t.address - base);
  return { rsdp: rsdpAddr, base, image, tables };
}
