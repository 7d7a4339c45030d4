// The guest-physical memory map of the pc machine and where boot-time structures go.
//   0x00000000-0x0009FBFF  RAM (conventional); boot structures the loaders write live here
//   0x0009FC00-0x0009FFFF  reserved (EBDA)
//   0x000A0000-0x000DFFFF  RAM in the EPT but not in e820 (legacy VGA / option ROM space)
//   0x000E0000-0x000EFFFF  reserved: ACPI tables (RSDP first, where legacy scans look)
//   0x000F0000-0x000FFFFF  reserved: MP floating pointer + configuration table
//   0x00100000-lowEnd      RAM (lowEnd = min(RAM, 3 GiB))
//   0xC0000000-0xFEBFFFFF  PCI MMIO window (32-bit BARs)
//   0xFEC00000             IOAPIC, 0xFEE00000 LAPIC (in the core)
//   0x100000000-           RAM above 4 GiB (the rest), then the 64-bit PCI window
// Invariant: fixed boot-structure addresses lie in conventional RAM below 0x9FC00 and do not overlap.

export const MiB = 0x100000;
export const GiB = 0x40000000;
export const LOW_MEMORY_LIMIT = 0xc0000000;
export const HIGH_MEMORY_BASE = 0x1_0000_0000;
export const EBDA_START = 0x9fc00;
export const BIOS_AREA_START = 0xe0000;
export const ACPI_AREA = { base: 0xe0000, limit: 0xf0000 };
export const MPTABLE_AREA = { base: 0xf0000, limit: 0x100000 };
export const PCI_MMIO32 = { base: 0xc0000000, limit: 0xfec00000 };
export const PCI_IO = { base: 0xc000, limit: 0x10000 };
export const MIN_RAM = 16 * MiB;

/** Fixed addresses of the structures the loaders build (all below EBDA_START). */
export const BOOT = {
  gdt: 0x500,              // boot GDT (5 descriptors)
  startInfo: 0x6000,       // PVH hvm_start_info / Multiboot info, then its memmap/modules (to 0x7000)
  zeroPage: 0x7000,        // Linux boot_params (4 KiB)
  pml4: 0x9000,            // identity page tables: PML4, PDPT, 4 PDs (2 MiB pages, 4 GiB)
  pdpt: 0xa000,
  pd: 0xb000,              // 0xB000-0xEFFF
  stack: 0x8ff0,           // initial stack for entries that want one (grows down below the PML4)
  cmdline: 0x20000,        // kernel command line (up to 64 KiB)
  cmdlineMax: 0x10000,
} as const;

export interface MemoryLayout {
  ramBytes: number;
  /** RAM from 0 to lowMemory. */
  lowMemory: number;
  /** RAM from 4 GiB, this many bytes. */
  highMemory: number;
  /** Guest-physical RAM regions for the hypervisor's memory slots. */
  ramRegions: { gpa: number; size: number }[];
  /** 64-bit PCI window above RAM. */
  mmio64: { base: number; limit: number };
}

export function memoryLayout(ramBytes: number): MemoryLayout {
  if (!Number.isSafeInteger(ramBytes) || ramBytes < MIN_RAM) throw new RangeError(`memory size ${ramBytes} is below the minimum of ${MIN_RAM / MiB} MiB`);
  if (ramBytes % 0x1000 !== 0) throw new RangeError(`memory size ${ramBytes} is not a multiple of 4 KiB`);
  const lowMemory = Math.min(ramBytes, LOW_MEMORY_LIMIT);
  const highMemory = ramBytes - lowMemory;
  const ramRegions = [{ gpa: 0, size: lowMemory }];
  if (highMemory) ramRegions.push({ gpa: HIGH_MEMORY_BASE, size: highMemory });
  const top = HIGH_MEMORY_BASE + highMemory;
  const mmio64Base = Math.max(0x80_0000_0000, Math.ceil(top / (64 * GiB)) * 64 * GiB);
  return { ramBytes, lowMemory, highMemory, ramRegions, mmio64: { base: mmio64Base, limit: mmio64Base + 0x80_0000_0000 } };
}
