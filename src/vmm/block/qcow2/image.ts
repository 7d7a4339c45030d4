// Qcow2Device: a qcow2 version 3 image (read-only also version 2) as a
// BlockDevice. Spec: docs/interop/qcow2.txt.
//
// Layout of the work: header.ts parses/validates, refcount.ts allocates,
// l2-cache.ts caches L2 tables, write.ts does writes/discards (copy-on-write
// from the backing image, zero clusters), check.ts verifies refcounts,
// create.ts makes new images.
//
// Invariants:
// - Opening read-write runs the consistency check: any cluster referenced more
//   often than its refcount says (or past the end of the file) refuses the
//   open with CORRUPT; leaked clusters (what a crash leaves) are freed and
//   counted in `leaks`.
// - Reads fall through unallocated clusters to the backing image (zeros past
//   its end, or when there is none); contiguous host runs are read at once.
// - All operations are serialized by one mutex (metadata consistency first).

import { checkRequest, type BlockDevice, type ImageFormat, type WriteZeroesOptions } from '../device.js';
import { BlockError } from '../errors.js';
import type { ByteStore } from '../store.js';
import { readCompressedCluster } from './compressed.js';
import { checkFeatures, parseExtensions, parseHeader, setU64, type Qcow2Header } from './header.js';
import { L2Cache } from './l2-cache.js';
import {
  decodeL1, decodeL2, encodeL1, hostMisaligned, KIND_COMPRESSED, KIND_NORMAL, KIND_UNALLOCATED,
  type Mapping,
} from './l2-entry.js';
import { Mutex } from './mutex.js';
import { Refcounts } from './refcount.js';
import { checkConsistency, type CheckResult } from './check.js';
import { discardClusters, writeClusters } from './write.js';

export { isQcow2Header } from './header.js';
export { createQcow2 } from './create.js';

export interface Qcow2OpenOptions {
  readOnly: boolean;
  l2CacheTables?: number;
  openBacking?: (ref: string, format: ImageFormat | undefined) => Promise<BlockDevice>;
}

const UNALLOCATED: Mapping = { kind: KIND_UNALLOCATED, host: 0, hi: 0, lo: 0 };

export class Qcow2Device implements BlockDevice {
  readonly format = 'qcow2' as const;
  readonly clusterSize: number;
  readonly clusterBits: number;
  /** Entries per L2 table. */
  readonly l2Entries: number;
  /** Leaked clusters the open-time check found and freed (read-write opens). */
  leaks = 0;
  /** @internal state shared with write.ts */
  l1: number[];
  /** @internal */
  fileSize: number;
  private closed = false;
  private readonly mutex = new Mutex();

  private constructor(
    /** @internal */ readonly store: ByteStore,
    /** @internal */ readonly header: Qcow2Header,
    /** @internal */ readonly l2cache: L2Cache,
    /** @internal */ readonly refcounts: Refcounts | undefined,
    /** @internal */ readonly backing: BlockDevice | undefined,
    l1: number[], fileSize: number,
  ) {
    this.clusterBits = header.clusterBits;
    this.clusterSize = 2 ** header.clusterBits;
    this.l2Entries = this.clusterSize / 8;
    this.l1 = l1;
    this.fileSize = fileSize;
  }

  static async open(store: ByteStore, options: Qcow2OpenOptions): Promise<Qcow2Device> {
    const name = store.name;
    const fileSize = await store.size();
    const head = await store.read(0, Math.min(fileSize, 112));
    const header = parseHeader(head, fileSize, name);
    parseExtensions(header, await store.read(0, Math.min(2 ** header.clusterBits, fileSize)), name);
    checkFeatures(header, name, options.readOnly);
    const l1Bytes = await store.read(header.l1TableOffset, header.l1Size * 8);
    const l1View = new DataView(l1Bytes.buffer, l1Bytes.byteOffset, l1Bytes.byteLength);
    const l1: number[] = [];
    for (let i = 0; i < header.l1Size; i++) l1.push(decodeL1(l1View, i));
    const refcounts = options.readOnly ? undefined : await Refcounts.load(store, {
      clusterBits: header.clusterBits, refcountOrder: header.refcountOrder,
      tableOffset: header.refcountTableOffset, tableClusters: header.refcountTableClusters,
    }, name, store.crashOrdered ? undefined : () => store.flush());
    let backing: BlockDevice | undefined;
    if (header.backingFile !== undefined) {
      const fmt = header.backingFormat;
      if (fmt !== undefined && fmt !== 'raw' && fmt !== 'qcow2') {
        throw new BlockError('UNSUPPORTED', `qcow2 image ${name}: backing file format '${fmt}' is not supported`);
      }
      if (!options.openBacking) throw new BlockError('EINVAL', `qcow2 image ${name} has a backing file but no way to open it`);
      try {
        backing = await options.openBacking(header.backingFile, fmt as ImageFormat | undefined);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new BlockError(e instanceof BlockError ? e.code : 'EIO',
          `qcow2 image ${name}: cannot open backing file '${header.backingFile}': ${why}`);
      }
    }
    const dev = new Qcow2Device(store, header, new L2Cache(store, 2 ** header.clusterBits,
      options.l2CacheTables ?? 64), refcounts, backing, l1, fileSize);
    try {
      if (!options.readOnly) await dev.openForWriting();
    } catch (e) {
      await backing?.close().catch(() => undefined);
      throw e;
    }
    return dev;
  }

  private async openForWriting(): Promise<void> {
    const result = await checkConsistency(this);
    if (result.errors.length) {
      throw new BlockError('CORRUPT', `qcow2 image ${this.store.name}: refcount inconsistency: ` +
        result.errors.slice(0, 3).join('; ') + (result.errors.length > 3 ? ` (and ${result.errors.length - 3} more)` : ''));
    }
    // Leaks are what a crash leaves (see refcount.ts); free them, as `qemu-img check -r leaks` would.
    for (const l of result.leaked) await this.refcounts!.set(l.offset / this.clusterSize, l.references);
    this.leaks = result.leaks;
    if (this.header.autoclear !== 0n) {
      // Autoclear features (bitmaps, raw data file) we do not maintain: clear them, as the spec asks.
      const zero = new Uint8Array(8);
      await this.store.write(88, zero);
      this.header.autoclear = 0n;
    }
  }

  get capacity(): number { return this.header.size; }
  get readOnly(): boolean { return this.store.readOnly; }
  get backingFilename(): string | undefined { return this.header.backingFile; }
  get backingFormat(): ImageFormat | undefined {
    const f = this.header.backingFormat;
    return f === 'raw' || f === 'qcow2' ? f : undefined;
  }

  /** Runs the refcount consistency check (like `qemu-img check`, without repairing). */
  async check(): Promise<CheckResult> {
    this.live();
    return this.locked(async () => {
      await this.settle();
      return checkConsistency(this);
    });
  }

  /** @internal A flush barrier where the store does not order writes across a power loss. */
  async barrier(): Promise<void> {
    if (!this.store.crashOrdered) await this.store.flush();
  }

  /** Makes everything durable, then gives back deferred releases and the unused reserve. */
  private async settle(): Promise<void> {
    if (!this.refcounts) return;
    await this.store.flush();
    await this.refcounts.applyReleases();
    await this.refcounts.dropReserve();
  }

  /**
   * Frees leaked clusters (what `qemu-img check -r leaks` does): sets each
   * leaked cluster's refcount to its real reference count. Returns how many.
   */
  async repairLeaks(): Promise<number> {
    this.live();
    if (this.readOnly) throw new BlockError('EROFS', `repair: image ${this.store.name} is read-only`);
    return this.locked(async () => {
      await this.settle();
      const result = await checkConsistency(this);
      if (result.errors.length) throw new BlockError('CORRUPT', `qcow2 image ${this.store.name}: ${result.errors[0]}`);
      for (const l of result.leaked) await this.refcounts!.set(l.offset / this.clusterSize, l.references);
      this.leaks = 0;
      return result.leaked.length;
    });
  }

  async storeSize(): Promise<number> { return this.store.size(); }

  /** @internal The mapping of guest cluster `gc`. */
  async mapping(gc: number): Promise<Mapping> {
    const l1i = Math.floor(gc / this.l2Entries);
    const l2 = this.l1[l1i];
    if (!l2) return UNALLOCATED;
    const table = await this.l2cache.get(l2);
    const m = decodeL2(table.view, gc % this.l2Entries);
    if (hostMisaligned(m, this.clusterSize)) {
      throw new BlockError('CORRUPT', `qcow2 image ${this.store.name}: L2 entry for guest cluster ${gc} ` +
        `has an unaligned host offset ${m.host}`);
    }
    return m;
  }

  /** @internal Reads guest bytes [offset, offset+length) of an unallocated range: backing or zeros. */
  async readBacking(offset: number, length: number): Promise<Uint8Array> {
    const cap = this.backing ? this.backing.capacity : 0;
    if (offset >= cap) return new Uint8Array(length);
    const n = Math.min(length, cap - offset);
    const part = await this.backing!.read(offset, n);
    if (n === length) return part;
    const out = new Uint8Array(length);
    out.set(part);
    return out;
  }

  /** @internal The guest bytes of one cluster as a compressed cluster holds them. */
  readCompressed(m: Mapping): Promise<Uint8Array> {
    return readCompressedCluster(this.store, m, this.clusterBits, this.fileSize, this.store.name);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.live();
    checkRequest(this, 'read', offset, length, false);
    return this.locked(() => this.readLocked(offset, length));
  }

  private async readLocked(offset: number, length: number): Promise<Uint8Array> {
    const cs = this.clusterSize;
    let out: Uint8Array | undefined;
    // A run of guest bytes of one kind: a contiguous host range, or unallocated, or zero.
    let runKind = -1, runStart = offset, runHost = 0, runLen = 0;
    const flush = async (): Promise<void> => {
      if (runLen === 0) return;
      let part: Uint8Array | undefined;
      if (runKind === KIND_NORMAL) part = await this.store.read(runHost, runLen);
      else if (runKind === KIND_UNALLOCATED) part = this.backing ? await this.readBacking(runStart, runLen) : undefined;
      if (!out && part && runLen === length) { out = part; return; }
      out ??= new Uint8Array(length);
      if (part) out.set(part, runStart - offset);
    };
    for (let pos = offset; pos < offset + length;) {
      const gc = Math.floor(pos / cs), within = pos - gc * cs;
      const n = Math.min(cs - within, offset + length - pos);
      const m = await this.mapping(gc);
      const kind = m.kind === KIND_NORMAL || m.kind === KIND_UNALLOCATED || m.kind === KIND_COMPRESSED ? m.kind : -2;
      if (kind === KIND_COMPRESSED) {
        await flush();
        runLen = 0;
        out ??= new Uint8Array(length);
        out.set((await this.readCompressed(m)).subarray(within, within + n), pos - offset);
        pos += n;
        continue;
      }
      const host = m.host + within;
      const continues = kind === runKind && runLen > 0 && (kind !== KIND_NORMAL || runHost + runLen === host);
      if (!continues) {
        await flush();
        runKind = kind; runStart = pos; runHost = host; runLen = 0;
      }
      runLen += n;
      pos += n;
    }
    await flush();
    return out ?? new Uint8Array(length);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.live();
    checkRequest(this, 'write', offset, data.length, true);
    return this.locked(() => writeClusters(this, offset, data));
  }

  async discard(offset: number, length: number): Promise<void> {
    this.live();
    checkRequest(this, 'discard', offset, length, true);
    return this.locked(() => discardClusters(this, offset, length, 'discard'));
  }

  async writeZeroes(offset: number, length: number, options: WriteZeroesOptions = {}): Promise<void> {
    this.live();
    checkRequest(this, 'write-zeroes', offset, length, true);
    return this.locked(() => discardClusters(this, offset, length, options.unmap ? 'zero-unmap' : 'zero'));
  }

  async flush(): Promise<void> {
    this.live();
    if (this.readOnly) return;
    return this.locked(async () => {
      await this.store.flush();
      await this.refcounts!.applyReleases(); // durable at the next flush; a crash before leaks them
    });
  }

  async allocated(): Promise<number> { this.live(); return this.store.allocated(); }

  async resize(capacity: number): Promise<void> {
    this.live();
    if (this.readOnly) throw new BlockError('EROFS', `resize: image ${this.store.name} is read-only`);
    return this.locked(() => this.resizeLocked(capacity));
  }

  private async resizeLocked(capacity: number): Promise<void> {
    if (capacity < this.header.size) {
      throw new BlockError('UNSUPPORTED', `qcow2 image ${this.store.name}: shrinking from ${this.header.size} ` +
        `to ${capacity} bytes is not supported (qemu-img needs --shrink for that)`);
    }
    const cs = this.clusterSize;
    const need = Math.ceil(capacity / (cs * this.l2Entries));
    if (need > this.l1.length) await this.growL1(need);
    const b = new Uint8Array(8);
    setU64(new DataView(b.buffer), 0, capacity);
    const oldSize = this.header.size;
    await this.store.write(24, b);
    this.header.size = capacity;
    // The grown area reads zeros, even where a larger backing image lies beneath it.
    const shadowEnd = Math.min(capacity, this.backing?.capacity ?? 0);
    if (shadowEnd > oldSize) await discardClusters(this, oldSize, shadowEnd - oldSize, 'zero');
  }

  private async growL1(entries: number): Promise<void> {
    const cs = this.clusterSize, rc = this.refcounts!;
    if (entries * 8 > 32 * 1024 * 1024) {
      throw new BlockError('EINVAL', `qcow2 image ${this.store.name}: an L1 table of ${entries} entries is too large`);
    }
    const oldClusters = Math.ceil((this.l1.length * 8) / cs);
    const newClusters = Math.ceil((entries * 8) / cs);
    const bytes = new Uint8Array(newClusters * cs);
    const view = new DataView(bytes.buffer);
    this.l1.forEach((off, i) => encodeL1(view, i, off));
    let offset = this.header.l1TableOffset;
    if (newClusters > oldClusters || oldClusters === 0) {
      offset = await rc.allocate(newClusters);
      await this.store.write(offset, bytes);
      await this.barrier(); // the new table is durable before the header points to it
      this.fileSize = Math.max(this.fileSize, offset + bytes.length);
    } else {
      await this.store.write(offset, bytes); // new entries are zero; same clusters
    }
    const hdr = new Uint8Array(12), hv = new DataView(hdr.buffer);
    hv.setUint32(0, entries);
    setU64(hv, 4, offset);
    await this.store.write(36, hdr); // l1_size + l1_table_offset in one write
    const oldOffset = this.header.l1TableOffset;
    this.header.l1Size = entries;
    this.header.l1TableOffset = offset;
    while (this.l1.length < entries) this.l1.push(0);
    if (offset !== oldOffset && oldClusters > 0) await rc.release(oldOffset, oldClusters);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.run(async () => {
      if (!this.readOnly) {
        await this.settle();
        await this.refcounts!.trimTail();
        await this.store.flush();
      }
    });
    await this.store.close();
    await this.backing?.close();
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> { return this.mutex.run(fn); }

  private live(): void {
    if (this.closed) throw new BlockError('CLOSED', `image ${this.store.name} is closed`);
  }
}
