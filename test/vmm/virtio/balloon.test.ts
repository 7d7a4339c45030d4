// balloon.test.ts — virtio-balloon on a real VM of the host memory pool: inflating gives the
// pages' frames back to the pool (pool statistics drop), deflated pages come back on next touch,
// and the guest's memory statistics are readable from the host.
import { describe, expect, it } from 'vitest';
import { VirtioPciRegisters, BAR_DEVICE } from '../../../src/vmm/virtio/pci-regs.js';
import { VirtioBalloon } from '../../../src/vmm/virtio/devices/balloon.js';
import { GuestHeap } from './driver.js';
import { kick, probe, RecordingInterrupts } from './pci-driver.js';
import { makeKvm, MiB, PAGE } from '../../core/hv/helpers.js';

function pfnList(pfns: number[]): Uint8Array {
  const b = new Uint8Array(4 * pfns.length);
  pfns.forEach((p, i) => new DataView(b.buffer).setUint32(4 * i, p, true));
  return b;
}

async function setup() {
  const kvm = await makeKvm(64);
  const vm = kvm.createVm();
  vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 32 * MiB });
  const mem = vm.memory;
  const balloon = new VirtioBalloon({ releasePage: (gpa) => vm.unmap(gpa, PAGE) });
  const regs = new VirtioPciRegisters(balloon, mem, new RecordingInterrupts());
  const qs = probe(regs, mem, new GuestHeap(0x1000), { queueSize: 8 });
  return { kvm, vm, mem, balloon, regs, qs };
}

describe('virtio-balloon', () => {
  it('publishes the host target and reads back the actual size', async () => {
    const s = await setup();
    s.balloon.setTargetPages(1024);
    expect(s.regs.read(BAR_DEVICE, 4)).toBe(1024);
    s.regs.write(BAR_DEVICE + 4, 4, 512);
    expect(s.balloon.actualPages).toBe(512);
  });

  it('inflating returns the frames of the listed pages to the host pool', async () => {
    const s = await setup();
    const first = 2048; // 8 MiB into the guest, away from the rings
    for (let i = 0; i < 256; i++) s.mem.write((first + i) * PAGE, Uint8Array.of(0xaa)); // touch 1 MiB
    s.qs[0]!.add([{ out: pfnList(Array.from({ length: 256 }, (_, i) => first + i)) }]);
    const before = s.kvm.poolStats().usedFrames; // after the PFN list itself was written
    kick(s.regs, 0);
    expect(s.qs[0]!.takeUsed().length).toBe(1);
    expect(s.balloon.pagesReleased).toBe(256);
    const after = s.kvm.poolStats().usedFrames;
    expect(before - after).toBe(256);
    // a released page reads as zeros without taking a frame (the old 0xaa is gone)
    expect(s.mem.read(first * PAGE, 1)[0]).toBe(0);
    expect(s.kvm.poolStats().usedFrames).toBe(after);
    // deflate, then the guest writes the page again: it takes a fresh frame on first touch
    s.qs[1]!.add([{ out: pfnList([first]) }]);
    kick(s.regs, 1);
    const beforeTouch = s.kvm.poolStats().usedFrames;
    s.mem.write(first * PAGE + 8, Uint8Array.of(0x55));
    expect([...s.mem.read(first * PAGE, 9)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0x55]);
    expect(s.kvm.poolStats().usedFrames).toBe(beforeTouch + 1);
  });

  it('reads the guest statistics and hands the buffer back on request', async () => {
    const s = await setup();
    const stats = new Uint8Array(10 * 3);
    const v = new DataView(stats.buffer);
    [[4, 100 * MiB], [5, 256 * MiB], [2, 7]].forEach(([tag, val], i) => {
      v.setUint16(10 * i, tag!, true);
      v.setBigUint64(10 * i + 2, BigInt(val!), true);
    });
    s.qs[2]!.add([{ out: stats }]);
    kick(s.regs, 2);
    expect(s.balloon.stats).toEqual({ unused: 100 * MiB, available: 256 * MiB, major_fault: 7 });
    expect(s.qs[2]!.takeUsed()).toEqual([]); // the device keeps the buffer
    expect(s.balloon.requestStats()).toBe(true);
    expect(s.qs[2]!.takeUsed().length).toBe(1);
  });
});
