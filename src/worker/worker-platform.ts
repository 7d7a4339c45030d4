// worker-platform.ts — what a VM worker needs from its platform: the bytes of boot files and the
// disks' images. Node reads files and opens images in directories; the browser fetches URLs and
// opens images in IndexedDB. Everything else in the worker is the same code.
import type { BlockDevice } from '../vmm/block/device.js';
import type { BootFile, DiskSpec } from './vm-protocol.js';

export interface WorkerPlatform {
  readBootFile(file: BootFile): Promise<Uint8Array>;
  openDisk(disk: DiskSpec): Promise<BlockDevice>;
}

/** Bytes of a boot file given inline or by URL (shared by both platforms). */
export async function readInlineOrUrl(file: BootFile): Promise<Uint8Array | undefined> {
  if ('bytes' in file) return new Uint8Array(file.bytes);
  if ('url' in file) {
    const r = await fetch(file.url);
    if (!r.ok) throw new Error(`cannot fetch ${file.url}: HTTP ${r.status}`);
    // A dev server answers an unknown path with its index page: that is a missing file, not a kernel.
    if (r.headers.get('content-type')?.startsWith('text/html')) {
      throw new Error(`cannot fetch ${file.url}: the server has no such file (it answered with an HTML page)`);
    }
    return new Uint8Array(await r.arrayBuffer());
  }
  return undefined;
}
