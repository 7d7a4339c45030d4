// qcow2 refcounts: the refcount table, refcount blocks, and cluster allocation.
// Spec: docs/interop/qcow2.txt "Host cluster management".
//
// Invariants (what keeps a crash from corrupting the image):
// - A cluster's refcount is raised and written BEFORE anything references it,
//   and lowered only AFTER the last reference to it is written away; so a crash
//   leaves at worst leaked clusters (refcount > references), never a reference
//   to a cluster with refcount 0.
// - A new refcount block is placed at the first cluster of the range it
//   describes (free by definition, as no block described it) and counts itself;
//   it is written before the table entry that points to it.
// - Growing the table writes new blocks and the new table past the old
//   coverage, then switches the header (one 12-byte write), then frees the old
//   table clusters.
// - Allocation is first-fit from a hint; every change is written through at once.
// - On stores that are not crashOrdered (files: a power loss may reorder
//   unflushed writes) a `barrier` (flush) separates each step above from the
//   write that depends on it. To keep those flushes rare, refcounts are raised
//   for a reserve of clusters at a time (growing to 512 clusters), handed out later
//   without a flush; and releases are deferred until after the next flush
//   (applyReleases), since the reference removal must be durable first.
//   The file is extended over a reserve before the barrier, so a reference
//   never points past the end of the file. Unused reserve and deferred
//   releases are leaks if the process dies; close() gives them back.

import { BlockError } from '../errors.js';
import type { ByteStore } from '../store.js';
import { setU64 } from './header.js';

export interface RefcountGeometry {
  clusterBits: number;
  refcountOrder: number;
  tableOffset: number;
  tableClusters: number;
}

const BLOCK_CACHE = 32;
/** Largest reserve, in clusters (32 MiB at the default 64 KiB clusters). */
const RESERVE_MAX = 512;

export class Refcounts {
  readonly clusterSize: number;
  readonly bits: number;
  /** Refcount entries per refcount block. */
  readonly perBlock: number;
  private tableOffset: number;
  private tableClusters: number;
  /** Refcount block offsets by block index; 0 = no block (all zero). */
  private table: number[];
  private blocks = new Map<number, Uint8Array>();
  private freeHint = 0;
  private reserveStart = 0;
  private reserveCount = 0;
  private reserveSize = 16;
  private pending: [number, number][] = [];

  private constructor(private readonly store: ByteStore, g: RefcountGeometry, table: number[],
    private readonly name: string, private readonly barrier: (() => Promise<void>) | undefined) {
    this.clusterSize = 2 ** g.clusterBits;
    this.bits = 2 ** g.refcountOrder;
    this.perBlock = (this.clusterSize * 8) / this.bits;
    this.tableOffset = g.tableOffset;
    this.tableClusters = g.tableClusters;
    this.table = table;
  }

  static async load(store: ByteStore, g: RefcountGeometry, name: string,
    barrier?: () => Promise<void>): Promise<Refcounts> {
    const cs = 2 ** g.clusterBits;
    const raw = await store.read(g.tableOffset, g.tableClusters * cs);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const table: number[] = [];
    for (let i = 0; i < raw.length / 8; i++) {
      const hi = v.getUint32(i * 8), lo = v.getUint32(i * 8 + 4);
      if (hi >= 0x200000) throw new BlockError('CORRUPT', `qcow2 image ${name}: refcount table entry ${i} is out of range`);
      const off = hi * 0x100000000 + (lo >>> 9) * 512;
      if (off % cs !== 0) {
        throw new BlockError('CORRUPT', `qcow2 image ${name}: refcount block ${i} at ${off} is not cluster aligned`);
      }
      table.push(off);
    }
    return new Refcounts(store, g, table, name, barrier);
  }

  /** Offsets of the table clusters and of every refcount block (for the consistency check). */
  metadata(): { tableOffset: number; tableClusters: number; blocks: number[] } {
    return { tableOffset: this.tableOffset, tableClusters: this.tableClusters, blocks: this.table.filter((o) => o) };
  }

  /** Indices of the refcount blocks that exist. */
  blockIndices(): number[] {
    return this.table.flatMap((off, b) => (off ? [b] : []));
  }

  /**
   * Longest contiguous allocation: half a refcount block's range, so a run
   * always fits beside the self-describing block of a fresh range.
   */
  get maxRun(): number { return Math.max(1, Math.floor(this.perBlock / 2)); }

  get maxRefcount(): number { return 2 ** this.bits - 1; }

  async get(cluster: number): Promise<number> {
    const b = Math.floor(cluster / this.perBlock);
    if (b >= this.table.length || this.table[b] === 0) return 0;
    return readEntry(await this.block(b), cluster % this.perBlock, this.bits);
  }

  /** Allocates `n` contiguous clusters with refcount 1 (durable first); returns the host offset of the first. */
  async allocate(n: number): Promise<number> {
    if (n > this.maxRun) {
      throw new BlockError('EINVAL', `qcow2 image ${this.name}: cannot allocate ${n} contiguous clusters (at most ${this.maxRun})`);
    }
    if (!this.barrier) return this.allocateNow(n);
    if (this.reserveCount < n) {
      await this.dropReserve();
      const size = Math.max(n, Math.min(this.reserveSize, this.maxRun));
      this.reserveStart = (await this.allocateNow(size)) / this.clusterSize;
      this.reserveCount = size;
      this.reserveSize = Math.min(this.reserveSize * 2, RESERVE_MAX);
      // The file covers the reserve before anything can reference it: a lost data
      // write then reads as zeros instead of leaving a reference past the end.
      const end = (this.reserveStart + size) * this.clusterSize;
      if (await this.store.size() < end) await this.store.truncate(end);
      await this.barrier();
    }
    const start = this.reserveStart;
    this.reserveStart += n;
    this.reserveCount -= n;
    return start * this.clusterSize;
  }

  /** Gives back the unused reserve (nothing references it: no barrier needed). */
  async dropReserve(): Promise<void> {
    if (this.reserveCount === 0) return;
    const start = this.reserveStart, count = this.reserveCount;
    this.reserveCount = 0;
    await this.releaseNow(start * this.clusterSize, count);
  }

  /** Cuts the file after the last cluster in use (after dropReserve at close). */
  async trimTail(): Promise<void> {
    const size = await this.store.size();
    let c = Math.ceil(size / this.clusterSize);
    while (c > 0 && await this.get(c - 1) === 0) c--;
    if (c * this.clusterSize < size) await this.store.truncate(c * this.clusterSize);
  }

  /** Applies deferred releases; call after a flush made the reference removals durable. */
  async applyReleases(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    for (const [offset, n] of pending) await this.releaseNow(offset, n);
  }

  private async allocateNow(n: number): Promise<number> {
    for (;;) {
      const start = await this.findFree(n);
      if (!(await this.ensureBlocks(start, n))) continue; // new metadata took clusters: search again
      await this.setRange(start, n, 1);
      this.freeHint = start + n;
      return start * this.clusterSize;
    }
  }

  /** Drops one reference from each of `n` clusters from `offset` (the caller has removed the references). */
  async release(offset: number, n: number): Promise<void> {
    if (this.barrier) this.pending.push([offset, n]);
    else await this.releaseNow(offset, n);
  }

  private async releaseNow(offset: number, n: number): Promise<void> {
    const first = Math.floor(offset / this.clusterSize);
    for (let c = first; c < first + n; c++) {
      const rc = await this.get(c);
      if (rc === 0) {
        throw new BlockError('CORRUPT', `qcow2 image ${this.name}: refcount underflow freeing cluster at ${c * this.clusterSize}`);
      }
      await this.setRange(c, 1, rc - 1);
      if (rc === 1) this.freeHint = Math.min(this.freeHint, c);
    }
  }

  /** Sets the refcount of a cluster (repairing leaks). */
  async set(cluster: number, value: number): Promise<void> {
    if (!(await this.ensureBlocks(cluster, 1))) throw new BlockError('EIO', 'refcount block allocation changed the layout');
    await this.setRange(cluster, 1, value);
    if (value === 0) this.freeHint = Math.min(this.freeHint, cluster);
  }

  private async findFree(n: number): Promise<number> {
    let runStart = this.freeHint;
    for (let c = runStart; ; c++) {
      const b = Math.floor(c / this.perBlock);
      if (b < this.table.length && this.table[b] !== 0) {
        const block = await this.block(b);
        if (readEntry(block, c % this.perBlock, this.bits) !== 0) { runStart = c + 1; continue; }
      }
      if (c - runStart + 1 >= n) return runStart;
    }
  }

  /** Makes sure blocks describe [start, start+n). False if it had to create some (clusters moved). */
  private async ensureBlocks(start: number, n: number): Promise<boolean> {
    const last = Math.floor((start + n - 1) / this.perBlock);
    for (let b = Math.floor(start / this.perBlock); b <= last; b++) {
      if (b >= this.table.length) { await this.growTable(b); return false; }
      if (this.table[b] === 0) { await this.createBlock(b); return false; }
    }
    return true;
  }

  private async createBlock(b: number): Promise<void> {
    const cluster = b * this.perBlock;
    const block = new Uint8Array(this.clusterSize);
    writeEntry(block, 0, this.bits, 1);
    await this.store.write(cluster * this.clusterSize, block);
    await this.barrier?.();
    this.cacheBlock(b, block);
    this.table[b] = cluster * this.clusterSize;
    await this.writeTableEntry(b);
  }

  private async growTable(needBlock: number): Promise<void> {
    const cs = this.clusterSize, oldEntries = this.table.length;
    const start = oldEntries * this.perBlock; // first cluster no block describes: all free
    let entries = Math.max(needBlock + 1, oldEntries * 2);
    let tableClusters = 0, newBlocks = 0;
    for (;;) {
      tableClusters = Math.ceil((entries * 8) / cs);
      newBlocks = 0;
      for (let k = 1; k !== newBlocks;) { newBlocks = k; k = Math.ceil((tableClusters + newBlocks) / this.perBlock); }
      if (oldEntries + newBlocks <= entries) break;
      entries = oldEntries + newBlocks;
    }
    entries = (tableClusters * cs) / 8;
    const used = tableClusters + newBlocks;
    const blocks = new Uint8Array(newBlocks * cs);
    for (let c = start; c < start + used; c++) {
      const j = Math.floor(c / this.perBlock) - oldEntries;
      writeEntry(blocks.subarray(j * cs, (j + 1) * cs), c % this.perBlock, this.bits, 1);
    }
    const newTable = [...this.table];
    for (let j = 0; j < newBlocks; j++) newTable[oldEntries + j] = (start + tableClusters + j) * cs;
    while (newTable.length < entries) newTable.push(0);
    const tableBytes = new Uint8Array(tableClusters * cs);
    const tv = new DataView(tableBytes.buffer);
    newTable.forEach((off, i) => setU64(tv, i * 8, off));
    await this.store.write((start + tableClusters) * cs, blocks);
    await this.store.write(start * cs, tableBytes);
    await this.barrier?.();
    const hdr = new Uint8Array(12), hv = new DataView(hdr.buffer);
    setU64(hv, 0, start * cs);
    hv.setUint32(8, tableClusters);
    await this.store.write(48, hdr); // refcount_table_offset + refcount_table_clusters
    const oldOffset = this.tableOffset, oldClusters = this.tableClusters;
    this.table = newTable;
    this.tableOffset = start * cs;
    this.tableClusters = tableClusters;
    for (let j = 0; j < newBlocks; j++) this.cacheBlock(oldEntries + j, blocks.slice(j * cs, (j + 1) * cs));
    await this.release(oldOffset, oldClusters);
  }

  private async writeTableEntry(b: number): Promise<void> {
    const e = new Uint8Array(8);
    setU64(new DataView(e.buffer), 0, this.table[b]);
    await this.store.write(this.tableOffset + b * 8, e);
  }

  private async setRange(start: number, n: number, value: number): Promise<void> {
    if (value > this.maxRefcount) {
      throw new BlockError('UNSUPPORTED', `qcow2 image ${this.name}: refcount overflow (${this.bits}-bit refcounts)`);
    }
    for (let c = start; c < start + n;) {
      const b = Math.floor(c / this.perBlock), first = c % this.perBlock;
      const count = Math.min(n - (c - start), this.perBlock - first);
      const block = await this.block(b);
      for (let i = 0; i < count; i++) writeEntry(block, first + i, this.bits, value);
      const lo = Math.floor((first * this.bits) / 8), hi = Math.ceil(((first + count) * this.bits) / 8);
      await this.store.write(this.table[b] + lo, block.slice(lo, hi));
      c += count;
    }
  }

  private async block(b: number): Promise<Uint8Array> {
    const hit = this.blocks.get(b);
    if (hit) return hit;
    const block = await this.store.read(this.table[b], this.clusterSize);
    this.cacheBlock(b, block);
    return block;
  }

  private cacheBlock(b: number, block: Uint8Array): void {
    this.blocks.delete(b);
    this.blocks.set(b, block);
    while (this.blocks.size > BLOCK_CACHE) this.blocks.delete(this.blocks.keys().next().value as number);
  }
}

/** Refcount entry `i` of a block; sub-byte widths are packed LSB first. */
export function readEntry(block: Uint8Array, i: number, bits: number): number {
  if (bits < 8) return (block[(i * bits) >> 3] >> ((i * bits) & 7)) & ((1 << bits) - 1);
  const bytes = bits / 8, at = i * bytes;
  let v = 0;
  for (let k = 0; k < bytes; k++) v = v * 256 + block[at + k];
  return v;
}

export function writeEntry(block: Uint8Array, i: number, bits: number, value: number): void {
  if (bits < 8) {
    const at = (i * bits) >> 3, shift = (i * bits) & 7, mask = ((1 << bits) - 1) << shift;
    block[at] = (block[at] & ~mask) | ((value << shift) & mask);
    return;
  }
  const bytes = bits / 8, at = i * bytes;
  for (let k = bytes - 1; k >= 0; k--) { block[at + k] = value % 256; value = Math.floor(value / 256); }
}
