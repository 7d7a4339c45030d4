// memory.test.ts — the host memory pool, memory slots and the EPT through the KVM-style API:
// lazy allocation (overcommit), MMIO holes, ROM, copy-on-write, dirty logging, unmap, teardown.
import { describe, expect, it } from 'vitest';
import { GuestMemoryError } from '../../../src/vmm/kvm/index.js';
import { MiB, PAGE, makeKvm } from './helpers.js';

describe('host memory pool and EPT', () => {
  it('allocates guest frames lazily: a 1 GiB guest in a 64 MiB pool uses only what it touches', async () => {
    const kvm = await makeKvm(64);
    const vm = kvm.createVm();
    const before = kvm.poolStats().usedFrames;
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 1024 * MiB });
    expect(kvm.poolStats().usedFrames).toBe(before);
    for (let i = 0; i < 10; i++) vm.memory.writeU32(i * 100 * MiB + 8, 0xc0ffee00 + i);
    const s = vm.stats();
    expect(s.guestFrames).toBe(10);
    expect(kvm.poolStats().usedFrames).toBe(before + s.guestFrames + s.eptFrames - 1);
    for (let i = 0; i < 10; i++) expect(vm.memory.readU32(i * 100 * MiB + 8)).toBe(0xc0ffee00 + i);
    // reads of never-touched memory are zero and allocate nothing
    expect(vm.memory.read(550 * MiB + 3, 10000).every((b) => b === 0)).toBe(true);
    expect(vm.stats().guestFrames).toBe(10);
  });

  it('hands out zeroed frames, also when recycled from the free list', async () => {
    const kvm = await makeKvm(16);
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 4 * MiB });
    vm.memory.fill(0, 4 * MiB, 0xa5);
    vm.unmap(0, 4 * MiB);
    expect(vm.stats().guestFrames).toBe(0);
    const other = kvm.createVm();
    other.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 4 * MiB });
    for (let p = 0; p < 4 * MiB; p += PAGE) other.memory.writeU8(p, 1);
    const all = other.memory.read(0, 4 * MiB);
    expect(all.filter((b) => b === 0xa5).length).toBe(0);
  });

  it('accesses outside RAM slots are MMIO holes; accesses cross page and slot boundaries', async () => {
    const kvm = await makeKvm(16);
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 1 * MiB });
    vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: 1 * MiB, memorySize: 1 * MiB });
    vm.setUserMemoryRegion({ slot: 2, guestPhysAddr: 0xfec00000, memorySize: PAGE, kind: 'mmio' });
    expect(kvm.core.ept_translate(vm.pointer, 0xfec00000, 1)).toBe(-1);
    expect(kvm.core.ept_translate(vm.pointer, 3 * MiB, 1)).toBe(-1);
    expect(kvm.core.ept_translate(vm.pointer, 2 ** 48, 1)).toBe(-1);
    expect(() => vm.memory.read(3 * MiB, 4)).toThrow(GuestMemoryError);
    expect(() => vm.memory.writeU32(0xfec00000, 1)).toThrow(/MMIO hole/);
    const data = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7) & 0xff);
    vm.memory.write(1 * MiB - 5000, data);
    expect(vm.memory.read(1 * MiB - 5000, 10000)).toEqual(data);
    vm.memory.writeU64(PAGE - 4, 0x1122334455667788n);
    expect(vm.memory.readU64(PAGE - 4)).toBe(0x1122334455667788n);
    expect(vm.memory.readU16(PAGE - 1)).toBe(0x4455);
  });

  it('ROM slots take VMM writes but ignore guest writes', async () => {
    const kvm = await makeKvm(16);
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0xfffc0000, memorySize: 256 * 1024, kind: 'rom' });
    vm.memory.writeRom(0xfffffff0, Uint8Array.of(0xea, 0x5b, 0xe0, 0x00, 0xf0));
    expect(kvm.core.ept_translate(vm.pointer, 0xfffffff0, 2)).toBe(-3);
    expect(() => vm.memory.writeU8(0xfffffff0, 0)).toThrow(/ROM/);
    expect(vm.memory.readU8(0xfffffff0)).toBe(0xea);
    expect(kvm.core.ept_translate(vm.pointer, 0xfffffff1, 4)).toBeGreaterThan(0);
  });

  it('rejects overlapping, misaligned and out-of-range slots with a clear error', async () => {
    const kvm = await makeKvm(16);
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 2 * MiB });
    expect(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: MiB, memorySize: 2 * MiB })).toThrow(/EEXIST/);
    expect(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: 100, memorySize: PAGE })).toThrow(/aligned/);
    expect(() => vm.setUserMemoryRegion({ slot: 40, guestPhysAddr: 4 * MiB, memorySize: PAGE })).toThrow(/EINVAL/);
    expect(() => vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 4 * MiB })).toThrow(/EINVAL/);
    expect(() => kvm.createVm().setUserMemoryRegion({ slot: 0, guestPhysAddr: 2 ** 48, memorySize: PAGE })).toThrow(/EINVAL/);
    vm.memory.writeU32(0, 7);
    expect(vm.memory.readU32(0)).toBe(7); // the failed calls changed nothing
  });

  it('copy-on-write: a KSM-shared page is copied on the first write, the other side keeps its data', async () => {
    const kvm = await makeKvm(16);
    const a = kvm.createVm();
    const b = kvm.createVm();
    a.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: MiB });
    b.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: MiB });
    const text = new TextEncoder().encode('identical page contents');
    a.memory.write(0x3000, text);
    b.memory.write(0x5000, text);
    const used = kvm.poolStats().usedFrames;
    const genA = a.eptGeneration();
    const genB = b.eptGeneration();
    b.sharePageFrom(a, 0x3000, 0x5000);
    expect(kvm.poolStats().sharedFrames).toBe(1);
    expect(kvm.poolStats().usedFrames).toBe(used - 1); // b's duplicate went back to the pool
    expect(a.hostAddress(0x3000)).toBe(b.hostAddress(0x5000));
    expect(kvm.core.pool_frame_refcount(kvm.pool, a.hostAddress(0x3000))).toBe(2);
    expect(a.eptGeneration()).toBeGreaterThan(genA);
    expect(b.eptGeneration()).toBeGreaterThan(genB);
    b.memory.writeU8(0x5000, 0x21);
    expect(b.stats().cowCopies).toBe(1);
    expect(a.hostAddress(0x3000)).not.toBe(b.hostAddress(0x5000));
    expect(a.memory.read(0x3000, text.length)).toEqual(text);
    expect(b.memory.readU8(0x5000)).toBe(0x21);
    expect(b.memory.read(0x5001, text.length - 1)).toEqual(text.subarray(1));
    expect(kvm.poolStats().sharedFrames).toBe(0);
    // a is now the sole owner: its write-protected page turns writable without a copy
    const hpa = a.hostAddress(0x3000);
    a.memory.writeU8(0x3000, 0x22);
    expect(a.hostAddress(0x3000)).toBe(hpa);
    expect(a.stats().cowCopies).toBe(0);
  });

  it('dirty logging reports the pages written since the last fetch, VMM and guest writes alike', async () => {
    const kvm = await makeKvm(16);
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: MiB });
    vm.setUserMemoryRegion({ slot: 3, guestPhysAddr: 16 * MiB, memorySize: 2 * MiB, logDirtyPages: true });
    const base = 16 * MiB;
    vm.memory.writeU32(base + 3 * PAGE + 8, 1);
    vm.memory.write(base + 40 * PAGE - 2, new Uint8Array(4)); // crosses pages 39 and 40
    vm.memory.read(base + 100 * PAGE, 64); // reads do not dirty
    kvm.core.ept_translate(vm.pointer, base + 101 * PAGE, 1); // nor do guest reads
    vm.memory.writeU32(0, 1); // slot 0 does not log
    let log = vm.getDirtyLog(3);
    expect(log.length).toBe(16);
    expect(vm.dirtyPages(3, log)).toEqual([base + 3 * PAGE, base + 39 * PAGE, base + 40 * PAGE]);
    log = vm.getDirtyLog(3);
    expect(vm.dirtyPages(3, log)).toEqual([]);
    const gen = vm.eptGeneration();
    vm.memory.writeU32(base + 40 * PAGE, 5);
    vm.memory.writeU32(base + 40 * PAGE + 4, 6);
    expect(vm.dirtyPages(3, vm.getDirtyLog(3))).toEqual([base + 40 * PAGE]);
    expect(vm.eptGeneration()).toBeGreaterThan(gen); // fetch flushes TLBs so the next write is seen
    expect(() => vm.getDirtyLog(0)).toThrow(/does not log/);
    // logging can be switched off and on for an existing slot
    vm.setUserMemoryRegion({ slot: 3, guestPhysAddr: base, memorySize: 2 * MiB, logDirtyPages: false });
    expect(() => vm.getDirtyLog(3)).toThrow(/does not log/);
  });

  it('unmap, slot deletion and VM destruction return every frame to the pool', async () => {
    const kvm = await makeKvm(32);
    const baseline = kvm.poolStats().usedFrames;
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 8 * MiB });
    vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: 4 * 1024 * MiB, memorySize: 8 * MiB, logDirtyPages: true });
    vm.memory.fill(0, 2 * MiB, 1);
    vm.memory.fill(4 * 1024 * MiB, 64 * PAGE, 2);
    expect(vm.stats().guestFrames).toBe(512 + 64);
    const gen = vm.eptGeneration();
    vm.unmap(MiB, MiB); // balloon: give back the second MiB
    expect(vm.stats().guestFrames).toBe(256 + 64);
    expect(vm.eptGeneration()).toBeGreaterThan(gen);
    expect(vm.memory.readU8(MiB + 5)).toBe(0);
    expect(vm.memory.readU8(MiB - 1)).toBe(1);
    vm.deleteMemoryRegion(1);
    expect(vm.stats().guestFrames).toBe(256);
    expect(() => vm.memory.readU8(4 * 1024 * MiB)).toThrow(GuestMemoryError);
    expect(kvm.vmUsage()).toEqual([{ id: vm.id, pointer: vm.pointer, guestFrames: 256, eptFrames: vm.stats().eptFrames, oom: false }]);
    vm.createVcpu(0);
    vm.createVcpu(1);
    vm.destroy(); // its vCPUs (and their CPU state blocks) go too
    expect(kvm.poolStats().usedFrames).toBe(baseline);
    expect(kvm.vmUsage()).toEqual([]);
    expect(kvm.poolStats().vmCount).toBe(0);
  });
});
