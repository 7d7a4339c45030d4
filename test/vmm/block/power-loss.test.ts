// Power loss on a store that does not order writes (files): a crash keeps any
// subset of the writes since the last flush, in any order. qcow2's flush
// barriers must still leave consistent metadata (leaks allowed) and every
// flushed byte intact. PowerLossStore simulates that on top of memory.
import { describe, expect, it } from 'vitest';
import { createImage, openImage } from '../../../src/vmm/block/images.js';
import type { Qcow2Device } from '../../../src/vmm/block/qcow2/image.js';
import { MemoryStoreProvider } from '../../../src/vmm/block/store-memory.js';
import type { ByteStore, StoreOpenOptions, StoreProvider } from '../../../src/vmm/block/store.js';
import { crashOp, FLUSH_EVERY } from './crash-workload.js';

interface Pending { offset: number; data: Uint8Array; }

/** Writes stay volatile until flush(); crash() keeps a random subset of them. */
class PowerLossStore implements ByteStore {
  readonly crashOrdered = false;
  pending: Pending[] = [];
  constructor(private readonly durable: ByteStore) {}
  get name(): string { return this.durable.name; }
  get readOnly(): boolean { return this.durable.readOnly; }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = await this.durable.read(offset, length);
    for (const p of this.pending) {
      const lo = Math.max(offset, p.offset), hi = Math.min(offset + length, p.offset + p.data.length);
      if (hi > lo) out.set(p.data.subarray(lo - p.offset, hi - p.offset), lo - offset);
    }
    return out;
  }
  async write(offset: number, data: Uint8Array): Promise<void> { this.pending.push({ offset, data: data.slice() }); }
  async size(): Promise<number> {
    return Math.max(await this.durable.size(), ...this.pending.map((p) => p.offset + p.data.length));
  }
  async truncate(size: number): Promise<void> { await this.flush(); await this.durable.truncate(size); }
  async allocated(): Promise<number> { return this.durable.allocated(); }
  async flush(): Promise<void> {
    for (const p of this.pending) await this.durable.write(p.offset, p.data);
    this.pending = [];
  }
  async discard(offset: number, length: number): Promise<void> { await this.write(offset, new Uint8Array(length)); }
  async close(): Promise<void> { /* volatile writes stay pending until flush or crash */ }
  /** Power loss: each pending write lands or not (by `rnd`), in shuffled order. */
  async crash(rnd: () => number): Promise<number> {
    const kept = this.pending.filter(() => rnd() < 0.5);
    for (let i = kept.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [kept[i], kept[j]] = [kept[j], kept[i]];
    }
    for (const p of kept) await this.durable.write(p.offset, p.data);
    this.pending = [];
    await this.durable.close(); // the process is gone: so is its write lock
    return kept.length;
  }
}

class PowerLossProvider implements StoreProvider {
  readonly description = 'power-loss';
  readonly stores = new Map<string, PowerLossStore>();
  constructor(readonly durable: MemoryStoreProvider) {}
  async open(name: string, options?: StoreOpenOptions): Promise<ByteStore> {
    const s = new PowerLossStore(await this.durable.open(name, options));
    if (!s.readOnly) this.stores.set(name, s);
    return s;
  }
  delete(name: string): Promise<void> { return this.durable.delete(name); }
  list(): Promise<string[]> { return this.durable.list(); }
  exists(name: string): Promise<boolean> { return this.durable.exists(name); }
  resolve(from: string, ref: string): string { return this.durable.resolve(from, ref); }
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

describe('power loss with unordered writes', () => {
  for (const clusterSize of [512, 65536]) {
    it(`keeps qcow2 metadata consistent (${clusterSize}-byte clusters)`, async () => {
      const capacity = 4 << 20;
      let leaksSeen = 0;
      for (let trial = 0; trial < 12; trial++) {
        const durable = new MemoryStoreProvider();
        await createImage(durable, 'd.qcow2', { format: 'qcow2', capacity, clusterSize });
        const p = new PowerLossProvider(durable);
        const dev = await openImage(p, 'd.qcow2');
        const model = new Uint8Array(capacity);
        const known = new Uint8Array(capacity).fill(1);
        const r = rng(trial * 7919 + clusterSize);
        const ops = 3 + Math.floor(r() * 25);
        for (let i = 0; i < ops; i++) {
          const op = crashOp(trial + 500, i, capacity);
          if (op.kind === 'write') await dev.write(op.offset, op.data!);
          else await dev.writeZeroes(op.offset, op.length, { unmap: true });
          if ((i + 1) % FLUSH_EVERY === 0) {
            await dev.flush();
            for (let k = i + 1 - FLUSH_EVERY; k <= i; k++) {
              const done = crashOp(trial + 500, k, capacity);
              if (done.kind === 'write') model.set(done.data!, done.offset); else model.fill(0, done.offset, done.offset + done.length);
              known.fill(1, done.offset, done.offset + done.length);
            }
          } else if (i >= ops - FLUSH_EVERY) {
            known.fill(0, op.offset, op.offset + op.length);
          }
        }
        for (let k = ops - (ops % FLUSH_EVERY); k < ops; k++) {
          const op = crashOp(trial + 500, k, capacity);
          known.fill(0, op.offset, op.offset + op.length);
        }
        await p.stores.get('d.qcow2')!.crash(r);
        const after = await openImage(durable, 'd.qcow2') as Qcow2Device; // consistency check on open
        leaksSeen += after.leaks;
        const got = await after.read(0, capacity);
        for (let b = 0; b < capacity; b++) {
          if (known[b] && got[b] !== model[b]) throw new Error(`trial ${trial}: flushed byte ${b} lost`);
        }
        expect((await after.check()).errors).toEqual([]);
        await after.close();
      }
      console.log(`power loss, ${clusterSize}-byte clusters: 12 crashes, ${leaksSeen} leaked clusters freed on reopen`);
    });
  }
});
