// ByteStore / StoreProvider: the lowest block layer, a sparse random-access
// byte store under a name (a file in Node, an IndexedDB chunk set in the
// browser, a Map in tests). Image formats (raw, qcow2) sit above it.
//
// Contract every implementation keeps (tested in test/vmm/block/store.test.ts):
// - read(offset, len) returns exactly `len` bytes; bytes never written, bytes
//   discarded, and bytes past size() read as zeros.
// - write past size() grows the store to offset+data.length (the gap reads zero).
// - allocated() counts bytes really stored: a 1 GiB store with 64 KiB written
//   reports about 64 KiB (thin provisioning), rounded to the backend's unit.
// - flush(): when it resolves, every write that resolved before it survives a
//   process kill or page reload.
// - Ordering: after a crash, the store holds everything up to the last flush
//   plus a PREFIX (in issue order) of the writes after it. qcow2 relies on this
//   to keep its metadata consistent (data before L2 before L1; refcount before
//   reference). Node files give it for process kills (the page cache keeps every
//   completed pwrite) and, with qcow2's flush barriers, for power loss; the
//   IndexedDB store gives it by committing its dirty chunks in whole, ordered
//   transactions (crashOrdered).
// - A read-only store rejects write/truncate/discard with EROFS.

import { BlockError } from './errors.js';

export interface ByteStore {
  /** The name it was opened under (provider-relative). */
  readonly name: string;
  readonly readOnly: boolean;
  /**
   * True if even a power loss leaves a prefix of the writes (IndexedDB's
   * ordered transactions, memory). Absent/false (files): only flush() orders
   * writes against a power loss, so qcow2 puts flush barriers where order matters.
   */
  readonly crashOrdered?: boolean;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Logical size in bytes. */
  size(): Promise<number>;
  /** Set the logical size; shrinking drops the data past it, growing reads zeros. */
  truncate(size: number): Promise<void>;
  /** Bytes really stored (thin provisioning shows here). */
  allocated(): Promise<number>;
  /** Durable when it resolves. */
  flush(): Promise<void>;
  /** The range reads as zeros afterwards; the backend releases the space it can. */
  discard(offset: number, length: number): Promise<void>;
  /** Flushes nothing by itself beyond what the backend does; further calls throw CLOSED. */
  close(): Promise<void>;
}

export interface StoreOpenOptions {
  /** Create the store (empty) if it does not exist. Default false: ENOENT. */
  create?: boolean;
  /** With create: fail with EEXIST if it already exists. */
  exclusive?: boolean;
  readOnly?: boolean;
}

export interface StoreProvider {
  /** A short description for messages, e.g. "dir:/var/lib/wasmvirt/images" or "idb:wasmvirt-block". */
  readonly description: string;
  open(name: string, options?: StoreOpenOptions): Promise<ByteStore>;
  /** ENOENT if missing. */
  delete(name: string): Promise<void>;
  /** Every store name, sorted. */
  list(): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  /**
   * The store name that a reference written inside store `from` (a qcow2
   * backing file name) designates. Relative references are relative to the
   * directory of `from`, as QEMU does; EINVAL if it points outside the provider.
   */
  resolve(from: string, ref: string): string;
}

/**
 * Store names are provider-relative paths: segments separated by '/', no
 * empty, '.' or '..' segment, no NUL. Backing-file names inside qcow2 images
 * are resolved against the overlay's directory with resolveStoreName().
 */
export function isValidStoreName(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 4096) return false;
  if (name.includes('\0')) return false;
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Resolves `ref` (as written in an overlay) relative to the directory of `from`. */
export function resolveStoreName(from: string, ref: string): string {
  if (ref.startsWith('/')) return ref.replace(/^\/+/, '');
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
  const out: string[] = [];
  for (const seg of (dir + ref).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/**
 * One writer per store name within a provider (QEMU takes a write lock on the
 * image file): a second read-write open fails with EBUSY until the first closes.
 * Readers are not blocked. Not a lock across processes.
 */
export class WriterLocks {
  private readonly held = new Set<string>();

  /** Takes the lock (EBUSY if held); returns its release function. */
  acquire(name: string): () => void {
    if (this.held.has(name)) {
      throw new BlockError('EBUSY', `store ${name} is already open for writing (is a running VM using it?)`);
    }
    this.held.add(name);
    let released = false;
    return () => {
      if (!released) { released = true; this.held.delete(name); }
    };
  }
}
