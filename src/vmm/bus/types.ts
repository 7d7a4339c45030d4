// Device access handlers for the port-I/O and MMIO buses.
// A handler sees offsets relative to the base of the range it was registered at,
// never absolute addresses, so one device model can sit at any base (COM1..COM4, BARs).
// Values are little-endian unsigned integers of `size` bytes (size 1, 2 or 4);
// 8-byte MMIO is split by the bus into two 4-byte accesses unless the handler
// implements read64/write64 (Intel SDM vol. 1 §16.3 / PCI: accesses are naturally sized).

export type AccessSize = 1 | 2 | 4;
export type MmioAccessSize = 1 | 2 | 4 | 8;

export interface IoHandler {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
  /** Optional 8-byte access (MMIO only); without it the bus splits into two dwords, low first. */
  read64?(offset: number): bigint;
  write64?(offset: number, value: bigint): void;
}

/** All-ones of the access width: what an unclaimed read returns on ISA/PCI (master abort). */
export function allOnes(size: AccessSize): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}

/** Mask a value to `size` bytes, as an unsigned number. */
export function maskToSize(value: number, size: AccessSize): number {
  return size === 4 ? value >>> 0 : size === 2 ? value & 0xffff : value & 0xff;
}

/** A registered range on a bus. */
export interface BusRange {
  readonly base: number;
  readonly length: number;
  readonly name: string;
  readonly handler: IoHandler;
}

export class BusConflictError extends Error {
  constructor(bus: string, added: { name: string; base: number; length: number }, existing: BusRange) {
    super(
      `${bus}: cannot register ${added.name} at 0x${added.base.toString(16)}+0x${added.length.toString(16)}: ` +
        `overlaps ${existing.name} at 0x${existing.base.toString(16)}+0x${existing.length.toString(16)}`,
    );
    this.name = 'BusConflictError';
  }
}
