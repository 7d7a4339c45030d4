// The fast path: a bzImage whose payload is gzip or XZ and whose decompressed vmlinux carries a
// PVH note is decompressed on the host and entered through PVH, skipping the guest-side
// decompressor (for Debian's kernel, 4.49 G of 6.32 G boot instructions; FACTS.md).
// `inspectFastPath` says whether it applies and why not; the loader falls back to the plain
// bzImage path when it does not (unless PVH was demanded).

import { bzImagePayload, parseBzImage } from './bzimage-header.js';
import { decompressPayload, detectCompression } from './decompress.js';
import { isElf, parseElf } from './elf.js';
import { pvhEntry } from './pvh.js';

export type FastPathResult =
  | { ok: true; vmlinux: Uint8Array; entry: number; compression: 'gzip' | 'xz' }
  | { ok: false; reason: string };

export async function inspectFastPath(bzImage: Uint8Array): Promise<FastPathResult> {
  const h = parseBzImage(bzImage);
  if (!h.payloadLength) return { ok: false, reason: 'the bzImage declares no payload (boot protocol < 2.08)' };
  const payload = bzImagePayload(bzImage, h);
  const compression = detectCompression(payload);
  if (compression !== 'gzip' && compression !== 'xz') return { ok: false, reason: `payload is ${compression}, not gzip or XZ` };
  // A payload that fails to decompress is an error (KernelLoadError 'decompress'), not a fallback.
  const vmlinux = await decompressPayload(payload);
  if (!isElf(vmlinux)) return { ok: false, reason: 'the decompressed payload is not an ELF vmlinux' };
  const entry = pvhEntry(vmlinux, parseElf(vmlinux, 'decompressed vmlinux'));
  if (entry === undefined) return { ok: false, reason: 'the vmlinux has no PVH note (kernel built without CONFIG_PVH)' };
  return { ok: true, vmlinux, entry, compression };
}
