// IdbStoreProvider: ByteStores in the browser's IndexedDB (through `idb`), as
// fixed-size chunks (1 MiB by default: FACTS.md measured 64 KiB chunks 2-3x
// slower). Object stores: "stores" (name -> {size, chunkSize}) and "chunks"
// ([name, index] -> Uint8Array).
//
// Invariants:
// - A missing chunk reads as zeros, and a chunk that becomes all zeros is
//   deleted: allocated() = stored chunks x chunk size (thin provisioning).
// - Never the whole image in memory: reads fetch only the chunks they touch;
//   writes collect in a dirty set bounded by `dirtyLimit` bytes, plus a small
//   clean cache.
// - Dirty chunks are committed together in ONE transaction (atomic), in
//   order; so after a crash the store holds a prefix of the writes (store.ts),
//   and flush() commits with durability 'strict': durable when it resolves.
// - Operations on one store run one at a time (a mutex), so partial-chunk
//   read-modify-writes never race.

import { openDB, type IDBPDatabase } from 'idb';
import { BlockError, checkRange } from './errors.js';
import { isValidStoreName, resolveStoreName, WriterLocks } from './store.js';
import type { ByteStore, StoreOpenOptions, StoreProvider } from './store.js';
import { Mutex } from './qcow2/mutex.js';

export interface IdbStoreOptions {
  /** Chunk size in bytes (power of two, default 1 MiB). Fixed per store at creation. */
  chunkSize?: number;
  /** Dirty bytes kept in memory before a background commit (default 16 MiB). */
  dirtyLimit?: number;
  /** Clean chunks kept for re-reads (default 8). */
  cacheChunks?: number;
}

interface StoreMeta { name: string; size: number; chunkSize: number; }
type ChunkKey = [string, number];

const META = 'stores';
const CHUNKS = 'chunks';

export class IdbStoreProvider implements StoreProvider {
  private dbPromise: Promise<IDBPDatabase> | undefined;
  private readonly writers = new WriterLocks();
  constructor(readonly dbName = 'wasmvirt-block', private readonly options: IdbStoreOptions = {}) {}

  get description(): string { return `idb:${this.dbName}`; }

  db(): Promise<IDBPDatabase> {
    this.dbPromise ??= openDB(this.dbName, 1, {
      upgrade(db) {
        db.createObjectStore(META, { keyPath: 'name' });
        db.createObjectStore(CHUNKS);
      },
    });
    return this.dbPromise;
  }

  async open(name: string, options: StoreOpenOptions = {}): Promise<ByteStore> {
    checkName(name);
    const release = options.readOnly ? undefined : this.writers.acquire(name);
    try {
      return await this.openStore(name, options, release);
    } catch (e) {
      release?.();
      throw e;
    }
  }

  private async openStore(name: string, options: StoreOpenOptions, release?: () => void): Promise<ByteStore> {
    const db = await this.db();
    let meta = (await db.get(META, name)) as StoreMeta | undefined;
    if (meta && options.create && options.exclusive) throw new BlockError('EEXIST', `store ${name} already exists`);
    if (!meta) {
      if (!options.create) throw new BlockError('ENOENT', `no store named ${name}`);
      if (options.readOnly) throw new BlockError('EINVAL', `store ${name}: cannot create read-only`);
      meta = { name, size: 0, chunkSize: this.options.chunkSize ?? 1 << 20 };
      await db.put(META, meta);
    }
    const keys = (await db.getAllKeys(CHUNKS, chunkRange(name))) as unknown as ChunkKey[];
    return new IdbStore(db, meta, new Set(keys.map((k) => k[1])), options.readOnly ?? false, this.options, release);
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    const db = await this.db();
    const tx = db.transaction([META, CHUNKS], 'readwrite');
    if (!(await tx.objectStore(META).get(name))) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw new BlockError('ENOENT', `no store named ${name}`);
    }
    await tx.objectStore(META).delete(name);
    await tx.objectStore(CHUNKS).delete(chunkRange(name));
    await tx.done;
  }

  async list(): Promise<string[]> {
    return ((await (await this.db()).getAllKeys(META)) as string[]).sort();
  }

  async exists(name: string): Promise<boolean> {
    return (await (await this.db()).getKey(META, name)) !== undefined;
  }

  resolve(from: string, ref: string): string { return resolveStoreName(from, ref); }

  close(): void { void this.dbPromise?.then((db) => db.close()); this.dbPromise = undefined; }
}

function checkName(name: string): void {
  if (!isValidStoreName(name)) throw new BlockError('EINVAL', `invalid store name '${name}'`);
}

function chunkRange(name: string): IDBKeyRange {
  return IDBKeyRange.bound([name, 0], [name, Infinity]);
}

function isZero(chunk: Uint8Array): boolean {
  const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength >> 2);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}

class IdbStore implements ByteStore {
  readonly name: string;
  readonly crashOrdered = true;
  private readonly cs: number;
  private size_: number;
  /** Chunk indices stored in the database (as of the last commit). */
  private readonly present: Set<number>;
  /** Chunks changed since the last commit; null = delete. */
  private dirty = new Map<number, Uint8Array | null>();
  /** Chunks being committed right now (reads see them). */
  private inflight = new Map<number, Uint8Array | null>();
  private readonly clean = new Map<number, Uint8Array>();
  private dirtyBytes = 0;
  private metaDirty = false;
  private closed = false;
  private readonly mutex = new Mutex();

  constructor(private readonly db: IDBPDatabase, meta: StoreMeta, present: Set<number>,
    readonly readOnly: boolean, private readonly options: IdbStoreOptions, private readonly release?: () => void) {
    this.name = meta.name;
    this.cs = meta.chunkSize;
    this.size_ = meta.size;
    this.present = present;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.live('read');
    checkRange(`read ${this.name}`, offset, length);
    return this.mutex.run(async () => {
      const out = new Uint8Array(length);
      const end = Math.min(offset + length, this.size_);
      const first = Math.floor(offset / this.cs), last = Math.floor((end - 1) / this.cs);
      if (end <= offset) return out;
      await this.prefetch(first, last);
      for (let idx = first; idx <= last; idx++) {
        const chunk = this.cached(idx);
        if (!chunk) continue;
        const lo = Math.max(offset, idx * this.cs), hi = Math.min(end, (idx + 1) * this.cs);
        out.set(chunk.subarray(lo - idx * this.cs, hi - idx * this.cs), lo - offset);
      }
      return out;
    });
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.writable('write');
    checkRange(`write ${this.name}`, offset, data.length);
    return this.mutex.run(async () => {
      if (data.length === 0) return;
      const end = offset + data.length;
      const first = Math.floor(offset / this.cs), last = Math.floor((end - 1) / this.cs);
      const partial = [first, last].filter((i) => offset > i * this.cs || end < (i + 1) * this.cs);
      for (const i of partial) await this.prefetch(i, i);
      for (let idx = first; idx <= last; idx++) {
        const lo = Math.max(offset, idx * this.cs), hi = Math.min(end, (idx + 1) * this.cs);
        let chunk: Uint8Array;
        if (hi - lo === this.cs) chunk = data.slice(lo - offset, hi - offset);
        else {
          // In place: every in-memory chunk is ours alone (reads copy out; IDB put() clones).
          chunk = this.cached(idx) ?? new Uint8Array(this.cs);
          chunk.set(data.subarray(lo - offset, hi - offset), lo - idx * this.cs);
        }
        this.setDirty(idx, chunk);
      }
      if (end > this.size_) { this.size_ = end; this.metaDirty = true; }
      await this.maybeCommit();
    });
  }

  async size(): Promise<number> { this.live('size'); return this.size_; }

  /** Bytes of chunk data held in memory (dirty + committing + clean cache): bounded, never the image. */
  get residentBytes(): number {
    let n = this.clean.size;
    for (const m of [this.dirty, this.inflight]) for (const c of m.values()) if (c) n++;
    return n * this.cs;
  }

  async truncate(size: number): Promise<void> {
    this.writable('truncate');
    checkRange(`truncate ${this.name}`, size, 0);
    return this.mutex.run(async () => {
      if (size < this.size_) {
        const keep = Math.ceil(size / this.cs);
        for (const idx of this.knownChunks()) if (idx >= keep) this.setDirty(idx, null);
        if (size % this.cs && this.exists(keep - 1)) {
          await this.prefetch(keep - 1, keep - 1);
          const chunk = this.cached(keep - 1)!.slice();
          chunk.fill(0, size % this.cs);
          this.setDirty(keep - 1, chunk);
        }
      }
      this.size_ = size;
      this.metaDirty = true;
      await this.maybeCommit();
    });
  }

  async allocated(): Promise<number> {
    this.live('allocated');
    let n = 0;
    for (const idx of this.knownChunks()) if (this.exists(idx)) n++;
    return n * this.cs;
  }

  async flush(): Promise<void> {
    this.live('flush');
    if (this.readOnly) return;
    return this.mutex.run(() => this.commit('strict'));
  }

  async discard(offset: number, length: number): Promise<void> {
    this.writable('discard');
    checkRange(`discard ${this.name}`, offset, length);
    return this.mutex.run(async () => {
      const end = Math.min(offset + length, this.size_);
      if (end <= offset) return;
      const first = Math.floor(offset / this.cs), last = Math.floor((end - 1) / this.cs);
      for (let idx = first; idx <= last; idx++) {
        if (!this.exists(idx)) continue;
        const lo = Math.max(offset, idx * this.cs), hi = Math.min(end, (idx + 1) * this.cs);
        if (hi - lo === this.cs) { this.setDirty(idx, null); continue; }
        await this.prefetch(idx, idx);
        const chunk = this.cached(idx)!.slice();
        chunk.fill(0, lo - idx * this.cs, hi - idx * this.cs);
        this.setDirty(idx, chunk);
      }
      await this.maybeCommit();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.readOnly) await this.mutex.run(() => this.commit('relaxed'));
    } finally {
      this.release?.();
    }
  }

  private exists(idx: number): boolean {
    for (const m of [this.dirty, this.inflight]) if (m.has(idx)) return m.get(idx) !== null;
    return this.present.has(idx);
  }

  private knownChunks(): Set<number> {
    return new Set([...this.present, ...this.inflight.keys(), ...this.dirty.keys()]);
  }

  /** The chunk's bytes if it is in memory (dirty, committing, clean cache); undefined = zeros or not loaded. */
  private cached(idx: number): Uint8Array | undefined {
    for (const m of [this.dirty, this.inflight]) {
      if (m.has(idx)) return m.get(idx) ?? undefined;
    }
    return this.clean.get(idx);
  }

  /** Loads the stored chunks of [first, last] that are not in memory, in one transaction. */
  private async prefetch(first: number, last: number): Promise<void> {
    const need: number[] = [];
    for (let idx = first; idx <= last; idx++) {
      if (!this.dirty.has(idx) && !this.inflight.has(idx) && !this.clean.has(idx) && this.present.has(idx)) need.push(idx);
    }
    if (need.length > 0) {
      const tx = this.db.transaction(CHUNKS, 'readonly');
      const got = await Promise.all(need.map((idx) => tx.store.get([this.name, idx] as ChunkKey)));
      await tx.done;
      need.forEach((idx, i) => {
        const v = got[i] as Uint8Array | undefined;
        if (!v) throw new BlockError('EIO', `store ${this.name}: chunk ${idx} vanished from IndexedDB`);
        this.clean.set(idx, v);
      });
    }
    // Most recently used last; never evict a chunk of the range being served.
    for (let idx = first; idx <= last; idx++) {
      const v = this.clean.get(idx);
      if (v) { this.clean.delete(idx); this.clean.set(idx, v); }
    }
    const keep = Math.max(this.options.cacheChunks ?? 8, last - first + 1);
    while (this.clean.size > keep) this.clean.delete(this.clean.keys().next().value as number);
  }

  private setDirty(idx: number, chunk: Uint8Array | null): void {
    if (!this.dirty.has(idx)) this.dirtyBytes += this.cs;
    this.dirty.set(idx, chunk);
    this.clean.delete(idx);
  }

  private async maybeCommit(): Promise<void> {
    if (this.dirtyBytes >= (this.options.dirtyLimit ?? 16 << 20)) await this.commit('relaxed');
  }

  /** Commits every dirty chunk and the size in one transaction. */
  private async commit(durability: 'strict' | 'relaxed'): Promise<void> {
    if (this.dirty.size === 0 && !this.metaDirty && durability === 'relaxed') return;
    this.inflight = this.dirty;
    this.dirty = new Map();
    this.dirtyBytes = 0;
    const metaWasDirty = this.metaDirty;
    this.metaDirty = false;
    try {
      const tx = this.db.transaction([META, CHUNKS], 'readwrite', { durability });
      const chunks = tx.objectStore(CHUNKS);
      const ops: Promise<unknown>[] = [];
      for (const [idx, chunk] of this.inflight) {
        const key: ChunkKey = [this.name, idx];
        const keep = chunk !== null && !isZero(chunk);
        if (!keep) this.inflight.set(idx, null);
        ops.push(keep ? chunks.put(chunk, key) : chunks.delete(key));
      }
      ops.push(tx.objectStore(META).put({ name: this.name, size: this.size_, chunkSize: this.cs } satisfies StoreMeta));
      await Promise.all(ops);
      await tx.done;
    } catch (e) {
      for (const [idx, chunk] of this.inflight) if (!this.dirty.has(idx)) this.setDirty(idx, chunk);
      this.inflight = new Map();
      this.metaDirty ||= metaWasDirty;
      throw new BlockError('EIO', `store ${this.name}: IndexedDB commit failed: ${(e as Error).message}`);
    }
    for (const [idx, chunk] of this.inflight) {
      if (chunk) this.present.add(idx);
      else this.present.delete(idx);
    }
    this.inflight = new Map();
  }

  private live(op: string): void {
    if (this.closed) throw new BlockError('CLOSED', `${op} on closed store ${this.name}`);
  }

  private writable(op: string): void {
    this.live(op);
    if (this.readOnly) throw new BlockError('EROFS', `${op}: store ${this.name} is read-only`);
  }
}
