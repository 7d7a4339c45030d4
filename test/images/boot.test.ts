// The built guest images (`npm run images`) boot for real under Debian's QEMU (TCG):
// each reaches WASMVIRT-READY, answers `uname -m` with x86_64 from its shell, sees
// its virtio RNG and powers off through ACPI. Also checks what the manifests promise
// (files, cmdline, formats) against the files themselves. Fails, not skips, when the
// images or QEMU are missing: CI runs `npm run images` and installs qemu-system-x86.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OUT } from '../../scripts/images/build.js';
import { readCpio } from '../../scripts/images/cpio.js';
import { bzImageInfo } from '../../scripts/images/manifest.js';
import { checkBootResult } from '../../scripts/images/qemu-check.js';
import { loadImage, qemuAvailable, qemuBoot } from '../../scripts/images/qemu-boot.js';

const images = [
  { name: 'debian', payload: 'xz', modules: 17, timeout: 80 },
  { name: 'tiny', payload: 'gzip', modules: 0, timeout: 40 },
];

describe.each(images)('guest image $name', ({ name, payload, modules, timeout }) => {
  it('matches its manifest and carries a working initramfs', () => {
    const { dir, manifest } = loadImage(DEFAULT_OUT, name);
    expect(manifest.cmdline).toBe('console=ttyS0');
    expect(manifest.initramfs.format).toBe('cpio-newc+gzip');
    const kernel = readFileSync(join(dir, manifest.kernel.file));
    expect(bzImageInfo(kernel).payload).toBe(payload);
    expect(manifest.kernel.payload).toBe(payload);
    const members = readCpio(gunzipSync(readFileSync(join(dir, manifest.initramfs.file))));
    const by = new Map(members.map((m) => [m.path, m]));
    expect(by.get('dev/console')).toMatchObject({ kind: 'chardev', rdev: { major: 5, minor: 1 } });
    for (const script of ['init', 'lib/wasmvirt/ipconfig', 'etc/udhcpc/default.script']) expect(by.get(script)).toMatchObject({ kind: 'file', perm: 0o755 });
    expect(by.get('bin/sh')).toMatchObject({ kind: 'symlink', target: '/bin/busybox' });
    expect(by.get('bin/busybox')?.kind).toBe('file');
    expect(manifest.initramfs.modules).toHaveLength(modules);
    for (const m of manifest.initramfs.modules) expect(by.get(m.slice(1))?.kind).toBe('file');
    // the in-guest disk tests mount ext2 with Debian's ext4 module, loaded last (after its dependencies)
    if (modules) expect(manifest.initramfs.modules.at(-1)).toMatch(/\/fs\/ext4\/ext4\.ko$/);
  });

  it('boots under QEMU TCG to WASMVIRT-READY and a shell that answers uname -m', async () => {
    if (!qemuAvailable()) throw new Error('qemu-system-x86_64 is not installed: apt-get install qemu-system-x86');
    const r = await qemuBoot(DEFAULT_OUT, name, timeout);
    checkBootResult(r);
    expect(r).toMatchObject({ image: name, uname_m: 'x86_64', poweroff: true });
    expect(r.qemu_tcg_seconds).toBeGreaterThan(0);
  }, (timeout + 10) * 1000);
});
