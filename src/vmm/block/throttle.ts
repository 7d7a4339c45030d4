// I/O throttling as libvirt's <iotune> / QEMU's throttle groups: one leaky
// bucket per limit (total/read/write x bytes/iops), each with an average rate,
// an optional burst rate (`_max`) and burst length (`_max_length`, seconds).
//
// Semantics (QEMU util/throttle.c, re-derived):
// - A bucket's level leaks at `avg` units/s; with burst_length > 1 a second
//   level (burst_level) leaks at `max` units/s.
// - A request may start when, for every bucket it touches,
//     level <= max * burst_length   and (burst_length > 1 => burst_level <= max/10);
//   otherwise it waits (level - max*burst_length)/avg seconds, or
//   (burst_level - max/10)/max seconds, the longest of all, then re-checks.
// - Without `_max`, max = avg/10 (a 100 ms bucket) so short bursts pass.
// - When it starts it is accounted: bytes to the bytes buckets, and to the
//   iops buckets 1 unit, or bytes/size_iops_sec units when larger than that.
// - setLimits() validates (QEMU's rules and messages), applies at once and
//   empties the buckets, as `virsh blkdeviotune` on a running domain does.
// Requests of one direction are served in arrival order (QEMU's queue);
// devices of one group share the buckets (libvirt's group_name).
// Time comes from an injectable clock, so tests assert the computed delays.

import type { BlockDevice, WriteZeroesOptions } from './device.js';
import { BlockError } from './errors.js';

/** libvirt <iotune> children, same names; zero or absent = unlimited. */
export interface ThrottleLimits {
  total_bytes_sec?: number; read_bytes_sec?: number; write_bytes_sec?: number;
  total_iops_sec?: number; read_iops_sec?: number; write_iops_sec?: number;
  total_bytes_sec_max?: number; read_bytes_sec_max?: number; write_bytes_sec_max?: number;
  total_iops_sec_max?: number; read_iops_sec_max?: number; write_iops_sec_max?: number;
  total_bytes_sec_max_length?: number; read_bytes_sec_max_length?: number; write_bytes_sec_max_length?: number;
  total_iops_sec_max_length?: number; read_iops_sec_max_length?: number; write_iops_sec_max_length?: number;
  size_iops_sec?: number;
  group_name?: string;
}

export interface ThrottleClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: ThrottleClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const BUCKETS = ['total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec',
  'total_iops_sec', 'read_iops_sec', 'write_iops_sec'] as const;
type BucketName = typeof BUCKETS[number];
/** QEMU's THROTTLE_VALUE_MAX. */
const VALUE_MAX = 1e15;

interface Bucket { avg: number; max: number; burstLength: number; level: number; burstLevel: number; }

/** Throws EINVAL with QEMU's wording if the limits cannot be applied. */
export function validateThrottleLimits(l: ThrottleLimits): void {
  const v = (k: string): number => (l as Record<string, number | undefined>)[k] ?? 0;
  for (const kind of ['bytes', 'iops']) {
    for (const suffix of ['', '_max']) {
      if (v(`total_${kind}_sec${suffix}`) && (v(`read_${kind}_sec${suffix}`) || v(`write_${kind}_sec${suffix}`))) {
        throw new BlockError('EINVAL', 'bps/iops/max total values and read/write values cannot be used at the same time');
      }
    }
  }
  if (v('size_iops_sec') && !v('total_iops_sec') && !v('read_iops_sec') && !v('write_iops_sec')) {
    throw new BlockError('EINVAL', 'iops size requires an iops value to be set');
  }
  for (const b of BUCKETS) {
    const avg = v(b), max = v(`${b}_max`), len = (l as Record<string, number | undefined>)[`${b}_max_length`];
    for (const [k, x] of [[b, avg], [`${b}_max`, max], [`${b}_max_length`, len ?? 1]] as const) {
      if (!Number.isFinite(x) || x < 0 || x > VALUE_MAX) {
        throw new BlockError('EINVAL', `${k}: bps/iops/max values must be within [0, ${VALUE_MAX}]`);
      }
    }
    if (len !== undefined && len !== 0 && !Number.isInteger(len)) {
      throw new BlockError('EINVAL', `${b}_max_length: the burst length must be a whole number of seconds`);
    }
    if (len !== undefined && len > 1 && !max) throw new BlockError('EINVAL', `${b}_max_length: burst length set without burst rate`);
    if (max && !avg) throw new BlockError('EINVAL', `${b}_max: bps_max/iops_max require corresponding bps/iops values`);
    if (max && max < avg) throw new BlockError('EINVAL', `${b}_max: bps_max/iops_max cannot be lower than bps/iops`);
  }
}

/** The shared state of a throttle group: the six buckets and the two queues. */
export class ThrottleGroup {
  private buckets = new Map<BucketName, Bucket>();
  private sizeIops = 0;
  private previousLeak: number;
  private queues: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  private current: ThrottleLimits = {};

  constructor(limits: ThrottleLimits, readonly clock: ThrottleClock = realClock) {
    this.previousLeak = clock.now();
    this.setLimits(limits);
  }

  get name(): string | undefined { return this.current.group_name; }
  get limits(): ThrottleLimits { return { ...this.current }; }

  setLimits(limits: ThrottleLimits): void {
    validateThrottleLimits(limits);
    const rec = limits as Record<string, number | undefined>;
    for (const b of BUCKETS) {
      const avg = rec[b] ?? 0, max = rec[`${b}_max`] ?? 0;
      this.buckets.set(b, {
        avg, max: avg && !max ? avg / 10 : max,
        burstLength: rec[`${b}_max_length`] || 1, level: 0, burstLevel: 0,
      });
    }
    this.sizeIops = limits.size_iops_sec ?? 0;
    this.current = { ...limits };
    this.previousLeak = this.clock.now();
  }

  /** Milliseconds a request of this direction must still wait now (0 = may start). */
  computeWait(isWrite: boolean): number {
    this.leak(this.clock.now());
    let wait = 0;
    for (const b of bucketsFor(isWrite)) wait = Math.max(wait, bucketWait(this.buckets.get(b)!));
    return wait;
  }

  /** Charges a started request to the buckets. */
  account(isWrite: boolean, bytes: number): void {
    const units = this.sizeIops && bytes > this.sizeIops ? bytes / this.sizeIops : 1;
    const dir = isWrite ? 'write' : 'read';
    for (const [name, amount] of [['total_bytes_sec', bytes], [`${dir}_bytes_sec`, bytes],
      ['total_iops_sec', units], [`${dir}_iops_sec`, units]] as [BucketName, number][]) {
      const bkt = this.buckets.get(name)!;
      bkt.level += amount;
      if (bkt.burstLength > 1) bkt.burstLevel += amount;
    }
  }

  /** Waits (FIFO per direction) until a request may start, accounts it, returns the delay in ms. */
  acquire(isWrite: boolean, bytes: number): Promise<number> {
    const q = isWrite ? 1 : 0;
    const start = this.clock.now();
    const turn = this.queues[q].then(async () => {
      for (let wait = this.computeWait(isWrite); wait > 0; wait = this.computeWait(isWrite)) {
        await this.clock.sleep(wait);
      }
      this.account(isWrite, bytes);
      return this.clock.now() - start;
    });
    this.queues[q] = turn.then(() => undefined, () => undefined);
    return turn;
  }

  private leak(now: number): void {
    const dt = (now - this.previousLeak) / 1000;
    this.previousLeak = now;
    if (dt <= 0) return;
    for (const bkt of this.buckets.values()) {
      bkt.level = Math.max(bkt.level - bkt.avg * dt, 0);
      if (bkt.burstLength > 1) bkt.burstLevel = Math.max(bkt.burstLevel - bkt.max * dt, 0);
    }
  }
}

function bucketsFor(isWrite: boolean): BucketName[] {
  return isWrite
    ? ['total_bytes_sec', 'total_iops_sec', 'write_bytes_sec', 'write_iops_sec']
    : ['total_bytes_sec', 'total_iops_sec', 'read_bytes_sec', 'read_iops_sec'];
}

function bucketWait(bkt: Bucket): number {
  if (!bkt.avg) return 0;
  const extra = bkt.level - bkt.max * bkt.burstLength;
  if (extra > 0) return (extra * 1000) / bkt.avg;
  if (bkt.burstLength > 1) {
    const burstExtra = bkt.burstLevel - bkt.max / 10;
    if (burstExtra > 0) return (burstExtra * 1000) / bkt.max;
  }
  return 0;
}

/**
 * The throttle groups of one VMM, by libvirt's group_name: disks that name the
 * same group share one ThrottleGroup; the last limits given win (as in QEMU,
 * where setting a group member's limits sets the group's).
 */
export class ThrottleGroupRegistry {
  private readonly groups = new Map<string, ThrottleGroup>();
  constructor(private readonly clock: ThrottleClock = realClock) {}

  /** The group for `limits.group_name` (created, or updated with these limits); a private group without a name. */
  group(limits: ThrottleLimits): ThrottleGroup {
    const name = limits.group_name;
    if (name === undefined) return new ThrottleGroup(limits, this.clock);
    const existing = this.groups.get(name);
    if (existing) { existing.setLimits(limits); return existing; }
    const created = new ThrottleGroup(limits, this.clock);
    this.groups.set(name, created);
    return created;
  }

  get(name: string): ThrottleGroup | undefined { return this.groups.get(name); }
  names(): string[] { return [...this.groups.keys()].sort(); }
}

/**
 * A BlockDevice whose reads and writes pass a ThrottleGroup first (writeZeroes
 * and discard count as writes of their length, as data the guest moves;
 * flush is not throttled). Pass a shared group for libvirt's group_name.
 */
export class ThrottledDevice implements BlockDevice {
  readonly group: ThrottleGroup;
  /** Total milliseconds requests spent waiting (for statistics). */
  throttledMs = 0;

  constructor(readonly inner: BlockDevice, limitsOrGroup: ThrottleLimits | ThrottleGroup,
    clock: ThrottleClock = realClock) {
    this.group = limitsOrGroup instanceof ThrottleGroup ? limitsOrGroup : new ThrottleGroup(limitsOrGroup, clock);
  }

  get format() { return this.inner.format; }
  get capacity(): number { return this.inner.capacity; }
  get readOnly(): boolean { return this.inner.readOnly; }

  setLimits(limits: ThrottleLimits): void { this.group.setLimits(limits); }
  getLimits(): ThrottleLimits { return this.group.limits; }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.throttledMs += await this.group.acquire(false, length);
    return this.inner.read(offset, length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.throttledMs += await this.group.acquire(true, data.length);
    return this.inner.write(offset, data);
  }

  async writeZeroes(offset: number, length: number, options?: WriteZeroesOptions): Promise<void> {
    this.throttledMs += await this.group.acquire(true, length);
    return this.inner.writeZeroes(offset, length, options);
  }

  async discard(offset: number, length: number): Promise<void> {
    this.throttledMs += await this.group.acquire(true, length);
    return this.inner.discard(offset, length);
  }

  flush(): Promise<void> { return this.inner.flush(); }
  allocated(): Promise<number> { return this.inner.allocated(); }
  resize(capacity: number): Promise<void> { return this.inner.resize(capacity); }
  close(): Promise<void> { return this.inner.close(); }
}
