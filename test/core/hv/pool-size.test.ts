// pool-size.test.ts — the pool's size is a setting up to what wasm32 allows (4 GiB): a 4 GiB pool
// lays out its allocator to the last frame, and bad sizes are refused with a clear error.
import { describe, expect, it } from 'vitest';
import { Kvm } from '../../../src/vmm/kvm/index.js';
import { MiB, coreModule } from './helpers.js';

describe('host memory pool size', () => {
  it('manages a 4 GiB pool up to its last frame', async () => {
    const kvm = await Kvm.create(await coreModule(), 4096);
    const s = kvm.poolStats();
    expect(s.totalBytes).toBeGreaterThan(4095 * MiB - 8 * MiB);
    // the last contiguous block of the pool: hand out all frames cheaply through a struct allocation
    const big = kvm.core.pool_alloc(kvm.pool, s.totalFrames - 1) >>> 0;
    expect(big).toBeGreaterThan(0);
    const last = kvm.core.pool_alloc(kvm.pool, 1) >>> 0;
    expect(last).toBe(2 ** 32 - 4096);
    expect(kvm.core.pool_alloc(kvm.pool, 1)).toBe(0);
    expect(kvm.poolStats().freeFrames).toBe(0);
  });

  it('refuses pool sizes outside 4 MiB .. 4 GiB', async () => {
    await expect(Kvm.create(await coreModule(), 8192)).rejects.toThrow(/out of range/);
    await expect(Kvm.create(await coreModule(), 1.5)).rejects.toThrow(/whole number/);
  });
});
