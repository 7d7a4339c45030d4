// RawDevice: the raw image format — the disk's bytes are the store's bytes,
// capacity = store size. Holes in the store are unallocated disk (thin).
// discard and writeZeroes with unmap go to ByteStore.discard (reads zero after).

import { checkRequest, type BlockDevice, type WriteZeroesOptions } from './device.js';
import { BlockError } from './errors.js';
import type { ByteStore } from './store.js';

export class RawDevice implements BlockDevice {
  readonly format = 'raw' as const;
  private closed = false;

  private constructor(private readonly store: ByteStore, private cap: number) {}

  static async open(store: ByteStore): Promise<RawDevice> {
    return new RawDevice(store, await store.size());
  }

  get capacity(): number { return this.cap; }
  get readOnly(): boolean { return this.store.readOnly; }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.live();
    checkRequest(this, 'read', offset, length, false);
    return this.store.read(offset, length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.live();
    checkRequest(this, 'write', offset, data.length, true);
    await this.store.write(offset, data);
  }

  async flush(): Promise<void> { this.live(); if (!this.readOnly) await this.store.flush(); }

  async discard(offset: number, length: number): Promise<void> {
    this.live();
    checkRequest(this, 'discard', offset, length, true);
    await this.store.discard(offset, length);
  }

  async writeZeroes(offset: number, length: number, _options?: WriteZeroesOptions): Promise<void> {
    this.live();
    checkRequest(this, 'write-zeroes', offset, length, true);
    // ByteStore.discard reads back as zeros, so it is a valid (and thin) zero write.
    await this.store.discard(offset, length);
  }

  async allocated(): Promise<number> { this.live(); return this.store.allocated(); }
  async storeSize(): Promise<number> { return this.store.size(); }

  async resize(capacity: number): Promise<void> {
    this.live();
    if (this.readOnly) throw new BlockError('EROFS', `resize: image ${this.store.name} is read-only`);
    await this.store.truncate(capacity);
    this.cap = capacity;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }

  private live(): void {
    if (this.closed) throw new BlockError('CLOSED', `image ${this.store.name} is closed`);
  }
}
