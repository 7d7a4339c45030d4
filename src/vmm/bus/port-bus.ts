// The x86 I/O port space (64 KiB of 8-bit ports, Intel SDM vol. 1 ch. 19).
// Devices register [base, base+length) ranges; an access is dispatched to the range
// containing its first port with the offset from the range base. Unclaimed reads
// return all-ones of the access width; unclaimed writes are dropped (ISA floating bus).
// Overlapping registrations are refused with BusConflictError.

import { RangeMap } from './range-map.js';
import { allOnes, maskToSize, type AccessSize, type BusRange, type IoHandler } from './types.js';

export const PORT_SPACE_SIZE = 0x10000;

export class PortBus {
  private readonly map = new RangeMap('port bus', PORT_SPACE_SIZE);
  /** Count of accesses that hit no device (useful when a guest probes). */
  unassignedAccesses = 0;

  register(name: string, base: number, length: number, handler: IoHandler): BusRange {
    return this.map.add(name, base, length, handler);
  }

  unregister(range: BusRange): boolean {
    return this.map.remove(range);
  }

  find(port: number): BusRange | undefined {
    return this.map.find(port & 0xffff);
  }

  read(port: number, size: AccessSize): number {
    const r = this.map.find(port & 0xffff);
    if (!r) {
      this.unassignedAccesses++;
      return allOnes(size);
    }
    return maskToSize(r.handler.read(port - r.base, size), size);
  }

  write(port: number, size: AccessSize, value: number): void {
    const r = this.map.find(port & 0xffff);
    if (!r) {
      this.unassignedAccesses++;
      return;
    }
    r.handler.write(port - r.base, size, maskToSize(value, size));
  }

  ranges(): readonly BusRange[] {
    return this.map.list();
  }
}
