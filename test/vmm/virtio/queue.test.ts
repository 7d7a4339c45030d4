// queue.test.ts — the split virtqueue: chains in and out, indirect tables, event-index
// notification suppression, and malformed rings refused with a reason instead of a hang.
import { describe, expect, it } from 'vitest';
import { FlatGuestMemory } from '../../../src/vmm/virtio/memory.js';
import { SplitQueue, VirtqueueError } from '../../../src/vmm/virtio/queue.js';
import { ChainReader, ChainWriter } from '../../../src/vmm/virtio/chain.js';
import { VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_WRITE } from '../../../src/vmm/virtio/spec.js';
import { GuestHeap, TestDriverQueue } from './driver.js';

function setup(size = 8, features = { indirect: true, eventIdx: false }) {
  const mem = new FlatGuestMemory(1 << 20);
  const drv = new TestDriverQueue(mem, new GuestHeap(0x1000), size);
  const q = new SplitQueue(size);
  Object.assign(q, { descAddr: drv.descAddr, driverAddr: drv.availAddr, deviceAddr: drv.usedAddr, ready: true, features });
  q.validate();
  return { mem, drv, q };
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SplitQueue', () => {
  it('pops a chain, reads its readable part and writes its writable part', () => {
    const { mem, drv, q } = setup();
    const head = drv.add([{ out: bytes('hello ') }, { out: bytes('world') }, { in: 4 }, { in: 4 }]);
    const chain = q.pop(mem)!;
    expect(chain.head).toBe(head);
    expect(chain.readableLength).toBe(11);
    expect(chain.writableLength).toBe(8);
    expect(new TextDecoder().decode(new ChainReader(mem, chain).read(11))).toBe('hello world');
    const w = new ChainWriter(mem, chain);
    w.write(Uint8Array.of(1, 2, 3, 4, 5, 6));
    q.push(mem, chain.head, w.written);
    expect(q.pop(mem)).toBeNull();
    expect(drv.takeUsed()).toEqual([{ id: head, len: 6 }]);
    expect([...drv.readIn(head, 6)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('follows indirect descriptor tables', () => {
    const { mem, drv, q } = setup();
    drv.add([{ out: bytes('abc') }, { in: 2 }], { indirect: true });
    const chain = q.pop(mem)!;
    expect(chain.readable.length).toBe(1);
    expect(chain.writable.length).toBe(1);
    expect(new TextDecoder().decode(new ChainReader(mem, chain).read(3))).toBe('abc');
  });

  it('wraps the ring indices past the queue size many times', () => {
    const { mem, drv, q } = setup(4);
    for (let i = 0; i < 70_000; i++) {
      drv.add([{ out: Uint8Array.of(i & 255) }]);
      const chain = q.pop(mem)!;
      expect(new ChainReader(mem, chain).read(1)[0]).toBe(i & 255);
      q.push(mem, chain.head, 0);
      drv.takeUsed();
      if (i % 1000 === 0) (drv as unknown as { heap: GuestHeap }).heap = new GuestHeap(0x8000);
    }
  });

  it('suppresses interrupts with NO_INTERRUPT and with the used event index', () => {
    const plain = setup(8);
    plain.drv.add([{ in: 1 }]);
    plain.q.push(plain.mem, plain.q.pop(plain.mem)!.head, 0);
    expect(plain.q.needsInterrupt(plain.mem)).toBe(true);
    plain.drv.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
    plain.drv.add([{ in: 1 }]);
    plain.q.push(plain.mem, plain.q.pop(plain.mem)!.head, 0);
    expect(plain.q.needsInterrupt(plain.mem)).toBe(false);

    const ev = setup(8, { indirect: false, eventIdx: true });
    ev.drv.setUsedEvent(2); // interrupt me when used idx passes 2
    for (let i = 0; i < 2; i++) {
      ev.drv.add([{ in: 1 }]);
      ev.q.push(ev.mem, ev.q.pop(ev.mem)!.head, 0);
      expect(ev.q.needsInterrupt(ev.mem)).toBe(false);
    }
    ev.drv.add([{ in: 1 }]);
    ev.q.push(ev.mem, ev.q.pop(ev.mem)!.head, 0);
    expect(ev.q.needsInterrupt(ev.mem)).toBe(true);
    // avail_event tells the driver which avail index we want to be notified at
    expect(ev.mem.readU16(ev.drv.usedAddr + 4 + 8 * 8)).toBe(3);
  });

  describe('malformed rings are refused with a reason', () => {
    it('a descriptor loop', () => {
      const { mem, drv, q } = setup(4);
      drv.writeDesc(drv.descAddr, 0, 0x100, 4, 0, true, 1);
      drv.writeDesc(drv.descAddr, 1, 0x100, 4, 0, true, 0);
      drv.publish(0);
      expect(() => q.pop(mem)).toThrow(/loops/);
    });
    it('a head or next index out of range', () => {
      const a = setup(4);
      a.drv.publish(9);
      expect(() => a.q.pop(a.mem)).toThrow(/out of range/);
      const b = setup(4);
      b.drv.writeDesc(b.drv.descAddr, 0, 0x100, 4, 0, true, 7);
      b.drv.publish(0);
      expect(() => b.q.pop(b.mem)).toThrow(/next descriptor 7 is out of range/);
    });
    it('an available index that jumps by more than the queue size', () => {
      const { mem, drv, q } = setup(4);
      mem.writeU16(drv.availAddr + 2, 100);
      expect(() => q.pop(mem)).toThrow(VirtqueueError);
    });
    it('nested indirect tables and indirect without the feature', () => {
      const { mem, drv, q } = setup(4);
      const table = 0x9000;
      drv.writeDesc(table, 0, 0xa000, 16, VIRTQ_DESC_F_INDIRECT, false, 0);
      drv.writeDesc(drv.descAddr, 0, table, 16, VIRTQ_DESC_F_INDIRECT, false, 0);
      drv.publish(0);
      expect(() => q.pop(mem)).toThrow(/inside an indirect table/);
      const n = setup(4, { indirect: false, eventIdx: false });
      n.drv.add([{ in: 1 }], { indirect: true });
      expect(() => n.q.pop(n.mem)).toThrow(/not negotiated/);
    });
    it('a readable buffer after a writable one', () => {
      const { mem, drv, q } = setup(4);
      drv.writeDesc(drv.descAddr, 0, 0x100, 4, VIRTQ_DESC_F_WRITE, true, 1);
      drv.writeDesc(drv.descAddr, 1, 0x100, 4, 0, false, 0);
      drv.publish(0);
      expect(() => q.pop(mem)).toThrow(/readable descriptor after a device-writable/);
    });
    it('a queue size that is not a power of two', () => {
      const q = new SplitQueue(256);
      q.size = 100;
      expect(() => q.validate()).toThrow(/power of 2/);
    });
    it('a buffer outside guest RAM surfaces as an error when read', () => {
      const { mem, drv, q } = setup(4);
      drv.writeDesc(drv.descAddr, 0, 0xfff_ffff, 4, 0, false, 0);
      drv.publish(0);
      const chain = q.pop(mem)!;
      expect(() => new ChainReader(mem, chain).read(4)).toThrow(/outside guest RAM/);
    });
  });
});
