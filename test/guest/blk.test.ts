// blk.test.ts — virtio-blk under the debian guest's own driver (issue 6, "Done when"): busybox
// mke2fs on a raw file disk and on a qcow2 overlay, 32 MiB from /dev/urandom written to each, their
// md5sums recorded, `poweroff -f`; a NEW VM on the same image files mounts them and the sums match.
// The overlay's raw backing file hashes the same before and after; the overlay passes `qemu-img
// check`. A qcow2 made by `qemu-img create` + `qemu-img convert` from a host-made ext2 image mounts
// in the guest and its file reads right (and still passes `qemu-img check` after the guest mounted it).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage } from '../../src/vmm/block/images.js';
import { NodeStoreProvider } from '../../src/vmm/block/store-node.js';
import type { WorkerHypervisor } from '../../src/worker/hypervisor.js';
import { debianHasExt4, GuestVm, guestHypervisor, type GuestDisk } from './guest.js';

const MiB = 1 << 20;
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const QEMU_IMG = has('qemu-img');
const HOST_MKE2FS = has('mke2fs');

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** A sparse file of `size` bytes with pseudo-random 64 KiB runs every MiB (something to change). */
function rawBacking(file: string, size: number): void {
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size);
  let x = 0x9e3779b9;
  const run = new Uint8Array(65536);
  for (let off = 0; off < size; off += MiB) {
    for (let i = 0; i < run.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; run[i] = x & 0xff; }
    writeSync(fd, run, 0, run.length, off);
  }
  closeSync(fd);
}

/** `qemu-img check` of an image: its exit status and report. */
function qemuImgCheck(file: string): { status: number; out: string } {
  const r = spawnSync('qemu-img', ['check', file], { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!debianHasExt4())('virtio-blk in the debian guest', () => {
  let hv: WorkerHypervisor;
  let dir: string;
  let disks: GuestDisk[];
  let backingHash: string;
  /** the file inside the qemu-img-made image and its md5 */
  let importedSum = '';
  let importedRead = '';
  const sums: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmvirt-guest-blk-'));
    hv = await guestHypervisor(768);
    const raw = join(dir, 'disk.raw');
    const fd = openSync(raw, 'w');
    ftruncateSync(fd, 48 * MiB);
    closeSync(fd);
    rawBacking(join(dir, 'base.raw'), 48 * MiB);
    backingHash = sha256(join(dir, 'base.raw'));
    await createImage(new NodeStoreProvider(dir), 'overlay.qcow2', { format: 'qcow2', backing: { name: 'base.raw', format: 'raw' } });
    disks = [{ path: raw, format: 'raw' }, { path: join(dir, 'overlay.qcow2'), format: 'qcow2' }];
    if (QEMU_IMG && HOST_MKE2FS) {
      // the third disk: ext2 made on the host, turned into qcow2 by qemu-img
      const content = join(dir, 'content');
      mkdirSync(content);
      const payload = new Uint8Array(3 * MiB + 4321);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 2654435761) >>> 24;
      writeFileSync(join(content, 'payload.bin'), payload);
      importedSum = md5(payload);
      execFileSync('mke2fs', ['-q', '-F', '-t', 'ext2', '-d', content, join(dir, 'import.raw'), '16M']);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'import.qcow2'), '16M']);
      execFileSync('qemu-img', ['convert', '-n', '-O', 'qcow2', join(dir, 'import.raw'), join(dir, 'import.qcow2')]);
      disks.push({ path: join(dir, 'import.qcow2'), format: 'qcow2' });
    }
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('mke2fs, 32 MiB of random data and its md5sum on a raw disk and a qcow2 overlay, then power off', async () => {
    const g = await GuestVm.boot(hv, { name: 'blk-1', disks });
    try {
      expect(await g.ok('cat /sys/block/vda/size /sys/block/vdb/size')).toBe(`${48 * 2048}\n${48 * 2048}\n`);
      for (const [dev, mnt] of [['vda', 'a'], ['vdb', 'b']] as const) {
        await g.ok(`mke2fs -q /dev/${dev} && mkdir -p /mnt/${mnt} && mount -t ext2 /dev/${dev} /mnt/${mnt}`, 300);
        await g.ok(`dd if=/dev/urandom of=/mnt/${mnt}/random bs=1M count=32 2>/dev/null`, 600);
        sums[dev] = await g.md5(`/mnt/${mnt}/random`);
        expect(sums[dev]).toMatch(/^[0-9a-f]{32}$/);
      }
      expect(sums.vda).not.toBe(sums.vdb);
      await g.ok('umount /mnt/a && umount /mnt/b && sync', 300);
      expect((await g.poweroff()).cause).toBe('guest-poweroff');
    } finally {
      await g.destroy();
    }
    expect(sha256(join(dir, 'base.raw'))).toBe(backingHash);
  }, 1_500_000);

  it('a new VM on the same image files finds the same md5sums; the overlay\'s backing file is unchanged', async () => {
    expect(sums.vda, 'the first VM recorded its checksums').toBeDefined();
    const g = await GuestVm.boot(hv, { name: 'blk-2', disks });
    try {
      await g.ok('mkdir -p /mnt/a /mnt/b && mount -t ext2 /dev/vda /mnt/a && mount -t ext2 /dev/vdb /mnt/b', 300);
      expect(await g.md5('/mnt/a/random')).toBe(sums.vda);
      expect(await g.md5('/mnt/b/random')).toBe(sums.vdb);
      if (disks.length > 2) {
        // the qemu-img-made qcow2 (mounting also writes its superblock through our qcow2 writer)
        await g.ok('mkdir -p /mnt/c && mount -t ext2 /dev/vdc /mnt/c', 300);
        importedRead = await g.md5('/mnt/c/payload.bin');
        await g.ok('umount /mnt/c');
      }
      await g.ok('umount /mnt/a && umount /mnt/b && sync', 300);
      expect((await g.poweroff()).cause).toBe('guest-poweroff');
    } finally {
      await g.destroy();
    }
    expect(sha256(join(dir, 'base.raw'))).toBe(backingHash);
  }, 1_500_000);

  it.skipIf(!QEMU_IMG || !HOST_MKE2FS)('a qcow2 made by qemu-img create + convert (host mke2fs) mounts and its file reads right', () => {
    expect(importedRead, 'the second VM read the file').not.toBe('');
    expect(importedRead).toBe(importedSum);
  });

  it.skipIf(!QEMU_IMG)('the qcow2 images the guests wrote pass qemu-img check (no errors, no leaks)', () => {
    for (const name of disks.length > 2 ? ['overlay.qcow2', 'import.qcow2'] : ['overlay.qcow2']) {
      const check = qemuImgCheck(join(dir, name));
      expect(check.out, name).toMatch(/No errors were found on the image/);
      expect(check.out, name).not.toMatch(/leaked/);
      expect(check.status, name).toBe(0);
    }
  });
});
