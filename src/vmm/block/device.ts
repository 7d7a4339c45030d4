// BlockDevice: what a disk looks like to the device model (virtio-blk) and to
// the management layer: a fixed-capacity array of bytes with flush, discard and
// write-zeroes, whatever the image format underneath (raw, qcow2 + backing).
//
// Invariants:
// - Requests must lie inside [0, capacity): out-of-range requests throw EINVAL
//   (the device model turns that into VIRTIO_BLK_S_IOERR).
// - Requests need no alignment (byte granularity); virtio-blk sends 512-byte
//   sectors, but qemu-img style tools and tests may not.
// - A read-only device throws EROFS on write/discard/writeZeroes/resize.
// - flush(): every write that completed before it survives a crash.
// - discard(): the range may read back as zeros or as its old data, never as
//   anything else (virtio 1.2 section 5.2.6); writeZeroes(): reads zero after.

import { BlockError, checkRange } from './errors.js';

export type ImageFormat = 'raw' | 'qcow2';

export interface WriteZeroesOptions {
  /** May release the space (VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP). */
  unmap?: boolean;
}

export interface BlockDevice {
  readonly format: ImageFormat;
  /** Virtual size in bytes (the guest-visible disk size). */
  readonly capacity: number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  discard(offset: number, length: number): Promise<void>;
  writeZeroes(offset: number, length: number, options?: WriteZeroesOptions): Promise<void>;
  /** Bytes the image really occupies in its store (not counting backing images). */
  allocated(): Promise<number>;
  /** Grow (or, for raw, shrink) the virtual size; qcow2 refuses to shrink. */
  resize(capacity: number): Promise<void>;
  /** Closes the image and its backing chain. */
  close(): Promise<void>;
}

/** Shared argument checks for BlockDevice implementations. */

export function checkRequest(dev: { capacity: number; readOnly: boolean }, op: string,
  offset: number, length: number, writes: boolean): void {
  checkRange(op, offset, length);
  if (offset + length > dev.capacity) {
    throw new BlockError('EINVAL',
      `${op}: request [${offset}, ${offset + length}) is past the end of the disk (${dev.capacity} bytes)`);
  }
  if (writes && dev.readOnly) throw new BlockError('EROFS', `${op}: the disk is read-only`);
}
