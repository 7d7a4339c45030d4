// The BIOS e820 memory map (ACPI 6.5 §15, "System Address Map Interfaces") for the pc machine's
// layout: the map every loader hands the kernel (boot_params.e820_table, hvm_start_info memmap,
// Multiboot mmap). Invariant: entries are sorted, non-overlapping, and RAM entries cover exactly
// the RAM that is usable by the OS.

import { ACPI_AREA, BIOS_AREA_START, EBDA_START, HIGH_MEMORY_BASE, type MemoryLayout } from '../machine/layout.js';

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;

export interface E820Entry {
  addr: number;
  size: number;
  type: number;
}

export function buildE820(layout: MemoryLayout): E820Entry[] {
  void ACPI_AREA;
  const map: E820Entry[] = [
    { addr: 0, size: EBDA_START, type: E820_RAM },
    { addr: EBDA_START, size: 0xa0000 - EBDA_START, type: E820_RESERVED },
    { addr: BIOS_AREA_START, size: 0x100000 - BIOS_AREA_START, type: E820_RESERVED },
    { addr: 0x100000, size: layout.lowMemory - 0x100000, type: E820_RAM },
  ];
  if (layout.highMemory) map.push({ addr: HIGH_MEMORY_BASE, size: layout.highMemory, type: E820_RAM });
  return map;
}

/** End of the highest RAM byte below `limit` that is usable for a payload, ignoring holes below 1 MiB. */
export function ramEndBelow(map: readonly E820Entry[], limit: number): number {
  let end = 0;
  for (const e of map) if (e.type === E820_RAM && e.addr >= 0x100000) end = Math.max(end, Math.min(e.addr + e.size, limit));
  return end;
}
