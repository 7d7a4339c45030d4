// Image management: create / open / info / resize of disk images (raw, qcow2)
// kept in a StoreProvider — the operations `qemu-img create|info|resize` do,
// and what libvirt's storage volumes are built on.
//
// Invariants:
// - The format is probed from the header on open: "QFI\xfb" is qcow2, anything
//   else is raw (an explicit `format` skips the probe, as libvirt does).
// - A backing chain is opened through the same provider, read-only; a loop in
//   the chain or a missing backing image is refused with a clear error.
// - imageInfo() agrees with `qemu-img info --output=json` on virtual-size,
//   format, backing-filename and backing format.

import type { BlockDevice, ImageFormat } from './device.js';
import type { StoreProvider } from './store.js';
import { BlockError } from './errors.js';
import { RawDevice } from './raw.js';
import { Qcow2Device, createQcow2, isQcow2Header } from './qcow2/image.js';

export interface BackingSpec {
  /** Backing image name as stored in the overlay (resolved like QEMU, relative to the overlay). */
  name: string;
  format: ImageFormat;
}

export interface CreateImageOptions {
  format: ImageFormat;
  /** Virtual size in bytes. For qcow2 with a backing file it defaults to the backing size. */
  capacity?: number;
  backing?: BackingSpec;
  /** qcow2 only: cluster size, a power of two from 512 B to 2 MiB; default 64 KiB. */
  clusterSize?: number;
  /** Fail with EEXIST if the name exists (default true). */
  exclusive?: boolean;
}

export interface OpenImageOptions {
  readOnly?: boolean;
  /** Skip the probe. */
  format?: ImageFormat;
  /** qcow2: L2 tables kept in memory (default 64: 32 GiB of disk at 64 KiB clusters). */
  l2CacheTables?: number;
}

export interface ImageInfo {
  name: string;
  format: ImageFormat;
  /** Virtual size, bytes (qemu-img: virtual-size). */
  virtualSize: number;
  /** Bytes the image occupies in its store (qemu-img: actual-size). */
  actualSize: number;
  /** Size of the store itself (the file length). */
  storeSize: number;
  clusterSize?: number;
  /** As written in the image (qemu-img: backing-filename). */
  backingFilename?: string;
  /** The backing image's store name, resolved (qemu-img: full-backing-filename). */
  fullBackingFilename?: string;
  backingFormat?: ImageFormat;
  /** qcow2 only: "1.1" for version 3. */
  compat?: string;
}

export async function createImage(provider: StoreProvider, name: string,
  options: CreateImageOptions): Promise<void> {
  if (options.format === 'raw') {
    if (options.backing) throw new BlockError('EINVAL', `raw image ${name} cannot have a backing file`);
    if (options.capacity === undefined) throw new BlockError('EINVAL', `raw image ${name}: capacity is required`);
    checkCapacity(name, options.capacity);
    const store = await provider.open(name, { create: true, exclusive: options.exclusive ?? true });
    try {
      await store.truncate(options.capacity);
      await store.flush();
    } finally {
      await store.close();
    }
    return;
  }
  if (options.format !== 'qcow2') throw new BlockError('EINVAL', `unknown image format '${String(options.format)}'`);
  let capacity = options.capacity;
  if (options.backing) {
    const backingName = provider.resolve(name, options.backing.name);
    const backing = await openImage(provider, backingName, { readOnly: true, format: options.backing.format });
    try {
      capacity ??= backing.capacity;
    } finally {
      await backing.close();
    }
  }
  if (capacity === undefined) throw new BlockError('EINVAL', `qcow2 image ${name}: capacity is required`);
  checkCapacity(name, capacity);
  await createQcow2(provider, name, {
    capacity, clusterSize: options.clusterSize ?? 65536,
    backing: options.backing, exclusive: options.exclusive ?? true,
  });
}

export async function openImage(provider: StoreProvider, name: string,
  options: OpenImageOptions = {}): Promise<BlockDevice> {
  return openChain(provider, name, options, []);
}

async function openChain(provider: StoreProvider, name: string, options: OpenImageOptions,
  seen: string[]): Promise<BlockDevice> {
  if (seen.includes(name)) {
    throw new BlockError('CORRUPT', `backing chain loop: ${[...seen, name].join(' -> ')}`);
  }
  if (seen.length > 32) throw new BlockError('CORRUPT', `backing chain of ${name} is longer than 32 images`);
  const readOnly = options.readOnly ?? false;
  const store = await provider.open(name, { readOnly });
  try {
    const format = options.format ?? await probeFormat(store);
    if (format === 'raw') return await RawDevice.open(store);
    return await Qcow2Device.open(store, {
      readOnly,
      l2CacheTables: options.l2CacheTables,
      openBacking: (ref, fmt) => openChain(provider, provider.resolve(name, ref),
        { readOnly: true, format: fmt, l2CacheTables: options.l2CacheTables }, [...seen, name]),
    });
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

async function probeFormat(store: { read(o: number, l: number): Promise<Uint8Array> }): Promise<ImageFormat> {
  const head = await store.read(0, 4);
  return isQcow2Header(head) ? 'qcow2' : 'raw';
}

export async function imageInfo(provider: StoreProvider, name: string,
  options: { format?: ImageFormat } = {}): Promise<ImageInfo> {
  const store = await provider.open(name, { readOnly: true });
  let format: ImageFormat;
  try {
    format = options.format ?? await probeFormat(store);
  } finally {
    await store.close();
  }
  const dev = await openImage(provider, name, { readOnly: true, format });
  try {
    const info: ImageInfo = {
      name, format, virtualSize: dev.capacity,
      actualSize: await dev.allocated(), storeSize: 0,
    };
    if (dev instanceof Qcow2Device) {
      info.storeSize = await dev.storeSize();
      info.clusterSize = dev.clusterSize;
      info.compat = '1.1';
      if (dev.backingFilename !== undefined) {
        info.backingFilename = dev.backingFilename;
        info.fullBackingFilename = provider.resolve(name, dev.backingFilename);
        if (dev.backingFormat) info.backingFormat = dev.backingFormat;
      }
    } else if (dev instanceof RawDevice) {
      info.storeSize = await dev.storeSize();
    }
    return info;
  } finally {
    await dev.close();
  }
}

/** Grows (or, for raw, shrinks) the virtual size, like `qemu-img resize` without --shrink for qcow2. */
export async function resizeImage(provider: StoreProvider, name: string, capacity: number,
  options: { format?: ImageFormat } = {}): Promise<void> {
  checkCapacity(name, capacity);
  const dev = await openImage(provider, name, { format: options.format });
  try {
    await dev.resize(capacity);
    await dev.flush();
  } finally {
    await dev.close();
  }
}

function checkCapacity(name: string, capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new BlockError('EINVAL', `image ${name}: capacity ${capacity} is not a non-negative integer of bytes`);
  }
}
