// The guest-physical MMIO space: the holes of the guest-physical map that are not RAM
// (LAPIC and IOAPIC are in the core, not here). Ranges are registered with a base and
// length (up to 2^52, exact in a double); an access goes to the range containing its first
// byte. 8-byte accesses are split into two 4-byte accesses (low dword first) unless the
// handler implements read64/write64. Unclaimed reads return all-ones; writes are dropped.

import { RangeMap } from './range-map.js';
import { allOnes, maskToSize, type AccessSize, type BusRange, type IoHandler, type MmioAccessSize } from './types.js';

const MMIO_LIMIT = 2 ** 52;

export class MmioBus {
  private readonly map = new RangeMap('MMIO bus', MMIO_LIMIT);
  unassignedAccesses = 0;

  register(name: string, base: number, length: number, handler: IoHandler): BusRange {
    return this.map.add(name, base, length, handler);
  }

  unregister(range: BusRange): boolean {
    return this.map.remove(range);
  }

  find(addr: number): BusRange | undefined {
    return this.map.find(addr);
  }

  read(addr: number, size: AccessSize): number {
    const r = this.map.find(addr);
    if (!r) {
      this.unassignedAccesses++;
      return allOnes(size);
    }
    return maskToSize(r.handler.read(addr - r.base, size), size);
  }

  write(addr: number, size: AccessSize, value: number): void {
    const r = this.map.find(addr);
    if (!r) {
      this.unassignedAccesses++;
      return;
    }
    r.handler.write(addr - r.base, size, maskToSize(value, size));
  }

  /** Any-size read as a bigint (what an MMIO exit's u64 data field carries). */
  readData(addr: number, size: MmioAccessSize): bigint {
    if (size !== 8) return BigInt(this.read(addr, size));
    const r = this.map.find(addr);
    if (!r) {
      this.unassignedAccesses++;
      return 0xffff_ffff_ffff_ffffn;
    }
    if (r.handler.read64) return BigInt.asUintN(64, r.handler.read64(addr - r.base));
    const lo = r.handler.read(addr - r.base, 4) >>> 0;
    const hi = r.handler.read(addr - r.base + 4, 4) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Any-size write from a bigint. */
  writeData(addr: number, size: MmioAccessSize, value: bigint): void {
    if (size !== 8) {
      this.write(addr, size, Number(BigInt.asUintN(32, value)));
      return;
    }
    const r = this.map.find(addr);
    if (!r) {
      this.unassignedAccesses++;
      return;
    }
    if (r.handler.write64) {
      r.handler.write64(addr - r.base, BigInt.asUintN(64, value));
      return;
    }
    r.handler.write(addr - r.base, 4, Number(value & 0xffff_ffffn));
    r.handler.write(addr - r.base + 4, 4, Number((value >> 32n) & 0xffff_ffffn));
  }

  ranges(): readonly BusRange[] {
    return this.map.list();
  }
}
