// MemoryStoreProvider: ByteStores kept in memory as sparse 64 KiB chunks, for
// tests and for throwaway disks. Same contract as the file and IndexedDB stores
// (see store.ts); "durable" here means "kept by the provider object".
// Invariant: a chunk that is absent reads as zeros; allocated() = chunks * 64 KiB.

import { BlockError, checkRange } from './errors.js';
import { isValidStoreName, resolveStoreName, WriterLocks } from './store.js';
import type { ByteStore, StoreOpenOptions, StoreProvider } from './store.js';

const CHUNK = 65536;

interface MemoryFile { size: number; chunks: Map<number, Uint8Array>; }

export class MemoryStoreProvider implements StoreProvider {
  readonly description = 'memory';
  private readonly files = new Map<string, MemoryFile>();
  private readonly writers = new WriterLocks();

  async open(name: string, options: StoreOpenOptions = {}): Promise<ByteStore> {
    checkName(name);
    let file = this.files.get(name);
    if (file && options.create && options.exclusive) throw new BlockError('EEXIST', `store ${name} already exists`);
    if (!file) {
      if (!options.create) throw new BlockError('ENOENT', `no store named ${name}`);
      if (options.readOnly) throw new BlockError('EINVAL', `store ${name}: cannot create read-only`);
      file = { size: 0, chunks: new Map() };
      this.files.set(name, file);
    }
    const release = options.readOnly ? undefined : this.writers.acquire(name);
    return new MemoryStore(name, file, options.readOnly ?? false, release);
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    if (!this.files.delete(name)) throw new BlockError('ENOENT', `no store named ${name}`);
  }

  async list(): Promise<string[]> { return [...this.files.keys()].sort(); }
  async exists(name: string): Promise<boolean> { return this.files.has(name); }
  resolve(from: string, ref: string): string { return resolveStoreName(from, ref); }
}

function checkName(name: string): void {
  if (!isValidStoreName(name)) throw new BlockError('EINVAL', `invalid store name '${name}'`);
}

class MemoryStore implements ByteStore {
  readonly crashOrdered = true;
  private closed = false;
  constructor(readonly name: string, private readonly file: MemoryFile, readonly readOnly: boolean,
    private readonly release?: () => void) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.live('read');
    checkRange(`read ${this.name}`, offset, length);
    const out = new Uint8Array(length);
    const end = Math.min(offset + length, this.file.size);
    for (let pos = offset; pos < end;) {
      const idx = Math.floor(pos / CHUNK), within = pos % CHUNK;
      const n = Math.min(CHUNK - within, end - pos);
      const chunk = this.file.chunks.get(idx);
      if (chunk) out.set(chunk.subarray(within, within + n), pos - offset);
      pos += n;
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.writable('write');
    checkRange(`write ${this.name}`, offset, data.length);
    for (let pos = offset; pos < offset + data.length;) {
      const idx = Math.floor(pos / CHUNK), within = pos % CHUNK;
      const n = Math.min(CHUNK - within, offset + data.length - pos);
      let chunk = this.file.chunks.get(idx);
      if (!chunk) { chunk = new Uint8Array(CHUNK); this.file.chunks.set(idx, chunk); }
      chunk.set(data.subarray(pos - offset, pos - offset + n), within);
      pos += n;
    }
    this.file.size = Math.max(this.file.size, offset + data.length);
  }

  async size(): Promise<number> { this.live('size'); return this.file.size; }

  async truncate(size: number): Promise<void> {
    this.writable('truncate');
    checkRange(`truncate ${this.name}`, size, 0);
    if (size < this.file.size) this.zeroRange(size, this.file.size - size);
    this.file.size = size;
  }

  async allocated(): Promise<number> { this.live('allocated'); return this.file.chunks.size * CHUNK; }
  async flush(): Promise<void> { this.live('flush'); }

  async discard(offset: number, length: number): Promise<void> {
    this.writable('discard');
    checkRange(`discard ${this.name}`, offset, length);
    this.zeroRange(offset, Math.max(0, Math.min(length, this.file.size - offset)));
  }

  async close(): Promise<void> { this.closed = true; this.release?.(); }

  private zeroRange(offset: number, length: number): void {
    for (let pos = offset; pos < offset + length;) {
      const idx = Math.floor(pos / CHUNK), within = pos % CHUNK;
      const n = Math.min(CHUNK - within, offset + length - pos);
      const chunk = this.file.chunks.get(idx);
      if (chunk) {
        if (n === CHUNK) this.file.chunks.delete(idx);
        else chunk.fill(0, within, within + n);
      }
      pos += n;
    }
  }

  private live(op: string): void {
    if (this.closed) throw new BlockError('CLOSED', `${op} on closed store ${this.name}`);
  }

  private writable(op: string): void {
    this.live(op);
    if (this.readOnly) throw new BlockError('EROFS', `${op}: store ${this.name} is read-only`);
  }
}
