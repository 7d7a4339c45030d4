// ByteStore contract, run against every provider: memory, Node files, IndexedDB.
import 'fake-indexeddb/auto';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockError } from '../../../src/vmm/block/errors.js';
import { MemoryStoreProvider } from '../../../src/vmm/block/store-memory.js';
import { NodeStoreProvider } from '../../../src/vmm/block/store-node.js';
import { IdbStoreProvider } from '../../../src/vmm/block/store-idb.js';
import type { StoreProvider } from '../../../src/vmm/block/store.js';
import { resolveStoreName } from '../../../src/vmm/block/store.js';
import { expectBytes, pattern, tempDir } from './helpers.js';

const tmp = tempDir('store');
afterAll(() => tmp.cleanup());

let idbCount = 0;
const providers: [string, () => StoreProvider, number][] = [
  ['memory', () => new MemoryStoreProvider(), 65536],
  ['node', () => new NodeStoreProvider(`${tmp.dir}/p${idbCount++}`), 4096],
  ['idb', () => new IdbStoreProvider(`test-db-${idbCount++}`, { chunkSize: 16384, dirtyLimit: 4 * 16384 }), 16384],
];

describe.each(providers)('ByteStore contract: %s', (_kind, make, unit) => {
  it('reads zeros where nothing was written, and past the end', async () => {
    const p = make();
    const s = await p.open('a.img', { create: true });
    expect(await s.size()).toBe(0);
    await s.truncate(1 << 20);
    expect(await s.read(1000, 5000)).toEqual(new Uint8Array(5000));
    expect(await s.read((1 << 20) - 10, 100)).toEqual(new Uint8Array(100));
    await s.close();
  });

  it('round-trips unaligned writes across chunk boundaries and grows the size', async () => {
    const p = make();
    const s = await p.open('b.img', { create: true });
    const data = pattern(200_000, 1);
    await s.write(65_000, data);
    expect(await s.size()).toBe(265_000);
    expect(await s.read(65_000, data.length)).toEqual(data);
    const mid = await s.read(64_000, 3000);
    expect(mid.subarray(0, 1000)).toEqual(new Uint8Array(1000));
    expect(mid.subarray(1000)).toEqual(data.subarray(0, 2000));
    await s.write(100_000, pattern(10, 2));
    const again = await s.read(99_990, 30);
    expect(again.subarray(10, 20)).toEqual(pattern(10, 2));
    expect(again.subarray(0, 10)).toEqual(data.subarray(34_990, 35_000));
    await s.close();
  });

  it('is thin: a large store with a little data allocates little', async () => {
    const p = make();
    const s = await p.open('thin.img', { create: true });
    await s.truncate(1 << 30);
    await s.write(512 << 20, pattern(4096, 3));
    expect(await s.size()).toBe(1 << 30);
    const alloc = await s.allocated();
    expect(alloc).toBeGreaterThan(0);
    expect(alloc).toBeLessThanOrEqual(Math.max(unit, 65536) * 2);
    await s.close();
  });

  it('discard reads back as zeros and releases whole chunks', async () => {
    const p = make();
    const s = await p.open('d.img', { create: true });
    await s.write(0, pattern(4 * 65536, 4));
    const before = await s.allocated();
    await s.discard(65536, 2 * 65536);
    await s.discard(10, 20);
    const got = await s.read(0, 4 * 65536);
    expect(got.subarray(65536, 3 * 65536)).toEqual(new Uint8Array(2 * 65536));
    expect(got.subarray(10, 30)).toEqual(new Uint8Array(20));
    expect(got.subarray(30, 65536)).toEqual(pattern(4 * 65536, 4).subarray(30, 65536));
    expect(await s.size()).toBe(4 * 65536);
    await s.flush();
    expect(await s.allocated()).toBeLessThan(before);
    await s.close();
  });

  it('truncate shrinks (dropping data) and grows with zeros', async () => {
    const p = make();
    const s = await p.open('t.img', { create: true });
    await s.write(0, pattern(100_000, 5));
    await s.truncate(50_000);
    await s.truncate(100_000);
    const got = await s.read(0, 100_000);
    expect(got.subarray(0, 50_000)).toEqual(pattern(100_000, 5).subarray(0, 50_000));
    expect(got.subarray(50_000)).toEqual(new Uint8Array(50_000));
    await s.close();
  });

  it('keeps flushed data across close and reopen; read-only refuses writes', async () => {
    const p = make();
    const s = await p.open('dir/p.img', { create: true });
    await s.write(123_456, pattern(70_000, 6));
    await s.flush();
    await s.close();
    await expect(s.read(0, 1)).rejects.toThrow(/closed/);
    const r = await p.open('dir/p.img', { readOnly: true });
    expect(await r.read(123_456, 70_000)).toEqual(pattern(70_000, 6));
    await expect(r.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
    await r.close();
  });

  it('allows one writer per store (EBUSY), any number of readers', async () => {
    const p = make();
    const w = await p.open('lock.img', { create: true });
    await expect(p.open('lock.img')).rejects.toMatchObject({ code: 'EBUSY' });
    const r = await p.open('lock.img', { readOnly: true });
    await r.close();
    await w.close();
    const w2 = await p.open('lock.img');
    await w2.close();
  });

  it('lists, checks, deletes, and refuses bad names and missing stores', async () => {
    const p = make();
    await (await p.open('x.img', { create: true })).close();
    await (await p.open('sub/y.img', { create: true })).close();
    expect(await p.list()).toEqual(['sub/y.img', 'x.img']);
    expect(await p.exists('x.img')).toBe(true);
    await expect(p.open('x.img', { create: true, exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    await p.delete('x.img');
    expect(await p.exists('x.img')).toBe(false);
    await expect(p.open('x.img')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(p.delete('x.img')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(p.open('../evil', { create: true })).rejects.toBeInstanceOf(BlockError);
    await expect(p.open('', { create: true })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(p.resolve('sub/y.img', 'base.qcow2')).toBe('sub/base.qcow2');
  });
});

describe('IndexedDB store specifics', () => {
  it('commits dirty chunks in whole transactions and reads them back from a new provider', async () => {
    const C = 16384; // fake-indexeddb clones bytes slowly: keep chunks small here
    const p1 = new IdbStoreProvider('idb-persist', { chunkSize: C, dirtyLimit: 2 * C });
    const s = await p1.open('disk', { create: true });
    for (let i = 0; i < 8; i++) await s.write(i * C + 17, pattern(C, 10 + i));
    await s.flush(); // no close: a flush alone makes it durable (a reload opens a new provider)
    const p2 = new IdbStoreProvider('idb-persist');
    const r = await p2.open('disk', { readOnly: true });
    for (let i = 0; i < 8; i++) expect(await r.read(i * C + 17, C)).toEqual(pattern(C, 10 + i));
    expect(await r.allocated()).toBe(9 * C);
    await r.close();
    await s.close();
  });

  it('drops chunks that become all zeros', async () => {
    const p = new IdbStoreProvider('idb-zero', { chunkSize: 65536 });
    const s = await p.open('z', { create: true });
    await s.write(0, pattern(65536, 1));
    await s.flush();
    expect(await s.allocated()).toBe(65536);
    await s.write(0, new Uint8Array(65536));
    await s.flush();
    expect(await s.allocated()).toBe(0);
    await s.close();
  });
});

describe('IndexedDB store memory bound', () => {
  it('streams a large image through a bounded amount of memory', async () => {
    const C = 16384;
    const p = new IdbStoreProvider('idb-bound', { chunkSize: C, dirtyLimit: 4 * C, cacheChunks: 2 });
    const s = await p.open('big', { create: true });
    const store = s as unknown as { residentBytes: number };
    let peak = 0;
    for (let i = 0; i < 64; i++) {
      await s.write(i * C, pattern(C, i));
      peak = Math.max(peak, store.residentBytes);
    }
    await s.flush();
    for (let i = 0; i < 64; i++) {
      expect((await s.read(i * C, C))[5]).toBe(pattern(C, i)[5]);
      peak = Math.max(peak, store.residentBytes);
    }
    expect(await s.allocated()).toBe(64 * C);
    expect(peak).toBeLessThanOrEqual(6 * C); // dirty limit + clean cache, not 64 chunks
    await s.close();
  });

  it('carries a qcow2 image with a backing file', async () => {
    const { createImage, openImage } = await import('../../../src/vmm/block/images.js');
    const p = new IdbStoreProvider('idb-qcow2', { chunkSize: 65536 });
    await createImage(p, 'base.qcow2', { format: 'qcow2', capacity: 1 << 20, clusterSize: 4096 });
    const b = await openImage(p, 'base.qcow2');
    await b.write(0, pattern(1 << 20, 1));
    await b.close();
    await createImage(p, 'vm.qcow2', { format: 'qcow2', backing: { name: 'base.qcow2', format: 'qcow2' }, clusterSize: 4096 });
    const d = await openImage(p, 'vm.qcow2');
    await d.write(5000, pattern(10_000, 2));
    await d.flush();
    const expected = pattern(1 << 20, 1);
    expected.set(pattern(10_000, 2), 5000);
    const again = await openImage(new IdbStoreProvider('idb-qcow2'), 'vm.qcow2', { readOnly: true });
    expectBytes(await again.read(0, 1 << 20), expected);
    await again.close();
    await d.close();
  });
});

describe('resolveStoreName', () => {
  it('resolves relative to the overlay directory like QEMU', () => {
    expect(resolveStoreName('a/b/over.qcow2', 'base.qcow2')).toBe('a/b/base.qcow2');
    expect(resolveStoreName('a/b/over.qcow2', '../base.qcow2')).toBe('a/base.qcow2');
    expect(resolveStoreName('over.qcow2', 'x/base.raw')).toBe('x/base.raw');
  });
});
