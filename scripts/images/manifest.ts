// The manifest.json written beside each guest image, and the bzImage facts it records.
//
// Invariants: a manifest lists every file of its image directory with size and
// sha256, holds no time stamps or host paths (so it is as reproducible as the
// image), and names the Debian packages (name, version, .deb sha256) it came from.
// bzImage facts follow the Linux x86 boot protocol (Documentation/x86/boot.rst):
// "HdrS" at 0x202, setup_sects at 0x1f1, payload_offset at 0x248 relative to
// the protected-mode code at (setup_sects + 1) * 512.

import { createHash } from 'node:crypto';
import type { DebPackage } from './apt.js';

export const MANIFEST_VERSION = 1;
export const READY_LINE = 'WASMVIRT-READY';

export interface ManifestFile {
  name: string;
  size: number;
  sha256: string;
}

export interface ImageManifest {
  manifestVersion: number;
  name: string;
  description: string;
  kernel: { file: string; format: 'bzImage'; payload: string; bootProtocol: string; release: string; package: string; packageVersion: string };
  initramfs: { file: string; format: 'cpio-newc+gzip'; modules: string[] };
  cmdline: string;
  ready: string;
  packages: { name: string; version: string; sha256: string }[];
  files: ManifestFile[];
}

export function describeFile(name: string, data: Uint8Array): ManifestFile {
  return { name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

export function packageRef(p: DebPackage): { name: string; version: string; sha256: string } {
  return { name: p.name, version: p.version, sha256: p.sha256 };
}

/** Boot protocol version and payload compression of a bzImage; throws if it is not one. */
export function bzImageInfo(image: Uint8Array): { bootProtocol: string; payload: string } {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image.length < 0x250 || view.getUint32(0x202, true) !== 0x53726448) throw new Error('not a bzImage: no "HdrS" at 0x202');
  const version = view.getUint16(0x206, true);
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + view.getUint32(0x248, true);
  const magic = [...image.subarray(start, start + 6)];
  const is = (m: number[]): boolean => m.every((b, i) => magic[i] === b);
  const payload = is([0x1f, 0x8b]) ? 'gzip' : is([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) ? 'xz' : is([0x28, 0xb5, 0x2f, 0xfd]) ? 'zstd' : 'unknown';
  return { bootProtocol: `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`, payload };
}
