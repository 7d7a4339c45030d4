// The kernel loader front door: recognises the file and boots it the best way.
//   bzImage  -> 'auto' (default): the fast path (host-side decompression + PVH) when the payload
//               is gzip/XZ and the vmlinux has a PVH note, else the Linux boot protocol;
//               'bzimage': always the boot protocol; 'pvh': the fast path or an error.
//   ELF with a PVH note -> PVH.   Multiboot header in the first 8 KiB -> Multiboot v1.
// Invariant: anything else, or a file failing a check, is a KernelLoadError before the VM starts.

import { isBzImage } from './bzimage-header.js';
import { loadBzImage } from './bzimage.js';
import { isElf, parseElf } from './elf.js';
import { fail } from './errors.js';
import { inspectFastPath } from './fast-path.js';
import { findMultibootHeader, loadMultiboot } from './multiboot.js';
import { loadPvh, pvhEntry } from './pvh.js';
import type { KernelLoadInput, LoadedKernel } from './types.js';

export type BootPath = 'auto' | 'pvh' | 'bzimage';

export interface LoadOptions {
  bootPath?: BootPath;
  /** bzImage only: use the 32-bit entry even when a 64-bit one exists. */
  entry32?: boolean;
}

export interface KernelLoadResult extends LoadedKernel {
  /** Why the fast path was not taken for a bzImage, when it was not. */
  fastPathSkipped?: string;
}

export async function loadKernel(input: KernelLoadInput, opts: LoadOptions = {}): Promise<KernelLoadResult> {
  const path = opts.bootPath ?? 'auto';
  const k = input.kernel;
  if (isBzImage(k)) {
    if (path === 'bzimage') return loadBzImage(input, { entry32: opts.entry32 });
    const fast = await inspectFastPath(k);
    if (fast.ok) return loadPvh(input, fast.vmlinux, `bzImage payload (${fast.compression}, decompressed on the host)`);
    if (path === 'pvh') fail('no-pvh-note', `PVH boot requested but the fast path does not apply: ${fast.reason}`);
    return { ...loadBzImage(input, { entry32: opts.entry32 }), fastPathSkipped: fast.reason };
  }
  if (path === 'bzimage') fail('bad-magic', 'bzImage boot requested but the kernel has no boot sector signature and "HdrS" header');
  if (isElf(k) && pvhEntry(k, parseElf(k, 'ELF kernel')) !== undefined) return loadPvh(input, k, 'ELF kernel');
  if (findMultibootHeader(k) !== undefined) return loadMultiboot(input);
  if (isElf(k)) fail('no-pvh-note', 'ELF kernel has neither a Xen PVH note (XEN_ELFNOTE_PHYS32_ENTRY) nor a Multiboot header');
  fail('unknown-format', `not a kernel this VMM can boot (${k.length} bytes; expected a bzImage, an ELF with a PVH note, or a Multiboot image)`);
}

export { KernelLoadError } from './errors.js';
export type { KernelLoadInput, LoadedKernel } from './types.js';
export type { GuestMemoryWriter } from './guest-memory.js';
export type { BootCpuState, SegmentState } from './boot-state.js';
