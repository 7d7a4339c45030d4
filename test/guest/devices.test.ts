// devices.test.ts — the serial line's BREAK, virtio-rng and virtio-balloon under the debian guest's
// own drivers (issue 6, "Done when"), sharing one VM: a BREAK then a key is a Magic SysRq request; /dev/hwrng is served by virtio_rng and yields bytes; after the guest
// touched 128 MiB, a balloon target of half its memory makes the driver inflate, and the VM's
// guest frames in the host pool (Kvm.vmUsage) drop by what the balloon took; deflating gives the
// pages back to the guest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerHypervisor } from '../../src/worker/hypervisor.js';
import { debianHasExt4, GuestVm, guestHypervisor } from './guest.js';

const MEMORY_MIB = 256;
const FRAME = 4096;

describe.skipIf(!debianHasExt4())('virtio-rng and virtio-balloon in the debian guest', () => {
  let hv: WorkerHypervisor;
  let g: GuestVm;

  beforeAll(async () => {
    hv = await guestHypervisor(512);
    g = await GuestVm.boot(hv, { name: 'devices', memoryMiB: MEMORY_MIB, rng: true, balloon: true });
  }, 600_000);

  afterAll(async () => {
    await g?.destroy();
  });

  /** Guest frames the VM holds in the shared pool (its only VM). */
  const vmFrames = () => {
    const vms = hv.kvm.vmUsage();
    expect(vms).toHaveLength(1);
    return vms[0]!.guestFrames;
  };

  it('a BREAK on the serial line makes the next key a Magic SysRq key (8250 driver, MAGIC_SYSRQ_SERIAL)', async () => {
    const from = g.text.length;
    await g.sendBreak();
    g.type('h'); // no SysRq command: the kernel prints the help, and the shell never sees the key
    await g.waitFor(/sysrq: HELP : loglevel\(0-9\) reboot\(b\)/, 60, 'the SysRq help', from);
    expect(await g.ok('grep -o "brk:[0-9]*" /proc/tty/driver/serial')).toMatch(/brk:1\b/);
  }, 300_000);

  it('/dev/hwrng is virtio_rng and yields bytes', async () => {
    expect((await g.ok('cat /sys/class/misc/hw_random/rng_current')).trim()).toMatch(/^virtio_rng\.\d+$/);
    const dump = async () => (await g.ok('dd if=/dev/hwrng bs=256 count=4 2>/dev/null | od -An -tx1 -v | tr -d " \\n"')).trim();
    const a = await dump();
    const b = await dump();
    expect(a).toMatch(/^[0-9a-f]{2048}$/); // 1024 bytes
    expect(b).toHaveLength(2048);
    expect(a).not.toBe(b);
    expect(new Set(a.match(/../g)).size).toBeGreaterThan(200); // random bytes, not a constant
  }, 300_000);

  it('inflating the balloon returns guest frames to the pool; deflating gives the pages back', async () => {
    expect((await g.ok('ls /sys/bus/virtio/drivers/virtio_balloon/')).split(/\s+/).some((n) => /^virtio\d+$/.test(n))).toBe(true);
    // touch 128 MiB (tmpfs pages), then free them in the guest: the frames stay with the VM
    await g.ok('mkdir -p /mnt/t && mount -t tmpfs -o size=200m tmpfs /mnt/t');
    await g.ok('dd if=/dev/zero of=/mnt/t/fill bs=1M count=128 2>/dev/null && rm /mnt/t/fill', 600);
    const before = vmFrames();
    expect(before * FRAME).toBeGreaterThan(128 << 20);
    const usedBefore = hv.kvm.poolStats().usedFrames;

    const targetKiB = (MEMORY_MIB / 2) * 1024;
    await g.vm.setMemory(targetKiB);
    const stop = Date.now() + 300_000;
    let actual = MEMORY_MIB * 1024;
    while (Date.now() < stop && (actual = (await g.vm.stats()).balloon.actualKiB) > targetKiB) await new Promise((r) => setTimeout(r, 200));
    expect(actual).toBe(targetKiB);
    const balloonFrames = (MEMORY_MIB * 1024 - targetKiB) / 4;
    const after = vmFrames();
    // every ballooned page was either never touched or its frame is back in the pool
    expect(before - after).toBeGreaterThan(balloonFrames * 0.75);
    expect(usedBefore - hv.kvm.poolStats().usedFrames).toBeGreaterThan(balloonFrames * 0.75);

    await g.vm.setMemory(MEMORY_MIB * 1024);
    const stop2 = Date.now() + 300_000;
    while (Date.now() < stop2 && (actual = (await g.vm.stats()).balloon.actualKiB) < MEMORY_MIB * 1024) await new Promise((r) => setTimeout(r, 200));
    expect(actual).toBe(MEMORY_MIB * 1024);
    // the deflated pages are usable again: the guest can fill them
    await g.ok('dd if=/dev/zero of=/mnt/t/fill bs=1M count=150 2>/dev/null && rm /mnt/t/fill', 600);
  }, 900_000);
});
