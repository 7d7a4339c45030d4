// L2 table cache: the most recently used L2 tables of a qcow2 image, kept in
// memory so a sequential read costs one store read per run of clusters, not
// one per cluster plus a table read (QEMU's l2-cache-size).
// Invariant: write-through — whoever changes an entry writes it to the store
// too (see image.ts), so an evicted table is never dirty and a crash never
// loses a metadata update that the cache had accepted.
// Spec: docs/interop/qcow2.txt "Cluster mapping" (L2 tables are one cluster).

import type { ByteStore } from '../store.js';

export interface L2Table {
  readonly offset: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

export class L2Cache {
  private readonly tables = new Map<number, L2Table>();
  hits = 0;
  misses = 0;

  constructor(private readonly store: ByteStore, private readonly clusterSize: number,
    private readonly capacity: number) {}

  async get(offset: number): Promise<L2Table> {
    const hit = this.tables.get(offset);
    if (hit) {
      this.hits++;
      this.tables.delete(offset);
      this.tables.set(offset, hit);
      return hit;
    }
    this.misses++;
    const bytes = await this.store.read(offset, this.clusterSize);
    return this.put(offset, bytes);
  }

  /** Installs a table just written to the store (a new or relocated L2 table). */
  put(offset: number, bytes: Uint8Array): L2Table {
    const table = { offset, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    this.tables.delete(offset);
    this.tables.set(offset, table);
    while (this.tables.size > Math.max(1, this.capacity)) {
      this.tables.delete(this.tables.keys().next().value as number);
    }
    return table;
  }

  drop(offset: number): void { this.tables.delete(offset); }
  clear(): void { this.tables.clear(); }
}
