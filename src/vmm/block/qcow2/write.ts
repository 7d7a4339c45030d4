// qcow2 write path: in-place writes, cluster allocation with copy-on-write
// from the backing image, and discard / write-zeroes with zero clusters.
// Spec: docs/interop/qcow2.txt "Cluster mapping" (standard and zero clusters).
//
// Write ordering (crash safety, with refcount.ts):
//   refcount of a new cluster raised  ->  cluster contents written
//   ->  L2 entry written  ->  (new L2 table only) L1 entry written;
//   freeing: L2 entry written first, refcount lowered after.
// A kill between any two steps leaves leaked clusters at worst. On stores
// that may reorder writes across a power loss (files), refcount.ts and the
// barriers here (Qcow2Device.barrier) put a flush between dependent steps.

import { BlockError } from '../errors.js';
import type { Qcow2Device } from './image.js';
import {
  compressedRange, decodeL2, encodeL1, encodeL2, KIND_COMPRESSED, KIND_NORMAL, KIND_UNALLOCATED,
  KIND_ZERO, KIND_ZERO_ALLOC, type Mapping,
} from './l2-entry.js';
import type { L2Table } from './l2-cache.js';

/** Writes guest bytes at `offset` (the request is already range-checked). */
export async function writeClusters(dev: Qcow2Device, offset: number, data: Uint8Array): Promise<void> {
  const span = dev.clusterSize * dev.l2Entries;
  for (let pos = 0; pos < data.length;) {
    const l1i = Math.floor((offset + pos) / span);
    const end = Math.min(data.length, (l1i + 1) * span - offset);
    await writeSlice(dev, l1i, offset + pos, data.subarray(pos, end));
    pos = end;
  }
}

/** A write inside the range of one L2 table. */
async function writeSlice(dev: Qcow2Device, l1i: number, offset: number, data: Uint8Array): Promise<void> {
  const cs = dev.clusterSize;
  const table = await ensureL2(dev, l1i);
  const first = Math.floor(offset / cs), last = Math.floor((offset + data.length - 1) / cs);
  let gc = first;
  while (gc <= last) {
    const m = decodeL2(table.view, gc % dev.l2Entries);
    if (m.kind === KIND_NORMAL) {
      // In place: extend over following clusters that are contiguous on the host.
      let n = 1;
      while (gc + n <= last) {
        const next = decodeL2(table.view, (gc + n) % dev.l2Entries);
        if (next.kind !== KIND_NORMAL || next.host !== m.host + n * cs) break;
        n++;
      }
      const lo = Math.max(offset, gc * cs), hi = Math.min(offset + data.length, (gc + n) * cs);
      await dev.store.write(m.host + (lo - gc * cs), data.subarray(lo - offset, hi - offset));
      dev.fileSize = Math.max(dev.fileSize, m.host + (hi - gc * cs));
      gc += n;
      continue;
    }
    let n = 1;
    const maxRun = dev.refcounts!.maxRun;
    while (gc + n <= last && n < maxRun && decodeL2(table.view, (gc + n) % dev.l2Entries).kind !== KIND_NORMAL) n++;
    await allocateRun(dev, table, gc, n, offset, data);
    gc += n;
  }
}

/** Gives `n` guest clusters from `gc` new host clusters holding old contents overlaid with the write. */
async function allocateRun(dev: Qcow2Device, table: L2Table, gc: number, n: number,
  offset: number, data: Uint8Array): Promise<void> {
  const cs = dev.clusterSize;
  const buf = new Uint8Array(n * cs);
  const old: Mapping[] = [];
  for (let k = 0; k < n; k++) {
    const m = decodeL2(table.view, (gc + k) % dev.l2Entries);
    old.push(m);
    const cStart = (gc + k) * cs;
    const covered = offset <= cStart && offset + data.length >= cStart + cs;
    if (!covered) buf.set(await oldContents(dev, gc + k, m), k * cs);
  }
  const lo = Math.max(offset, gc * cs), hi = Math.min(offset + data.length, (gc + n) * cs);
  buf.set(data.subarray(lo - offset, hi - offset), lo - gc * cs);
  // Clusters past the end of the disk hold nothing past capacity (keep the tail zero).
  const host = await dev.refcounts!.allocate(n);
  await dev.store.write(host, buf);
  dev.fileSize = Math.max(dev.fileSize, host + buf.length);
  const i0 = gc % dev.l2Entries;
  for (let k = 0; k < n; k++) encodeL2(table.view, i0 + k, host + k * cs, false);
  await writeEntries(dev, table, i0, n);
  await releaseOld(dev, old);
}

async function oldContents(dev: Qcow2Device, gc: number, m: Mapping): Promise<Uint8Array> {
  const cs = dev.clusterSize;
  if (m.kind === KIND_UNALLOCATED) {
    const len = Math.min(cs, dev.capacity - gc * cs);
    const part = await dev.readBacking(gc * cs, len);
    if (len === cs) return part;
    const out = new Uint8Array(cs);
    out.set(part);
    return out;
  }
  if (m.kind === KIND_COMPRESSED) return dev.readCompressed(m);
  return new Uint8Array(cs); // zero clusters
}

/** Drops the host clusters that old mappings held (after the new entries are written). */
async function releaseOld(dev: Qcow2Device, old: Mapping[]): Promise<void> {
  const cs = dev.clusterSize, rc = dev.refcounts!;
  for (const m of old) {
    if (m.kind === KIND_NORMAL || m.kind === KIND_ZERO_ALLOC) {
      await rc.release(m.host, 1);
    } else if (m.kind === KIND_COMPRESSED) {
      const { start, end } = compressedRange(m, dev.clusterBits);
      const c0 = Math.floor(start / cs), c1 = Math.floor((end - 1) / cs);
      await rc.release(c0 * cs, c1 - c0 + 1);
    }
  }
}

async function writeEntries(dev: Qcow2Device, table: L2Table, i0: number, n: number): Promise<void> {
  await dev.store.write(table.offset + i0 * 8, table.bytes.slice(i0 * 8, (i0 + n) * 8));
}

/** The L2 table of L1 index `l1i`, allocating an empty one if there is none. */
async function ensureL2(dev: Qcow2Device, l1i: number): Promise<L2Table> {
  const existing = dev.l1[l1i];
  if (existing) return dev.l2cache.get(existing);
  const cs = dev.clusterSize;
  const offset = await dev.refcounts!.allocate(1);
  const bytes = new Uint8Array(cs);
  await dev.store.write(offset, bytes);
  await dev.barrier(); // the empty table is durable before the L1 entry points to it
  dev.fileSize = Math.max(dev.fileSize, offset + cs);
  const table = dev.l2cache.put(offset, bytes);
  const e = new Uint8Array(8);
  encodeL1(new DataView(e.buffer), 0, offset);
  await dev.store.write(dev.header.l1TableOffset + l1i * 8, e);
  dev.l1[l1i] = offset;
  return table;
}

export type ZeroMode = 'discard' | 'zero' | 'zero-unmap';

/**
 * discard / write-zeroes. Whole clusters change their L2 entries (zero flag,
 * or unallocated when nothing shows through); partial clusters at the edges
 * are written with zeros (write-zeroes) or left alone (discard may keep data).
 */
export async function discardClusters(dev: Qcow2Device, offset: number, length: number,
  mode: ZeroMode): Promise<void> {
  if (length === 0) return;
  const cs = dev.clusterSize;
  const end = offset + length;
  // The last cluster counts as whole if the request reaches the end of the disk.
  const firstFull = Math.ceil(offset / cs);
  const endFull = end >= dev.capacity ? Math.ceil(end / cs) : Math.floor(end / cs);
  if (mode !== 'discard') {
    const headEnd = Math.min(end, firstFull * cs);
    if (headEnd > offset) await writeClusters(dev, offset, new Uint8Array(headEnd - offset));
    const tailStart = Math.max(headEnd, endFull * cs);
    if (end > tailStart) await writeClusters(dev, tailStart, new Uint8Array(end - tailStart));
  }
  for (let gc = firstFull; gc < endFull;) {
    const l1i = Math.floor(gc / dev.l2Entries);
    const n = Math.min(endFull - gc, (l1i + 1) * dev.l2Entries - gc);
    await zeroSlice(dev, l1i, gc, n, mode);
    gc += n;
  }
}

async function zeroSlice(dev: Qcow2Device, l1i: number, gc: number, n: number, mode: ZeroMode): Promise<void> {
  const hasBacking = dev.backing !== undefined;
  if (!dev.l1[l1i] && (!hasBacking || mode === 'discard')) return; // already reads zero / old data
  const table = await ensureL2(dev, l1i);
  const i0 = gc % dev.l2Entries;
  const freed: Mapping[] = [];
  let lo = n, hi = -1;
  for (let k = 0; k < n; k++) {
    const m = decodeL2(table.view, i0 + k);
    let host = 0, zero = hasBacking;
    if (mode === 'discard' && m.kind === KIND_UNALLOCATED) continue;
    if (m.kind === KIND_ZERO && zero) continue;
    if (mode === 'zero' && (m.kind === KIND_NORMAL || m.kind === KIND_ZERO_ALLOC)) {
      host = m.host; zero = true; // keep the allocation (no unmap)
    } else if (m.kind === KIND_NORMAL || m.kind === KIND_ZERO_ALLOC || m.kind === KIND_COMPRESSED) {
      freed.push(m);
    } else if (!zero && m.kind === KIND_UNALLOCATED) continue;
    encodeL2(table.view, i0 + k, host, zero);
    lo = Math.min(lo, k); hi = Math.max(hi, k);
  }
  if (hi < 0) return;
  await writeEntries(dev, table, i0 + lo, hi - lo + 1);
  await releaseOld(dev, freed);
  // Let the store release large freed runs (thin provisioning); small ones are reused by allocation.
  const runs: [number, number][] = [];
  for (const m of freed) {
    if (m.kind === KIND_COMPRESSED) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === m.host) last[1] += dev.clusterSize;
    else runs.push([m.host, dev.clusterSize]);
  }
  for (const [host, len] of runs) {
    if (len >= DISCARD_MIN) await dev.store.discard(host, len).catch(ignoreDiscard);
  }
}

const DISCARD_MIN = 1 << 20;

function ignoreDiscard(e: unknown): void {
  if (!(e instanceof BlockError)) throw e;
}
