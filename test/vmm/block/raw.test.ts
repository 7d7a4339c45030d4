// Raw images and the image-management API (create/open/info/resize, probing).
import { describe, expect, it } from 'vitest';
import { createImage, imageInfo, openImage, resizeImage } from '../../../src/vmm/block/images.js';
import { MemoryStoreProvider } from '../../../src/vmm/block/store-memory.js';
import { expectBytes, pattern } from './helpers.js';

const MiB = 1 << 20;

describe('raw images', () => {
  it('create, write, discard, write-zeroes, flush, reopen', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'r.img', { format: 'raw', capacity: 8 * MiB });
    const d = await openImage(p, 'r.img');
    expect(d).toMatchObject({ format: 'raw', capacity: 8 * MiB, readOnly: false });
    expect(await d.allocated()).toBe(0);
    await d.write(MiB + 3, pattern(300_000, 1));
    await d.discard(MiB + 65536 * 2, 65536);
    await d.writeZeroes(MiB, 100, { unmap: true });
    await d.flush();
    await d.close();
    const expected = new Uint8Array(8 * MiB);
    expected.set(pattern(300_000, 1), MiB + 3);
    expected.fill(0, MiB + 65536 * 2, MiB + 65536 * 3);
    expected.fill(0, MiB, MiB + 100);
    const r = await openImage(p, 'r.img', { readOnly: true });
    expectBytes(await r.read(0, 8 * MiB), expected);
    await expect(r.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
    await expect(r.read(8 * MiB, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await r.close();
  });

  it('probing: a raw image that is not qcow2 opens as raw; explicit format skips the probe', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'x.img', { format: 'raw', capacity: MiB });
    expect((await imageInfo(p, 'x.img')).format).toBe('raw');
    await createImage(p, 'y.qcow2', { format: 'qcow2', capacity: MiB });
    expect((await imageInfo(p, 'y.qcow2')).format).toBe('qcow2');
    const asRaw = await openImage(p, 'y.qcow2', { format: 'raw', readOnly: true });
    expect(asRaw.format).toBe('raw');
    await asRaw.close();
  });

  it('resize grows and shrinks raw images', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'g.img', { format: 'raw', capacity: MiB });
    await resizeImage(p, 'g.img', 3 * MiB);
    expect((await imageInfo(p, 'g.img')).virtualSize).toBe(3 * MiB);
    await resizeImage(p, 'g.img', MiB / 2);
    expect((await imageInfo(p, 'g.img')).virtualSize).toBe(MiB / 2);
  });

  it('refuses bad create requests with clear errors', async () => {
    const p = new MemoryStoreProvider();
    await createImage(p, 'a.img', { format: 'raw', capacity: MiB });
    await expect(createImage(p, 'a.img', { format: 'raw', capacity: MiB })).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(createImage(p, 'b.img', { format: 'raw' })).rejects.toThrow(/capacity is required/);
    await expect(createImage(p, 'b.img', { format: 'raw', capacity: -5 })).rejects.toThrow(/capacity -5/);
    await expect(createImage(p, 'b.img', { format: 'raw', capacity: MiB, backing: { name: 'a.img', format: 'raw' } }))
      .rejects.toThrow(/cannot have a backing file/);
    await expect(createImage(p, 'c.qcow2', { format: 'qcow2', capacity: MiB, clusterSize: 1000 }))
      .rejects.toThrow(/cluster size 1000/);
    await expect(createImage(p, 'd.img', { format: 'vmdk' as 'raw', capacity: MiB })).rejects.toThrow(/unknown image format 'vmdk'/);
    await expect(openImage(p, 'missing.img')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
