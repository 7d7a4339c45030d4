// Assembles the guests' initramfs: busybox-static, the project's /init with its
// network set-up (/lib/wasmvirt/ipconfig) and udhcpc's event script
// (/etc/udhcpc/default.script), a /dev/console node and, for the "debian" image,
// the virtio modules of Debian's kernel with the insmod order in /etc/wasmvirt/modules.
//
// Invariants: the archive holds only what is named here (no host files leak in),
// every entry is root-owned with mtime 0, and the bytes depend only on the inputs
// (see cpio.ts and gzip.ts). /dev/console (char 5:1) must exist in the archive:
// the kernel opens it for /init's stdio before /init runs
// (init/main.c console_on_rootfs).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpioArchive } from './cpio.js';

/** The guest's scripts: path in the archive → file under images/initramfs/ (all executable). */
const GUEST_SCRIPTS: Record<string, string> = {
  init: 'init',
  'lib/wasmvirt/ipconfig': 'ipconfig',
  'etc/udhcpc/default.script': 'default.script',
};
const GUEST_SCRIPTS_DIR = new URL('../../images/initramfs/', import.meta.url);

/** The virtio drivers of Debian's kernel, then its ext4 filesystem, in dependency order (FACTS). */
export const DEBIAN_VIRTIO_MODULES = [
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci',
  'drivers/block/virtio_blk',
  'net/core/failover',
  'drivers/net/net_failover',
  'drivers/net/virtio_net',
  'drivers/char/virtio_console',
  'drivers/char/hw_random/virtio-rng',
  'drivers/virtio/virtio_balloon',
  // ext2 filesystems on virtio-blk: Debian builds ext4 as a module (EXT4_USE_FOR_EXT2=y mounts ext2
  // too); ext4 depends on jbd2, mbcache and crc16; crc32c for metadata checksums and journals
  'lib/crc16',
  'crypto/crc32c_generic',
  'fs/mbcache',
  'fs/jbd2/jbd2',
  'fs/ext4/ext4',
];

export interface KernelModules {
  release: string; // e.g. 6.1.0-56-amd64
  root: string; // unpacked linux-image package
}

/** Common skeleton: directories, device node, passwd, busybox and its applet links, /init. */
export function baseArchive(busyboxRoot: string): CpioArchive {
  const a = new CpioArchive();
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'lib', 'mnt', 'run']) a.dir(d);
  a.dir('root', 0o700).dir('tmp', 0o1777);
  a.chardev('dev/console', 5, 1, 0o600);
  a.file('etc/passwd', text('root:x:0:0:root:/root:/bin/sh\n'));
  a.file('etc/group', text('root:x:0:\n'));
  const busybox = join(busyboxRoot, 'bin/busybox');
  if (!existsSync(busybox)) throw new Error(`busybox-static package has no bin/busybox under ${busyboxRoot}`);
  a.file('bin/busybox', readFileSync(busybox), 0o755);
  for (const applet of busyboxApplets(busybox)) {
    if (applet === 'bin/busybox' || applet === 'linuxrc' || a.has(applet)) continue;
    a.symlink(applet, '/bin/busybox');
  }
  for (const [path, file] of Object.entries(GUEST_SCRIPTS)) a.file(path, readFileSync(new URL(file, GUEST_SCRIPTS_DIR)), 0o755);
  return a;
}

/** Applet install paths (e.g. "usr/bin/awk") as busybox itself lists them. */
function busyboxApplets(busybox: string): string[] {
  const out = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' });
  const list = out.split('\n').map((l) => l.trim().replace(/^\/+/, '')).filter(Boolean);
  if (list.length < 50) throw new Error(`${busybox} --list-full listed only ${list.length} applets`);
  return list.sort();
}

/** Adds the virtio modules (decompressing .ko.xz) and their insmod order. Returns the module paths. */
export function addModules(a: CpioArchive, k: KernelModules, names = DEBIAN_VIRTIO_MODULES): string[] {
  const base = `lib/modules/${k.release}/kernel`;
  const order: string[] = [];
  for (const name of names) {
    const ko = join(k.root, base, `${name}.ko`);
    const path = `${base}/${name}.ko`;
    if (existsSync(ko)) a.file(path, readFileSync(ko));
    else if (existsSync(`${ko}.xz`)) a.file(path, execFileSync('xz', ['-dc', `${ko}.xz`], { maxBuffer: 64 << 20 }));
    else throw new Error(`kernel module ${name}.ko(.xz) not found under ${join(k.root, base)}`);
    order.push(`/${path}`);
  }
  a.file('etc/wasmvirt/modules', text(order.join('\n') + '\n'));
  return order;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
