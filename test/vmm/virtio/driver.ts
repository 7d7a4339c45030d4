// driver.ts — a virtio driver for tests: lays out a split virtqueue in guest memory and adds
// descriptor chains the way a guest driver does (2.7.13), so devices are tested without a kernel.
import type { GuestMemoryAccess } from '../../../src/vmm/virtio/memory.js';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from '../../../src/vmm/virtio/spec.js';

export type Segment = { out: Uint8Array } | { in: number };

export interface Used { id: number; len: number }

/** A bump allocator for guest-physical memory in tests. */
export class GuestHeap {
  constructor(private next: number) {}
  alloc(size: number, align = 16): number {
    this.next = Math.ceil(this.next / align) * align;
    const at = this.next;
    this.next += size;
    return at;
  }
}

export class TestDriverQueue {
  readonly descAddr: number;
  readonly availAddr: number;
  readonly usedAddr: number;
  private freeHead = 0;
  private availIdx = 0;
  private usedSeen = 0;
  /** where each chain's device-writable buffers are, by head, for reading results back */
  readonly inBuffers = new Map<number, { addr: number; len: number }[]>();

  constructor(readonly mem: GuestMemoryAccess, readonly heap: GuestHeap, readonly size: number) {
    this.descAddr = heap.alloc(16 * size, 16);
    this.availAddr = heap.alloc(6 + 2 * size, 2);
    this.usedAddr = heap.alloc(6 + 8 * size, 4);
  }

  /** Adds a chain; returns its head. With `indirect`, the chain lives in an indirect table. */
  add(segments: Segment[], { indirect = false } = {}): number {
    const bufs = segments.map((s) => this.buffer(s));
    const head = this.freeHead;
    if (indirect) {
      const table = this.heap.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => this.writeDesc(table, i, b.addr, b.len, b.flags, i + 1 < bufs.length, i + 1));
      this.writeDesc(this.descAddr, head, table, 16 * bufs.length, VIRTQ_DESC_F_INDIRECT, false, 0);
      this.freeHead = (head + 1) % this.size;
    } else {
      bufs.forEach((b, i) => {
        const idx = (head + i) % this.size;
        this.writeDesc(this.descAddr, idx, b.addr, b.len, b.flags, i + 1 < bufs.length, (idx + 1) % this.size);
      });
      this.freeHead = (head + bufs.length) % this.size;
    }
    this.inBuffers.set(head, bufs.filter((b) => b.flags & VIRTQ_DESC_F_WRITE));
    this.publish(head);
    return head;
  }

  /** Puts a head into the available ring and bumps avail.idx. */
  publish(head: number): void {
    this.mem.writeU16(this.availAddr + 4 + 2 * (this.availIdx % this.size), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.mem.writeU16(this.availAddr + 2, this.availIdx);
  }

  writeDesc(table: number, i: number, addr: number, len: number, flags: number, hasNext: boolean, next: number): void {
    const d = table + 16 * i;
    this.mem.writeU32(d, addr);
    this.mem.writeU32(d + 4, Math.floor(addr / 2 ** 32));
    this.mem.writeU32(d + 8, len);
    this.mem.writeU16(d + 12, flags | (hasNext ? VIRTQ_DESC_F_NEXT : 0));
    this.mem.writeU16(d + 14, next);
  }

  /** Used elements the device returned since the last call. */
  takeUsed(): Used[] {
    const idx = this.mem.readU16(this.usedAddr + 2);
    const out: Used[] = [];
    while (this.usedSeen !== idx) {
      const e = this.usedAddr + 4 + 8 * (this.usedSeen % this.size);
      out.push({ id: this.mem.readU32(e), len: this.mem.readU32(e + 4) });
      this.usedSeen = (this.usedSeen + 1) & 0xffff;
    }
    return out;
  }

  /** The bytes the device wrote into a chain's writable buffers (concatenated, `len` of them). */
  readIn(head: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    for (const b of this.inBuffers.get(head) ?? []) {
      const n = Math.min(b.len, len - done);
      out.set(this.mem.read(b.addr, n), done);
      done += n;
    }
    return out;
  }

  setUsedEvent(value: number): void {
    this.mem.writeU16(this.availAddr + 4 + 2 * this.size, value);
  }

  setAvailFlags(flags: number): void {
    this.mem.writeU16(this.availAddr, flags);
  }

  private buffer(s: Segment): { addr: number; len: number; flags: number } {
    if ('out' in s) {
      const addr = this.heap.alloc(s.out.length || 1, 8);
      this.mem.write(addr, s.out);
      return { addr, len: s.out.length, flags: 0 };
    }
    return { addr: this.heap.alloc(s.in || 1, 8), len: s.in, flags: VIRTQ_DESC_F_WRITE };
  }
}
