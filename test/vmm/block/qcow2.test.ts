// qcow2 on an in-memory store: round trips against a model, zero clusters,
// backing chains, leak repair, and refusal of corrupt or unsupported images.
import { describe, expect, it } from 'vitest';
import { BlockError } from '../../../src/vmm/block/errors.js';
import { createImage, imageInfo, openImage, resizeImage } from '../../../src/vmm/block/images.js';
import { Qcow2Device } from '../../../src/vmm/block/qcow2/image.js';
import { MemoryStoreProvider } from '../../../src/vmm/block/store-memory.js';
import type { StoreProvider } from '../../../src/vmm/block/store.js';
import { expectBytes, pattern } from './helpers.js';

const MiB = 1 << 20;

async function patch(p: StoreProvider, name: string, offset: number, bytes: number[] | Uint8Array): Promise<void> {
  const s = await p.open(name);
  await s.write(offset, Uint8Array.from(bytes));
  await s.close();
}

function be32(v: number): number[] { return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]; }
function be64(v: number): number[] { return [...be32(Math.floor(v / 2 ** 32)), ...be32(v >>> 0)]; }

async function freshImage(clusterSize = 65536, capacity = 4 * MiB): Promise<MemoryStoreProvider> {
  const p = new MemoryStoreProvider();
  await createImage(p, 'disk.qcow2', { format: 'qcow2', capacity, clusterSize });
  const d = await openImage(p, 'disk.qcow2');
  await d.write(0, pattern(3 * clusterSize + 100, 1));
  await d.close();
  return p;
}

describe('qcow2 read/write against a model', () => {
  for (const clusterSize of [512, 4096, 65536]) {
    it(`random writes, zeroes and discards (${clusterSize}-byte clusters) stay consistent`, async () => {
      const p = new MemoryStoreProvider();
      const cap = 3 * MiB + 777;
      await createImage(p, 'm.qcow2', { format: 'qcow2', capacity: cap, clusterSize });
      const dev = await openImage(p, 'm.qcow2') as Qcow2Device;
      const model = new Uint8Array(cap);
      let seed = 5;
      const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
      for (let i = 0; i < 120; i++) {
        const len = 1 + rnd(200_000), off = rnd(cap - len);
        const k = rnd(10);
        if (k < 7) { const d = pattern(len, i); await dev.write(off, d); model.set(d, off); }
        else if (k < 9) { await dev.writeZeroes(off, len, { unmap: k === 8 }); model.fill(0, off, off + len); }
        else {
          await dev.discard(off, len);
          // discard keeps partial clusters; whole clusters read zero (no backing)
          const a = Math.ceil(off / clusterSize) * clusterSize;
          const b = off + len >= cap ? off + len : Math.floor((off + len) / clusterSize) * clusterSize;
          if (b > a) model.fill(0, a, b);
        }
      }
      expectBytes(await dev.read(0, cap), model, 'after random ops');
      const result = await dev.check();
      expect(result.errors).toEqual([]);
      expect(result.leaks).toBe(0);
      await dev.close();
      const again = await openImage(p, 'm.qcow2', { readOnly: true });
      expectBytes(await again.read(0, cap), model, 'after reopen');
      await again.close();
    });
  }

  it('unwritten space costs nothing, writes allocate, discard frees clusters for reuse', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 't.qcow2', { format: 'qcow2', capacity: 1 << 30 });
    const dev = await openImage(p, 't.qcow2');
    const empty = await dev.allocated();
    expect(empty).toBeLessThan(1 * MiB);
    await dev.write(512 * MiB, pattern(MiB, 2));
    const full = await dev.allocated();
    expect(full - empty).toBeGreaterThanOrEqual(MiB);
    await dev.discard(512 * MiB, MiB);
    expectBytes(await dev.read(512 * MiB, MiB), new Uint8Array(MiB));
    await dev.write(513 * MiB, pattern(MiB, 3)); // same L2 table: reuses the freed clusters
    expect(await dev.allocated()).toBeLessThanOrEqual(full);
    expect((await (dev as Qcow2Device).check()).leaks).toBe(0);
    await dev.close();
  });

  it('serializes concurrent requests (a virtqueue keeps many in flight)', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'c.qcow2', { format: 'qcow2', capacity: 4 * MiB, clusterSize: 4096 });
    const dev = await openImage(p, 'c.qcow2') as Qcow2Device;
    const model = new Uint8Array(4 * MiB);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 64; i++) {
      const off = (i * 37_813) % (4 * MiB - 70_000), d = pattern(10_000 + i * 900, i);
      model.set(d, off);
      ops.push(dev.write(off, d));
      if (i % 8 === 7) ops.push(dev.writeZeroes(off, 5000, { unmap: true }).then(() => undefined));
      if (i % 8 === 7) model.fill(0, off, off + 5000);
      ops.push(dev.read(off, 1000));
    }
    await Promise.all(ops);
    expectBytes(await dev.read(0, 4 * MiB), model, 'after concurrent requests');
    expect(await dev.check()).toMatchObject({ errors: [], leaks: 0 });
    await dev.close();
  });

  it('rejects out-of-range requests and writes to read-only images', async () => {
    const p = await freshImage();
    const ro = await openImage(p, 'disk.qcow2', { readOnly: true });
    await expect(ro.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
    await expect(ro.read(4 * MiB - 1, 2)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(ro.read(-1, 2)).rejects.toMatchObject({ code: 'EINVAL' });
    await ro.close();
    await expect(ro.read(0, 1)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('backing chains', () => {
  it('three-level chain: reads fall through, writes copy up, lower images stay unchanged', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'base.raw', { format: 'raw', capacity: 2 * MiB });
    const base = await openImage(p, 'base.raw');
    await base.write(0, pattern(2 * MiB, 1));
    await base.close();
    await createImage(p, 'vm/mid.qcow2', { format: 'qcow2', backing: { name: '../base.raw', format: 'raw' } });
    const mid = await openImage(p, 'vm/mid.qcow2');
    await mid.write(MiB, pattern(1000, 2));
    await mid.close();
    await createImage(p, 'vm/top.qcow2', { format: 'qcow2', backing: { name: 'mid.qcow2', format: 'qcow2' }, capacity: 3 * MiB });
    const top = await openImage(p, 'vm/top.qcow2');
    const expected = new Uint8Array(3 * MiB);
    expected.set(pattern(2 * MiB, 1));
    expected.set(pattern(1000, 2), MiB);
    expectBytes(await top.read(0, 3 * MiB), expected, 'chain read');
    await top.write(10, pattern(20, 3));
    expected.set(pattern(20, 3), 10);
    await top.writeZeroes(65536, 65536);
    expected.fill(0, 65536, 2 * 65536);
    expectBytes(await top.read(0, 3 * MiB), expected, 'after copy-up');
    await top.close();
    const b2 = await openImage(p, 'base.raw', { readOnly: true });
    expectBytes(await b2.read(0, 2 * MiB), pattern(2 * MiB, 1), 'base unchanged');
    await b2.close();
    const info = await imageInfo(p, 'vm/top.qcow2');
    expect(info).toMatchObject({ format: 'qcow2', virtualSize: 3 * MiB, backingFilename: 'mid.qcow2',
      fullBackingFilename: 'vm/mid.qcow2', backingFormat: 'qcow2', compat: '1.1', clusterSize: 65536 });
  });

  it('growing an overlay over a larger backing image shows zeros in the new area, not backing data', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'big.raw', { format: 'raw', capacity: 2 * MiB });
    const big = await openImage(p, 'big.raw');
    await big.write(0, pattern(2 * MiB, 4));
    await big.close();
    await createImage(p, 'small.qcow2', { format: 'qcow2', capacity: MiB + 1000, backing: { name: 'big.raw', format: 'raw' } });
    await resizeImage(p, 'small.qcow2', 3 * MiB);
    const d = await openImage(p, 'small.qcow2');
    const expected = new Uint8Array(3 * MiB);
    expected.set(pattern(2 * MiB, 4).subarray(0, MiB + 1000));
    expectBytes(await d.read(0, 3 * MiB), expected, 'grown overlay');
    expect(await (d as Qcow2Device).check()).toMatchObject({ errors: [], leaks: 0 });
    await d.close();
  });

  it('refuses a missing backing file and a backing loop with clear errors', async () => {
    const p = new MemoryStoreProvider();
    await expect(createImage(p, 'o.qcow2', { format: 'qcow2', backing: { name: 'nope.qcow2', format: 'qcow2' } }))
      .rejects.toMatchObject({ code: 'ENOENT' });
    await createImage(p, 'a.qcow2', { format: 'qcow2', capacity: MiB });
    await createImage(p, 'b.qcow2', { format: 'qcow2', backing: { name: 'a.qcow2', format: 'qcow2' } });
    await p.delete('a.qcow2');
    await expect(openImage(p, 'b.qcow2')).rejects.toThrow(/backing file 'a.qcow2'/);
    // make a.qcow2 an overlay of b.qcow2: b -> a -> b
    await createImage(p, 'a.qcow2', { format: 'qcow2', capacity: MiB });
    const s = await p.open('b.qcow2');
    const head = await s.read(0, 65536);
    await s.close();
    await patch(p, 'a.qcow2', 0, head);
    await expect(openImage(p, 'b.qcow2', { readOnly: true })).rejects.toThrow(/loop/);
  });
});

describe('refusing corrupt and unsupported images', () => {
  const cases: [string, number, number[], RegExp, string][] = [
    ['bad magic', 0, [0x51, 0x46, 0x49, 0x00], /bad magic/, 'CORRUPT'],
    ['version 4', 4, be32(4), /version 4/, 'UNSUPPORTED'],
    ['cluster_bits 30', 20, be32(30), /cluster_bits 30/, 'CORRUPT'],
    ['L1 outside the file', 40, be64(1 << 30), /L1 table .* outside the file/, 'CORRUPT'],
    ['unaligned L1', 40, be64(65536 * 3 + 8), /L1 table offset .* not cluster aligned/, 'CORRUPT'],
    ['refcount table outside', 48, be64(1 << 30), /refcount table .* outside/, 'CORRUPT'],
    ['AES encryption', 32, be32(1), /unsupported feature: encryption/, 'UNSUPPORTED'],
    ['LUKS encryption', 32, be32(2), /encryption .*LUKS/, 'UNSUPPORTED'],
    ['external data file', 72, be64(4), /unsupported feature: external data file/, 'UNSUPPORTED'],
    ['zstd compression', 72, [...be64(8), ...be64(0), ...be64(0), ...be32(4), ...be32(112), 1], /compression type \(compression type 1/, 'UNSUPPORTED'],
    ['extended L2 entries', 72, be64(16), /unsupported feature: extended L2 entries/, 'UNSUPPORTED'],
    ['unknown incompatible bit', 72, be64(1 << 20), /unknown incompatible feature bit 20/, 'UNSUPPORTED'],
    ['dirty bit', 72, be64(1), /dirty bit .*qemu-img check -r all/, 'UNSUPPORTED'],
    ['corrupt bit', 72, be64(2), /marked corrupt/, 'CORRUPT'],
    ['L1 too small for the size', 24, be64(2 ** 40), /L1 table has .* entries but/, 'CORRUPT'],
  ];
  for (const [what, off, bytes, msg, code] of cases) {
    it(`refuses ${what}`, async () => {
      const p = await freshImage();
      await patch(p, 'disk.qcow2', off, bytes);
      const err = await openImage(p, 'disk.qcow2', { format: 'qcow2' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlockError);
      expect((err as BlockError).code).toBe(code);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).toContain('disk.qcow2');
    });
  }

  it('names an unknown feature from the image\'s feature name table', async () => {
    const p = await freshImage();
    const s = await p.open('disk.qcow2');
    const head = await s.read(0, 4096);
    await s.close();
    // find the feature name table extension and rename its first entry to bit 9 "frobnication"
    const v = new DataView(head.buffer);
    let off = 112;
    while (v.getUint32(off) !== 0x6803f857) off += 8 + Math.ceil(v.getUint32(off + 4) / 8) * 8;
    const entry = new Uint8Array(48);
    entry[0] = 0; entry[1] = 9; entry.set(new TextEncoder().encode('frobnication'), 2);
    await patch(p, 'disk.qcow2', off + 8, entry);
    await patch(p, 'disk.qcow2', 72, be64(1 << 9));
    await expect(openImage(p, 'disk.qcow2')).rejects.toThrow(/unsupported feature: frobnication/);
  });

  it('opens a corrupt-marked image read-only', async () => {
    const p = await freshImage();
    await patch(p, 'disk.qcow2', 72, be64(2));
    const ro = await openImage(p, 'disk.qcow2', { readOnly: true });
    expectBytes(await ro.read(0, 100), pattern(100, 1));
    await ro.close();
  });

  it('refuses a truncated image', async () => {
    for (const size of [50, 200, 65536]) {
      const p = await freshImage();
      const s = await p.open('disk.qcow2');
      await s.truncate(size);
      await s.close();
      await expect(openImage(p, 'disk.qcow2', { format: 'qcow2' })).rejects.toMatchObject({ code: 'CORRUPT' });
    }
  });

  it('refuses read-write opens when a cluster is referenced but its refcount is 0', async () => {
    const p = await freshImage();
    const dev = await openImage(p, 'disk.qcow2') as Qcow2Device;
    const m = await dev.mapping(1);
    const rcBlock = 2 * 65536; // created layout: header, refcount table, refcount block, L1
    await dev.close();
    await patch(p, 'disk.qcow2', rcBlock + (m.host / 65536) * 2, [0, 0]);
    await expect(openImage(p, 'disk.qcow2')).rejects.toThrow(/refcount inconsistency: cluster at \d+ has refcount 0 but 1 reference/);
    const ro = await openImage(p, 'disk.qcow2', { readOnly: true });
    expectBytes(await ro.read(0, 100), pattern(100, 1));
    await ro.close();
  });

  it('refuses to read through an L2 entry with an unaligned host offset', async () => {
    const p = await freshImage();
    const dev = await openImage(p, 'disk.qcow2') as Qcow2Device;
    const l2 = dev.l1[0];
    await dev.close();
    await patch(p, 'disk.qcow2', l2 + 8, [0x80, 0, 0, 0, 0, 0x03, 0x02, 0x00]);
    const ro = await openImage(p, 'disk.qcow2', { readOnly: true });
    await expect(ro.read(65536, 10)).rejects.toThrow(/unaligned host offset/);
    await ro.close();
    await expect(openImage(p, 'disk.qcow2')).rejects.toThrow(/not cluster aligned/);
  });

  it('random corruption of the metadata never escapes as anything but a BlockError', async () => {
    const pristine = await freshImage(4096, MiB);
    const src = await pristine.open('disk.qcow2');
    const image = await src.read(0, await src.size());
    await src.close();
    let seed = 17;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const p = new MemoryStoreProvider();
      const s = await p.open('x.qcow2', { create: true });
      const copy = image.slice();
      for (let k = 0; k < 4; k++) copy[rnd(6 * 4096)] = rnd(256);
      await s.write(0, copy);
      await s.close();
      try {
        const dev = await openImage(p, 'x.qcow2', { format: 'qcow2', readOnly: i % 2 === 0 });
        await dev.read(0, dev.capacity > 4 * MiB ? 4 * MiB : dev.capacity);
        if (!dev.readOnly) await dev.write(8192, pattern(20_000, i));
        await dev.close();
      } catch (e) {
        if (!(e instanceof BlockError)) throw e;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('leaks', () => {
  it('reports leaked clusters on open and repairs them', async () => {
    const p = await freshImage();
    const dev = await openImage(p, 'disk.qcow2') as Qcow2Device;
    await dev.refcounts!.allocate(3); // allocated, never referenced: what a crash leaves
    await dev.close();
    const ro = await openImage(p, 'disk.qcow2', { readOnly: true });
    await ro.close();
    const again = await openImage(p, 'disk.qcow2') as Qcow2Device;
    expect(again.leaks).toBe(3); // found and freed on open
    expect((await again.check()).leaks).toBe(0);
    await again.refcounts!.allocate(2);
    expect((await again.check()).leaks).toBe(2);
    expect(await again.repairLeaks()).toBe(2);
    expect((await again.check()).leaks).toBe(0);
    expectBytes(await again.read(0, 3 * 65536 + 100), pattern(3 * 65536 + 100, 1));
    await again.close();
  });
});
