// Interop with Debian's qemu-img (qemu-utils): images qemu-img makes read
// correctly here; images made here pass `qemu-img check` (no errors, no
// leaks), `qemu-img compare` finds them identical to the raw data written,
// and `qemu-img info` agrees with imageInfo().
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, imageInfo, openImage, resizeImage } from '../../../src/vmm/block/images.js';
import { convertImage } from '../../../src/vmm/block/convert.js';
import { NodeStoreProvider } from '../../../src/vmm/block/store-node.js';
import { expectBytes, pattern, qemuCheck, qemuImg, requireQemuImg, tempDir } from './helpers.js';

const MiB = 1 << 20;
const tmp = tempDir('interop');
let provider: NodeStoreProvider;
const at = (name: string): string => `${tmp.dir}/${name}`;

beforeAll(() => {
  requireQemuImg();
  provider = new NodeStoreProvider(tmp.dir);
});
afterAll(() => tmp.cleanup());

/** A raw file with recognisable data at scattered offsets (and holes). */
function makeRaw(name: string, size: number, seed: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let off = 0, k = 0; off < size; off += 3 * MiB + 12345, k++) {
    const len = Math.min(size - off, 100_000 + k * 7919);
    data.set(pattern(len, seed + k), off);
  }
  writeFileSync(at(name), data);
  return data;
}

describe('qemu-img made images read correctly', () => {
  it('qemu-img create -f qcow2: empty, right size, reads zeros', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', at('empty.qcow2'), '100M']);
    const dev = await openImage(provider, 'empty.qcow2', { readOnly: true });
    expect(dev.format).toBe('qcow2');
    expect(dev.capacity).toBe(100 * MiB);
    expectBytes(await dev.read(50 * MiB, MiB), new Uint8Array(MiB));
    await dev.close();
  });

  it('qemu-img convert -O qcow2 with data, at several cluster sizes', async () => {
    const raw = makeRaw('data.raw', 20 * MiB, 1);
    for (const cs of ['65536', '4096', '2M']) {
      qemuImg(['convert', '-q', '-f', 'raw', '-O', 'qcow2', '-o', `cluster_size=${cs}`, at('data.raw'), at(`data-${cs}.qcow2`)]);
      const dev = await openImage(provider, `data-${cs}.qcow2`, { readOnly: true });
      expectBytes(await dev.read(0, raw.length), raw);
      expectBytes(await dev.read(3 * MiB + 12000, 777), raw.subarray(3 * MiB + 12000, 3 * MiB + 12777));
      await dev.close();
    }
  });

  it('compressed clusters (qemu-img convert -c) read correctly', async () => {
    const raw = makeRaw('comp.raw', 8 * MiB, 2);
    raw.fill(0x41, 5 * MiB, 6 * MiB); // compresses well
    writeFileSync(at('comp.raw'), raw);
    qemuImg(['convert', '-q', '-c', '-f', 'raw', '-O', 'qcow2', at('comp.raw'), at('comp.qcow2')]);
    const dev = await openImage(provider, 'comp.qcow2', { readOnly: true });
    expectBytes(await dev.read(0, raw.length), raw);
    await dev.close();
  });

  it('an overlay qemu-img made over a backing file reads through, and writes copy up', async () => {
    const base = makeRaw('base.raw', 16 * MiB, 3);
    qemuImg(['convert', '-q', '-f', 'raw', '-O', 'qcow2', at('base.raw'), at('base.qcow2')]);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', at('over.qcow2')]);
    // qemu-io is not in qemu-utils everywhere: write the overlay's data through a second convert
    const dev = await openImage(provider, 'over.qcow2', { readOnly: true });
    expect(dev.capacity).toBe(16 * MiB);
    expectBytes(await dev.read(0, base.length), base);
    await dev.close();
    const rw = await openImage(provider, 'over.qcow2');
    const patch = pattern(10_000, 99);
    await rw.write(MiB + 100, patch);
    await rw.flush();
    await rw.close();
    const expected = base.slice();
    expected.set(patch, MiB + 100);
    writeFileSync(at('over-expected.raw'), expected);
    expect(qemuCheck(at('over.qcow2'))).toMatchObject({ 'check-errors': 0, code: 0 });
    expect(qemuImg(['compare', '-q', at('over.qcow2'), at('over-expected.raw')], { allowFail: true }).code).toBe(0);
    // the backing file is unchanged
    expect(qemuImg(['compare', '-q', at('base.qcow2'), at('base.raw')], { allowFail: true }).code).toBe(0);
  });
});

describe('qemu-img variants', () => {
  it('qemu-img convert -B: an overlay holding only the differences from its backing file', async () => {
    const base = makeRaw('cb-base.raw', 8 * MiB, 11);
    const full = base.slice();
    full.set(pattern(300_000, 12), 2 * MiB + 5);
    full.fill(0, 6 * MiB, 7 * MiB);
    writeFileSync(at('cb-full.raw'), full);
    qemuImg(['convert', '-q', '-f', 'raw', '-O', 'qcow2', at('cb-base.raw'), at('cb-base.qcow2')]);
    qemuImg(['convert', '-q', '-f', 'raw', '-O', 'qcow2', '-B', 'cb-base.qcow2', '-F', 'qcow2', at('cb-full.raw'), at('cb-over.qcow2')]);
    const dev = await openImage(provider, 'cb-over.qcow2');
    expectBytes(await dev.read(0, full.length), full, 'overlay from convert -B');
    await dev.write(7 * MiB, pattern(65536, 13));
    full.set(pattern(65536, 13), 7 * MiB);
    await dev.close();
    writeFileSync(at('cb-full2.raw'), full);
    expect(qemuCheck(at('cb-over.qcow2'))).toMatchObject({ 'check-errors': 0, code: 0 });
    expect(qemuImg(['compare', '-q', at('cb-over.qcow2'), at('cb-full2.raw')], { allowFail: true }).code).toBe(0);
  });

  it('an absolute backing path inside the pool directory resolves; one outside is refused', async () => {
    makeRaw('abs-base.raw', MiB, 41);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', at('abs-base.raw'), '-F', 'raw', at('abs-over.qcow2')]);
    const dev = await openImage(provider, 'abs-over.qcow2', { readOnly: true });
    expectBytes(await dev.read(0, MiB), readFileSync(at('abs-base.raw')), 'absolute backing');
    await dev.close();
    expect((await imageInfo(provider, 'abs-over.qcow2')).fullBackingFilename).toBe('abs-base.raw');
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', '/etc/hostname', '-F', 'raw', '-u', at('evil.qcow2'), '1M']);
    await expect(openImage(provider, 'evil.qcow2', { readOnly: true })).rejects.toThrow(/outside/);
  });

  it('preallocation=metadata, refcount_bits=1 and 64, lazy_refcounts=on: read, write, check', async () => {
    for (const opts of ['preallocation=metadata', 'refcount_bits=1', 'refcount_bits=64', 'lazy_refcounts=on']) {
      const name = `var-${opts.replace(/[=_]/g, '-')}.qcow2`;
      qemuImg(['create', '-q', '-f', 'qcow2', '-o', opts, at(name), '4M']);
      const dev = await openImage(provider, name);
      expectBytes(await dev.read(0, 4 * MiB), new Uint8Array(4 * MiB), `${opts}: empty`);
      const expected = new Uint8Array(4 * MiB);
      expected.set(pattern(1_000_000, 21), 123_456);
      await dev.write(123_456, pattern(1_000_000, 21));
      await dev.writeZeroes(2 * MiB, 65536, { unmap: true });
      expected.fill(0, 2 * MiB, 2 * MiB + 65536);
      expectBytes(await dev.read(0, 4 * MiB), expected, opts);
      await dev.close();
      writeFileSync(at(`${name}.raw`), expected);
      const check = qemuCheck(at(name));
      expect(check, opts).toMatchObject({ 'check-errors': 0, code: 0 });
      expect(qemuImg(['compare', '-q', '-F', 'raw', at(name), at(`${name}.raw`)], { allowFail: true }).code, opts).toBe(0);
    }
  });

  it('compat=0.10 (version 2) images and images with internal snapshots open read-only only', async () => {
    makeRaw('v2.raw', 2 * MiB, 31);
    qemuImg(['convert', '-q', '-f', 'raw', '-O', 'qcow2', '-o', 'compat=0.10', at('v2.raw'), at('v2.qcow2')]);
    const ro = await openImage(provider, 'v2.qcow2', { readOnly: true });
    expectBytes(await ro.read(0, 2 * MiB), readFileSync(at('v2.raw')), 'version 2 image');
    await ro.close();
    await expect(openImage(provider, 'v2.qcow2')).rejects.toThrow(/version 2 \(compat=0.10\)/);
    qemuImg(['convert', '-q', '-f', 'raw', '-O', 'qcow2', at('v2.raw'), at('snap.qcow2')]);
    qemuImg(['snapshot', '-c', 'before', at('snap.qcow2')]);
    await expect(openImage(provider, 'snap.qcow2')).rejects.toThrow(/internal snapshots/);
    const s = await openImage(provider, 'snap.qcow2', { readOnly: true });
    expectBytes(await s.read(0, 2 * MiB), readFileSync(at('v2.raw')), 'image with a snapshot');
    await s.close();
  });
});

describe('images written here pass qemu-img check and compare', () => {
  for (const clusterSize of [65536, 512]) {
    it(`qcow2 without backing, ${clusterSize}-byte clusters`, async () => {
      const name = `mine-${clusterSize}.qcow2`;
      const size = 24 * MiB;
      await createImage(provider, name, { format: 'qcow2', capacity: size, clusterSize });
      const dev = await openImage(provider, name);
      const expected = new Uint8Array(size);
      const writes: [number, number][] = [[0, 4096], [MiB - 7, 200_000], [5 * MiB + 3, 3 * MiB], [20 * MiB, 65536 * 3 + 1],
        [size - 1000, 1000], [2 * MiB, 512]];
      writes.forEach(([off, len], i) => expected.set(pattern(len, 100 + i), off));
      for (const [i, [off, len]] of writes.entries()) await dev.write(off, pattern(len, 100 + i));
      // overwrite in place, discard, write zeroes
      await dev.write(5 * MiB + 3, pattern(1000, 7));
      expected.set(pattern(1000, 7), 5 * MiB + 3);
      await dev.discard(6 * MiB, MiB);
      expected.fill(0, 6 * MiB, 7 * MiB);
      await dev.writeZeroes(7 * MiB + 100, 300_000, { unmap: true });
      expected.fill(0, 7 * MiB + 100, 7 * MiB + 300_100);
      await dev.writeZeroes(20 * MiB, 65536);
      expected.fill(0, 20 * MiB, 20 * MiB + 65536);
      expectBytes(await dev.read(0, size), expected);
      await dev.flush();
      await dev.close();
      writeFileSync(at(`${name}.raw`), expected);
      expect(qemuCheck(at(name))).toMatchObject({ 'check-errors': 0, code: 0 });
      expect(qemuCheck(at(name)).leaks ?? 0).toBe(0);
      const cmp = qemuImg(['compare', '-f', 'qcow2', '-F', 'raw', at(name), at(`${name}.raw`)], { allowFail: true });
      expect(cmp.code, cmp.out + cmp.err).toBe(0);
    });
  }

  it('qcow2 overlay over a qcow2 backing file (linked clone)', async () => {
    const size = 8 * MiB;
    const base = makeRaw('lbase.raw', size, 5);
    await createImage(provider, 'lbase.qcow2', { format: 'qcow2', capacity: size });
    const b = await openImage(provider, 'lbase.qcow2');
    await b.write(0, base);
    await b.flush();
    await b.close();
    const baseHash = readFileSync(at('lbase.qcow2'));
    await createImage(provider, 'clone.qcow2', { format: 'qcow2', backing: { name: 'lbase.qcow2', format: 'qcow2' } });
    const c = await openImage(provider, 'clone.qcow2');
    expect(c.capacity).toBe(size);
    const expected = base.slice();
    await c.write(100, pattern(5000, 8)); expected.set(pattern(5000, 8), 100);
    await c.write(3 * MiB - 10, pattern(70_000, 9)); expected.set(pattern(70_000, 9), 3 * MiB - 10);
    await c.discard(4 * MiB, MiB); expected.fill(0, 4 * MiB, 5 * MiB);
    await c.writeZeroes(6 * MiB, 65536); expected.fill(0, 6 * MiB, 6 * MiB + 65536);
    expectBytes(await c.read(0, size), expected);
    await c.flush();
    await c.close();
    writeFileSync(at('clone.raw'), expected);
    expect(qemuCheck(at('clone.qcow2'))).toMatchObject({ 'check-errors': 0, code: 0 });
    expect(qemuImg(['compare', '-q', at('clone.qcow2'), at('clone.raw')], { allowFail: true }).code).toBe(0);
    expect(readFileSync(at('lbase.qcow2')).equals(baseHash)).toBe(true);
    const info = JSON.parse(qemuImg(['info', '--output=json', at('clone.qcow2')]).out);
    const mine = await imageInfo(provider, 'clone.qcow2');
    expect(mine.virtualSize).toBe(info['virtual-size']);
    expect(mine.backingFilename).toBe(info['backing-filename']);
    expect(mine.backingFormat).toBe(info['backing-filename-format']);
    expect(mine.format).toBe(info.format);
    expect(mine.clusterSize).toBe(info['cluster-size']);
    expect(mine.actualSize).toBe(info['actual-size']);
  });

  it('qcow2 overlay over a raw backing file', async () => {
    const base = makeRaw('rbase.raw', 4 * MiB, 6);
    await createImage(provider, 'rover.qcow2', { format: 'qcow2', backing: { name: 'rbase.raw', format: 'raw' } });
    const c = await openImage(provider, 'rover.qcow2');
    await c.write(MiB + 1, pattern(1000, 1));
    await c.close();
    const expected = base.slice();
    expected.set(pattern(1000, 1), MiB + 1);
    writeFileSync(at('rover-expected.raw'), expected);
    expect(qemuCheck(at('rover.qcow2'))).toMatchObject({ 'check-errors': 0, code: 0 });
    expect(qemuImg(['compare', '-q', at('rover.qcow2'), at('rover-expected.raw')], { allowFail: true }).code).toBe(0);
  });

  it('resize grows like qemu-img resize, and qemu-img info agrees; shrink is refused', async () => {
    await createImage(provider, 'grow.qcow2', { format: 'qcow2', capacity: MiB, clusterSize: 512 });
    const d = await openImage(provider, 'grow.qcow2');
    await d.write(0, pattern(MiB, 3));
    await d.close();
    await resizeImage(provider, 'grow.qcow2', 64 * MiB); // L1 must move at 512-byte clusters
    const info = JSON.parse(qemuImg(['info', '--output=json', at('grow.qcow2')]).out);
    expect(info['virtual-size']).toBe(64 * MiB);
    expect((await imageInfo(provider, 'grow.qcow2')).virtualSize).toBe(64 * MiB);
    const e = await openImage(provider, 'grow.qcow2');
    await e.write(60 * MiB, pattern(4096, 4));
    expectBytes(await e.read(0, MiB), pattern(MiB, 3));
    await e.close();
    expect(qemuCheck(at('grow.qcow2'))).toMatchObject({ 'check-errors': 0, code: 0 });
    await expect(resizeImage(provider, 'grow.qcow2', MiB)).rejects.toThrow(/shrink/);
  });

  it('convertImage: raw -> qcow2 (thin), and qcow2 chain -> qcow2 overlay of the same base (differences only)', async () => {
    const raw = makeRaw('cv.raw', 6 * MiB, 51);
    await convertImage(provider, 'cv.raw', 'cv.qcow2', { format: 'qcow2' });
    expect(qemuCheck(at('cv.qcow2'))).toMatchObject({ 'check-errors': 0, code: 0 });
    expect(qemuImg(['compare', '-q', at('cv.qcow2'), at('cv.raw')], { allowFail: true }).code).toBe(0);
    expect((await imageInfo(provider, 'cv.qcow2')).actualSize).toBeLessThan(raw.length);
    await createImage(provider, 'cv-top.qcow2', { format: 'qcow2', backing: { name: 'cv.qcow2', format: 'qcow2' } });
    const top = await openImage(provider, 'cv-top.qcow2');
    await top.write(2 * MiB, pattern(4096, 52));
    await top.close();
    await convertImage(provider, 'cv-top.qcow2', 'cv-flat.raw', { format: 'raw' });
    await convertImage(provider, 'cv-top.qcow2', 'cv-diff.qcow2', { format: 'qcow2', backing: { name: 'cv.qcow2', format: 'qcow2' } });
    expect(qemuImg(['compare', '-q', at('cv-diff.qcow2'), at('cv-flat.raw')], { allowFail: true }).code).toBe(0);
    const map = JSON.parse(qemuImg(['map', '--output=json', at('cv-diff.qcow2')]).out) as { depth: number; data: boolean; length: number }[];
    const own = map.filter((m) => m.depth === 0 && m.data).reduce((n, m) => n + m.length, 0);
    expect(own).toBe(MiB); // just the 1 MiB step that differs
  });

  it('raw images: imageInfo matches qemu-img info', async () => {
    await createImage(provider, 'disk.raw', { format: 'raw', capacity: 32 * MiB });
    const d = await openImage(provider, 'disk.raw');
    await d.write(MiB, pattern(65536, 1));
    await d.close();
    const info = JSON.parse(qemuImg(['info', '--output=json', '-f', 'raw', at('disk.raw')]).out);
    const mine = await imageInfo(provider, 'disk.raw');
    expect(mine).toMatchObject({ format: 'raw', virtualSize: info['virtual-size'], actualSize: info['actual-size'] });
    expect(execFileSync('cmp', ['-n', '65536', '-i', `${MiB}:0`, at('disk.raw'), '-'], { input: pattern(65536, 1) })).toBeDefined();
  });
});
