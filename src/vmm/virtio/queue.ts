// queue.ts — the device side of a split virtqueue (virtio 1.2, 2.7): pops descriptor chains from
// the available ring, pushes used elements, and decides when to notify the driver, with
// VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX.
// Invariant: a malformed ring (index out of range, a loop, an over-long chain, a nested indirect
// table, readable-after-writable buffers, memory outside guest RAM) throws VirtqueueError; the
// transport then sets DEVICE_NEEDS_RESET. Nothing here can hang: every walk is bounded.
import { DescriptorChain, type Buffer } from './chain.js';
import type { GuestMemoryAccess } from './memory.js';
import {
  VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE,
  VIRTQ_DESC_SIZE, VIRTQ_MAX_SIZE, vringNeedEvent,
} from './spec.js';

export class VirtqueueError extends Error {}

/** Largest total length of one chain we accept (the used ring's len is 32-bit). */
const MAX_CHAIN_BYTES = 0xffff_ffff;

export interface QueueFeatures {
  indirect: boolean;
  eventIdx: boolean;
}

export class SplitQueue {
  size: number;
  ready = false;
  descAddr = 0;
  /** the driver area: the available ring */
  driverAddr = 0;
  /** the device area: the used ring */
  deviceAddr = 0;
  msixVector = 0xffff;
  features: QueueFeatures = { indirect: false, eventIdx: false };
  private lastAvailIdx = 0;
  private usedIdx = 0;
  private signalledUsedIdx = 0;

  constructor(readonly maxSize: number) {
    this.size = maxSize;
  }

  reset(): void {
    this.size = this.maxSize;
    this.ready = false;
    this.descAddr = this.driverAddr = this.deviceAddr = 0;
    this.msixVector = 0xffff;
    this.lastAvailIdx = this.usedIdx = this.signalledUsedIdx = 0;
  }

  /** Checks the driver's configuration when it enables the queue (2.7: size a power of 2). */
  validate(): void {
    const s = this.size;
    if (s === 0 || s > this.maxSize || s > VIRTQ_MAX_SIZE || (s & (s - 1)) !== 0) {
      throw new VirtqueueError(`queue size ${s} is not a power of 2 up to ${this.maxSize}`);
    }
    if (this.descAddr % 16 || this.driverAddr % 2 || this.deviceAddr % 4) {
      throw new VirtqueueError('virtqueue areas are misaligned (2.7: 16/2/4 byte alignment)');
    }
  }

  /** The next available chain, or null when the driver has made none available. */
  pop(mem: GuestMemoryAccess): DescriptorChain | null {
    const availIdx = mem.readU16(this.driverAddr + 2);
    const pending = (availIdx - this.lastAvailIdx) & 0xffff;
    if (pending === 0) return null;
    if (pending > this.size) {
      throw new VirtqueueError(`available index moved by ${pending}, more than the queue size ${this.size}`);
    }
    const slot = this.lastAvailIdx % this.size;
    const head = mem.readU16(this.driverAddr + 4 + 2 * slot);
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    if (this.features.eventIdx) {
      // avail_event: ask to be notified as soon as the driver adds anything past what we took.
      mem.writeU16(this.deviceAddr + 4 + 8 * this.size, this.lastAvailIdx);
    }
    return this.walk(mem, head);
  }

  /**
   * Gives back the last `count` chains popped and not pushed, as QEMU's virtqueue_unpop: a device
   * that finds the ring too short for a whole packet takes them again when the driver adds more.
   * avail_event stays where pop left it, so the driver still notifies when it adds buffers.
   */
  unpop(count: number): void {
    this.lastAvailIdx = (this.lastAvailIdx - count) & 0xffff;
  }

  /** Returns a chain to the driver with the number of bytes written into it. */
  push(mem: GuestMemoryAccess, head: number, written: number): void {
    const slot = this.usedIdx % this.size;
    mem.writeU32(this.deviceAddr + 4 + 8 * slot, head);
    mem.writeU32(this.deviceAddr + 4 + 8 * slot + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    mem.writeU16(this.deviceAddr + 2, this.usedIdx);
  }

  /** Whether the driver wants an interrupt for what was pushed since the last one (2.7.7.2, 2.7.10). */
  needsInterrupt(mem: GuestMemoryAccess): boolean {
    const old = this.signalledUsedIdx;
    if (old === this.usedIdx) return false;
    this.signalledUsedIdx = this.usedIdx;
    if (this.features.eventIdx) {
      const usedEvent = mem.readU16(this.driverAddr + 4 + 2 * this.size);
      return vringNeedEvent(usedEvent, this.usedIdx, old);
    }
    return (mem.readU16(this.driverAddr) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  private walk(mem: GuestMemoryAccess, head: number): DescriptorChain {
    if (head >= this.size) throw new VirtqueueError(`descriptor index ${head} is out of range (queue size ${this.size})`);
    const acc = new ChainBuilder();
    let table = this.descAddr;
    let tableSize = this.size;
    let index = head;
    let inIndirect = false;
    for (let steps = 0; ; steps++) {
      if (steps >= tableSize) throw new VirtqueueError(`descriptor chain from ${head} loops or exceeds ${tableSize} entries`);
      const d = table + VIRTQ_DESC_SIZE * index;
      const addr = Number(mem.readU64(d));
      const len = mem.readU32(d + 8);
      const flags = mem.readU16(d + 12);
      const next = mem.readU16(d + 14);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (inIndirect) throw new VirtqueueError('indirect descriptor inside an indirect table');
        if (!this.features.indirect) throw new VirtqueueError('indirect descriptor but VIRTIO_F_INDIRECT_DESC was not negotiated');
        if (flags & VIRTQ_DESC_F_NEXT) throw new VirtqueueError('descriptor has both INDIRECT and NEXT set');
        if (len === 0 || len % VIRTQ_DESC_SIZE) throw new VirtqueueError(`indirect table length ${len} is not a multiple of 16`);
        table = addr;
        tableSize = len / VIRTQ_DESC_SIZE;
        index = 0;
        inIndirect = true;
        steps = -1;
        continue;
      }
      acc.add({ addr, len }, (flags & VIRTQ_DESC_F_WRITE) !== 0);
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      if (next >= tableSize) throw new VirtqueueError(`next descriptor ${next} is out of range (${tableSize})`);
      index = next;
    }
    return acc.build(head);
  }
}

class ChainBuilder {
  private readonly readable: Buffer[] = [];
  private readonly writable: Buffer[] = [];
  private total = 0;

  add(buf: Buffer, writable: boolean): void {
    if (!writable && this.writable.length) throw new VirtqueueError('device-readable descriptor after a device-writable one');
    this.total += buf.len;
    if (this.total > MAX_CHAIN_BYTES) throw new VirtqueueError('descriptor chain longer than 4 GiB');
    (writable ? this.writable : this.readable).push(buf);
  }

  build(head: number): DescriptorChain {
    return new DescriptorChain(head, this.readable, this.writable);
  }
}
