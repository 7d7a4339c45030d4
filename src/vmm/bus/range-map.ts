// A sorted, non-overlapping set of [base, base+length) ranges with binary-search lookup.
// Invariant: `ranges` is sorted by base and no two ranges intersect; insert refuses overlap.
// Shared by the port bus and the MMIO bus.

import { BusConflictError, type BusRange, type IoHandler } from './types.js';

export class RangeMap {
  private ranges: BusRange[] = [];

  constructor(private readonly busName: string, private readonly limit: number) {}

  add(name: string, base: number, length: number, handler: IoHandler): BusRange {
    if (!Number.isInteger(base) || !Number.isInteger(length) || length <= 0 || base < 0 || base + length > this.limit) {
      throw new RangeError(`${this.busName}: bad range for ${name}: base 0x${base.toString(16)} length ${length}`);
    }
    const r: BusRange = { base, length, name, handler };
    const i = this.lowerBound(base);
    const prev = this.ranges[i - 1];
    const next = this.ranges[i];
    if (prev && prev.base + prev.length > base) throw new BusConflictError(this.busName, r, prev);
    if (next && base + length > next.base) throw new BusConflictError(this.busName, r, next);
    this.ranges.splice(i, 0, r);
    return r;
  }

  remove(range: BusRange): boolean {
    const i = this.ranges.indexOf(range);
    if (i < 0) return false;
    this.ranges.splice(i, 1);
    return true;
  }

  /** The range containing `addr`, or undefined. */
  find(addr: number): BusRange | undefined {
    const i = this.lowerBound(addr + 1) - 1;
    const r = this.ranges[i];
    return r && addr < r.base + r.length ? r : undefined;
  }

  list(): readonly BusRange[] {
    return this.ranges;
  }

  /** Index of the first range whose base is >= addr. */
  private lowerBound(addr: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]!.base < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
