// ept-guest.test.ts — copy-on-write, write protection and dirty logging driven by guest stores
// (a vCPU running code, through its TLB), not by VMM writes: after the VMM shares, write-protects
// or fetches the dirty log of a page the vCPU has already written (so its TLB holds a writable
// entry for it), the next guest store must miss that entry (the INVEPT-like flush), and take the
// EPT's slow path: a private copy for a shared frame, the W bit back for a sole owner, the page in
// the dirty bitmap again.
import { describe, expect, it } from 'vitest';
import { MiB, PAGE, makeKvm } from './helpers.js';
import type { Vcpu, Vm } from '../../../src/vmm/kvm/index.js';

const CODE_GPA = 0xffff0000;
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
/** mov [addr], ebx; out 0x80, al — one guest store per run(), which ends at the OUT's IO exit */
const storeThenOut = (addr: number) => [0x89, 0x1d, ...le32(addr), 0xe6, 0x80];

function flatVcpu(vm: Vm, program: number[]): Vcpu {
  vm.setUserMemoryRegion({ slot: 9, guestPhysAddr: CODE_GPA, memorySize: 0x10000, kind: 'rom' });
  vm.memory.writeRom(CODE_GPA, Uint8Array.from(program));
  const vcpu = vm.createVcpu(0);
  const flat = (selector: number, attr: number) => ({ selector, attr, limit: 0xffffffff, base: 0n });
  vcpu.setSregs({ cr0: 0x11n, cs: flat(0x08, 0xc09b), ds: flat(0x10, 0xc093), es: flat(0x10, 0xc093), ss: flat(0x10, 0xc093) });
  vcpu.setRegs({ rip: BigInt(CODE_GPA), rflags: 0x2n });
  return vcpu;
}

/** Runs the next store, with `value` in EBX, to its OUT. */
function storeNext(vcpu: Vcpu, value: number): void {
  vcpu.setRegs({ rbx: BigInt(value) });
  const exit = vcpu.run(1000);
  if (exit.reason !== 'io' || exit.port !== 0x80) throw new Error(`expected the OUT to port 0x80, got ${exit.reason}`);
}

describe('EPT permission changes seen by a running vCPU', () => {
  it('a guest store to a page shared after the vCPU cached it writable copies the frame (COW)', async () => {
    const kvm = await makeKvm(16);
    const a = kvm.createVm();
    const b = kvm.createVm();
    a.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: MiB });
    b.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: MiB });
    const vcpu = flatVcpu(b, [...storeThenOut(0x5000), ...storeThenOut(0x5008)]);
    storeNext(vcpu, 0x11111111); // b's vCPU now holds a writable TLB entry for gpa 0x5000
    a.memory.write(0x3000, new Uint8Array(PAGE).fill(0xaa));
    b.sharePageFrom(a, 0x3000, 0x5000); // b's page becomes a read-only mapping of a's frame
    expect(b.memory.readU32(0x5000)).toBe(0xaaaaaaaa);
    const shared = a.hostAddress(0x3000);
    storeNext(vcpu, 0x22222222);
    expect(b.stats().cowCopies).toBe(1);
    expect(b.hostAddress(0x5000)).not.toBe(shared);
    expect(b.memory.readU32(0x5008)).toBe(0x22222222);
    expect(b.memory.readU32(0x5000)).toBe(0xaaaaaaaa); // the copy starts from the shared contents
    expect(a.memory.read(0x3000, PAGE).every((x) => x === 0xaa)).toBe(true); // a never sees b's store
    expect(kvm.poolStats().sharedFrames).toBe(0);
  });

  it('guest stores after a dirty-log fetch and after write protection are logged again; a sole owner is not copied', async () => {
    const kvm = await makeKvm(16);
    const vm = kvm.createVm();
    const base = MiB;
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: MiB });
    vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: base, memorySize: MiB, logDirtyPages: true });
    const vcpu = flatVcpu(vm, [...storeThenOut(base + 0x10), ...storeThenOut(base + 0x20), ...storeThenOut(base + 0x30),
      ...storeThenOut(base + 3 * PAGE)]);
    storeNext(vcpu, 1);
    expect(vm.dirtyPages(1, vm.getDirtyLog(1))).toEqual([base]);
    storeNext(vcpu, 2); // the fetch dropped the vCPU's writable entry: this store is seen
    expect(vm.dirtyPages(1, vm.getDirtyLog(1))).toEqual([base]);
    expect(vm.dirtyPages(1, vm.getDirtyLog(1))).toEqual([]);
    const hpa = vm.hostAddress(base);
    vm.writeProtect(base, PAGE);
    storeNext(vcpu, 3);
    expect(vm.hostAddress(base)).toBe(hpa); // sole owner: W comes back, no copy
    expect(vm.stats().cowCopies).toBe(0);
    expect(vm.dirtyPages(1, vm.getDirtyLog(1))).toEqual([base]);
    storeNext(vcpu, 4);
    expect(vm.dirtyPages(1, vm.getDirtyLog(1))).toEqual([base + 3 * PAGE]);
    expect([0x10, 0x20, 0x30].map((o) => vm.memory.readU32(base + o))).toEqual([1, 2, 3]);
  });
});
