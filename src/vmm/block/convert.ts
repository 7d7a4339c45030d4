// convertImage: copy a disk image into a new one, possibly of another format
// (`qemu-img convert`), the basis of libvirt's vol-clone / vol-create-from.
// The source (with its whole backing chain) is read as the guest sees it; the
// destination has no backing file unless one is given (then only the
// differences from it are written, like `qemu-img convert -B`). All-zero
// stretches are not written, so the copy stays thin.

import { BlockError } from './errors.js';
import { createImage, openImage, type BackingSpec } from './images.js';
import type { ImageFormat } from './device.js';
import type { StoreProvider } from './store.js';

export interface ConvertOptions {
  format: ImageFormat;
  clusterSize?: number;
  backing?: BackingSpec;
  /** Bytes copied per step (default 1 MiB). */
  step?: number;
}

export async function convertImage(provider: StoreProvider, source: string, target: string,
  options: ConvertOptions): Promise<void> {
  const src = await openImage(provider, source, { readOnly: true });
  try {
    await createImage(provider, target, {
      format: options.format, capacity: src.capacity, clusterSize: options.clusterSize, backing: options.backing,
    });
    const dst = await openImage(provider, target);
    try {
      const base = options.backing ? await openImage(provider, provider.resolve(target, options.backing.name),
        { readOnly: true, format: options.backing.format }) : undefined;
      try {
        const step = options.step ?? 1 << 20;
        for (let off = 0; off < src.capacity; off += step) {
          const len = Math.min(step, src.capacity - off);
          const data = await src.read(off, len);
          const under = base && off < base.capacity
            ? await base.read(off, Math.min(len, base.capacity - off)) : undefined;
          if (under ? sameBytes(data, under) : isZero(data)) continue;
          await dst.write(off, data);
        }
      } finally {
        await base?.close();
      }
      await dst.flush();
    } finally {
      await dst.close();
    }
  } catch (e) {
    if (e instanceof BlockError && e.code === 'EEXIST') throw e;
    await provider.delete(target).catch(() => undefined);
    throw e;
  } finally {
    await src.close();
  }
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
