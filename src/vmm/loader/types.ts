// Inputs and results shared by the kernel loaders.

import type { MemoryLayout } from '../machine/layout.js';
import type { BootCpuState } from './boot-state.js';
import type { E820Entry } from './e820.js';
import type { GuestMemoryWriter } from './guest-memory.js';

export interface KernelLoadInput {
  mem: GuestMemoryWriter;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline: string;
  layout: MemoryLayout;
  e820: readonly E820Entry[];
  /** Guest-physical address of the ACPI RSDP (omit when ACPI is off). */
  rsdp?: number;
}

export type KernelFormat = 'bzimage' | 'pvh' | 'multiboot';

export interface LoadedKernel {
  format: KernelFormat;
  entry: BootCpuState;
  /** One line for logs: what was loaded where. */
  description: string;
  kernel: { start: number; end: number };
  initrd?: { start: number; end: number };
}
