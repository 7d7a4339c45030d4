// The PCI device interface: what a PCI function (virtio-pci, the host bridge, the ISA
// bridge) provides to the PCI host bridge, and what the bridge provides back.
// PCI Local Bus Spec 3.0 ch. 6 (configuration space), §6.2.5 (BARs), §6.7 (capability
// list), §6.8.2 (MSI-X). A function keeps its 256-byte configuration space in a
// PciConfigSpace (config-space.ts), which implements the register semantics (read-only
// identity, write masks, RW1C status bits, BAR sizing, capability chaining); MSI-X is
// a helper (msix.ts) a device adds to its config space and serves from one of its BARs.
//
// Invariants:
//  - The bridge maps a BAR on the port or MMIO bus only while the COMMAND register enables
//    the matching decode (I/O space bit 0, memory space bit 1) and the BAR holds a real
//    address (not 0, not the sizing pattern); it remaps after every config write.
//  - BAR handlers see offsets relative to the BAR base.
//  - Interrupts leave a device only through its PciInterruptSink: INTx is a level
//    (wired-OR with the other functions that share the GSI), MSI-X a message.

import type { IoHandler } from '../bus/types.js';
import type { PciConfigSpace } from './config-space.js';

/** Where a PCI function's interrupts go; the host bridge gives one to each device. */
export interface PciInterruptSink {
  /** Drive the function's INTx pin: true = asserted (level-triggered). */
  setIntx(asserted: boolean): void;
  /** Deliver an MSI / MSI-X message (address is 0xFEExxxxx on x86; data holds the vector). */
  sendMsi(address: number, data: number): void;
}

export type PciBarKind = 'io' | 'mem32' | 'mem64';

/** A Base Address Register as a device declares it. */
export interface PciBarDef {
  /** BAR number 0..5; a mem64 BAR also occupies index+1. */
  index: number;
  kind: PciBarKind;
  /** Size in bytes, a power of two (>= 4 for I/O, >= 16 for memory; the bridge rounds memory BARs up to 4 KiB when assigning). */
  size: number;
  prefetchable?: boolean;
  /** Serves accesses to the BAR, offsets relative to its base. */
  handler: IoHandler;
}

/** A PCI function as the host bridge sees it. */
export interface PciDevice {
  /** A short name for bus listings and errors ("virtio-blk", "i440fx"). */
  readonly name: string;
  /** The function's configuration space (identity, BARs, capabilities, INTx pin). */
  readonly config: PciConfigSpace;
  /** Called once when the device is plugged into a slot. */
  attach?(sink: PciInterruptSink): void;
  /** System reset (0xCF9 / keyboard controller / triple fault): return to power-on state. */
  reset?(): void;
}

/** A device plugged at a slot (device number 0..31, function 0..7) of bus 0. */
export interface PciAddress {
  bus: number;
  device: number;
  function: number;
}

export function formatPciAddress(a: PciAddress): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `0000:${h(a.bus, 2)}:${h(a.device, 2)}.${a.function}`;
}

export { PciConfigSpace } from './config-space.js';
export type { PciIdentity, PciCapabilityHooks } from './config-space.js';
export { MsixCapability } from './msix.js';
