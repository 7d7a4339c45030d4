// I/O throttling (<iotune>): the leaky-bucket delays are computed on a fake
// clock, so these tests assert exact delays, not wall time.
import { describe, expect, it } from 'vitest';
import { createImage, openImage } from '../../../src/vmm/block/images.js';
import { MemoryStoreProvider } from '../../../src/vmm/block/store-memory.js';
import {
  ThrottledDevice, ThrottleGroup, ThrottleGroupRegistry, validateThrottleLimits, type ThrottleClock, type ThrottleLimits,
} from '../../../src/vmm/block/throttle.js';
import type { BlockDevice } from '../../../src/vmm/block/device.js';

class FakeClock implements ThrottleClock {
  t = 0;
  sleeps: number[] = [];
  now(): number { return this.t; }
  async sleep(ms: number): Promise<void> { this.sleeps.push(Math.round(ms * 1000) / 1000); this.t += ms; }
}

async function disk(): Promise<BlockDevice> {
  const p = new MemoryStoreProvider();
  await createImage(p, 'd.raw', { format: 'raw', capacity: 1 << 20 });
  return openImage(p, 'd.raw');
}

async function throttled(limits: ThrottleLimits): Promise<{ dev: ThrottledDevice; clock: FakeClock }> {
  const clock = new FakeClock();
  return { dev: new ThrottledDevice(await disk(), limits, clock), clock };
}

describe('leaky bucket delays (QEMU semantics)', () => {
  it('bytes/s without a burst: a 100 ms bucket, then the average rate', async () => {
    const { dev, clock } = await throttled({ total_bytes_sec: 1000 });
    await dev.read(0, 1000);
    expect(clock.sleeps).toEqual([]);
    await dev.read(0, 1000); // level 1000 > bucket 100: wait (1000-100)/1000 s
    expect(clock.sleeps).toEqual([900]);
    await dev.write(0, new Uint8Array(1000)); // level 1100: wait 1000 ms
    expect(clock.sleeps).toEqual([900, 1000]);
    expect(dev.throttledMs).toBe(1900);
  });

  it('iops/s: one op of slack per 100 ms bucket', async () => {
    const { dev, clock } = await throttled({ total_iops_sec: 10 });
    for (let i = 0; i < 4; i++) await dev.read(0, 512);
    expect(clock.sleeps).toEqual([100, 100]);
  });

  it('size_iops_sec: a large request counts as several operations', async () => {
    const { dev, clock } = await throttled({ total_iops_sec: 10, size_iops_sec: 4096 });
    await dev.read(0, 16384); // 4 units
    await dev.read(0, 512);   // level 4 - bucket 1 = 3 units over: 300 ms
    expect(clock.sleeps).toEqual([300]);
  });

  it('bursts: _max for _max_length seconds, smoothed in 1/10 s steps, then the average', async () => {
    const { dev, clock } = await throttled({ total_bytes_sec: 1000, total_bytes_sec_max: 5000, total_bytes_sec_max_length: 2 });
    for (let i = 0; i < 4; i++) await dev.read(0, 4000);
    // 2nd, 3rd: burst level over max/10 = 500: wait (burst_level - 500)/5000 s.
    // 4th: the level (10500) is over max*len = 10000, and that check comes first:
    // wait 500/1000 s, then re-check: the burst level still needs 300 ms.
    expect(clock.sleeps).toEqual([700, 800, 500, 300]);
    // once the burst bucket is spent, the long-run rate is the average
    const t0 = clock.t;
    for (let i = 0; i < 20; i++) await dev.read(0, 4000);
    const rate = (20 * 4000) / ((clock.t - t0) / 1000);
    expect(rate).toBeGreaterThan(900);
    expect(rate).toBeLessThan(1300);
  });

  it('read and write limits are separate; total counts both', async () => {
    const { dev, clock } = await throttled({ read_bytes_sec: 1000 });
    await dev.write(0, new Uint8Array(5000));
    await dev.write(0, new Uint8Array(5000));
    expect(clock.sleeps).toEqual([]);
    await dev.read(0, 1000);
    await dev.read(0, 1000);
    expect(clock.sleeps).toEqual([900]);
  });

  it('requests queue in arrival order', async () => {
    const { dev, clock } = await throttled({ total_bytes_sec: 1000 });
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => dev.read(0, 1000).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    expect(clock.sleeps).toEqual([900, 1000]);
  });

  it('setLimits applies while running and empties the buckets', async () => {
    const { dev, clock } = await throttled({ total_bytes_sec: 1000 });
    await dev.read(0, 100_000);
    dev.setLimits({ total_bytes_sec: 1_000_000 });
    expect(dev.getLimits()).toEqual({ total_bytes_sec: 1_000_000 });
    await dev.read(0, 100_000);
    expect(clock.sleeps).toEqual([]);
    await dev.read(0, 100_000); // level 100000 - bucket 100000 = 0: passes
    await dev.read(0, 100_000);
    expect(clock.sleeps).toEqual([100]);
    dev.setLimits({});
    for (let i = 0; i < 5; i++) await dev.read(0, 100_000);
    expect(clock.sleeps).toEqual([100]);
  });

  it('a group (group_name) shares its buckets between disks', async () => {
    const clock = new FakeClock();
    const group = new ThrottleGroup({ total_bytes_sec: 1000, group_name: 'tenant1' }, clock);
    const a = new ThrottledDevice(await disk(), group);
    const b = new ThrottledDevice(await disk(), group);
    expect(group.name).toBe('tenant1');
    await a.read(0, 1000);
    await b.read(0, 1000);
    expect(clock.sleeps).toEqual([900]);
    expect(b.throttledMs).toBe(900);
  });
});

describe('throttle group registry', () => {
  it('gives disks naming the same group_name one shared group', async () => {
    const clock = new FakeClock();
    const reg = new ThrottleGroupRegistry(clock);
    const g1 = reg.group({ total_iops_sec: 10, group_name: 'g' });
    const g2 = reg.group({ total_iops_sec: 20, group_name: 'g' });
    const solo = reg.group({ total_iops_sec: 10 });
    expect(g1).toBe(g2);
    expect(solo).not.toBe(g1);
    expect(g1.limits.total_iops_sec).toBe(20);
    expect(reg.names()).toEqual(['g']);
    expect(reg.get('g')).toBe(g1);
  });
});

describe('limit validation (QEMU / libvirt rules)', () => {
  const bad: [ThrottleLimits, RegExp][] = [
    [{ total_bytes_sec: 1, read_bytes_sec: 1 }, /total values and read\/write values cannot be used at the same time/],
    [{ total_iops_sec_max: 5, write_iops_sec_max: 5, total_iops_sec: 1, write_iops_sec: 1 }, /cannot be used at the same time/],
    [{ read_bytes_sec_max: 10 }, /read_bytes_sec_max: bps_max\/iops_max require corresponding bps\/iops values/],
    [{ read_bytes_sec: 10, read_bytes_sec_max: 5 }, /cannot be lower than bps\/iops/],
    [{ read_bytes_sec: 10, read_bytes_sec_max_length: 5 }, /burst length set without burst rate/],
    [{ size_iops_sec: 4096 }, /iops size requires an iops value/],
    [{ total_bytes_sec: -1 }, /must be within/],
    [{ total_bytes_sec: 1e16 }, /must be within/],
  ];
  for (const [limits, msg] of bad) {
    it(`refuses ${JSON.stringify(limits)}`, async () => {
      expect(() => validateThrottleLimits(limits)).toThrow(msg);
      const { dev } = await throttled({});
      expect(() => dev.setLimits(limits)).toThrow(msg);
    });
  }
});
