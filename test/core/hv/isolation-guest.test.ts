// isolation-guest.test.ts — isolation proven by guest code: a 32-bit flat protected-mode program
// reads every dword of its RAM and one dword per 64 KiB of the rest of the 4 GiB physical space,
// counting occurrences of a secret that only another VM holds. It finds none; the same program
// in the VM holding the secret finds every copy (the positive control).
import { describe, expect, it } from 'vitest';
import { MiB, makeKvm } from './helpers.js';
import type { Kvm, Vm } from '../../../src/vmm/kvm/index.js';

const SECRET = 0x5ec2e7a1;
const KEY = 0x3c3c3c3c;
const RAM = 8 * MiB;
const CODE_GPA = 0xffff0000;

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

// counts dwords equal to SECRET; compares against SECRET ^ KEY after an XOR so the program's
// own bytes never contain the secret
const PROGRAM = [
  0x31, 0xdb, //                       xor ebx, ebx
  0x31, 0xf6, //                       xor esi, esi
  0x8b, 0x06, //             scan:     mov eax, [esi]
  0x35, ...le32(KEY), //               xor eax, KEY
  0x3d, ...le32(SECRET ^ KEY), //      cmp eax, SECRET ^ KEY
  0x75, 0x01, //                       jne +1
  0x43, //                             inc ebx
  0x83, 0xc6, 0x04, //                 add esi, 4
  0x81, 0xfe, ...le32(RAM), //         cmp esi, RAM
  0x72, 0xe6, //                       jb scan
  0x8b, 0x06, //             probe:    mov eax, [esi]
  0x35, ...le32(KEY), //               xor eax, KEY
  0x3d, ...le32(SECRET ^ KEY), //      cmp eax, SECRET ^ KEY
  0x75, 0x01, //                       jne +1
  0x43, //                             inc ebx
  0x81, 0xc6, ...le32(0x10000), //     add esi, 64 KiB
  0x72, 0x02, //                       jb done (wrapped past 4 GiB)
  0xeb, 0xe7, //                       jmp probe
  0x89, 0x1d, ...le32(0), //   done:   mov [0], ebx
  0xf4, //                             hlt
];

async function scanningVm(kvm: Kvm, fillSecret: boolean): Promise<Vm> {
  const vm = kvm.createVm();
  vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: RAM });
  vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: CODE_GPA, memorySize: 0x10000, kind: 'rom' });
  vm.memory.writeRom(CODE_GPA, Uint8Array.from(PROGRAM));
  if (fillSecret) {
    const words = new Uint32Array(RAM / 4).fill(SECRET);
    vm.memory.write(0, new Uint8Array(words.buffer));
  }
  return vm;
}

/** Runs the scan on vCPU 0 in flat 32-bit protected mode; unclaimed MMIO reads as all-ones. */
function runScan(vm: Vm): number {
  const vcpu = vm.createVcpu(0);
  const flat = (selector: number, attr: number) => ({ selector, attr, limit: 0xffffffff, base: 0n });
  vcpu.setSregs({
    cr0: 0x11n,
    cs: flat(0x08, 0xc09b), ds: flat(0x10, 0xc093), es: flat(0x10, 0xc093), ss: flat(0x10, 0xc093),
  });
  vcpu.setRegs({ rip: BigInt(CODE_GPA), rflags: 0x2n });
  for (let exits = 0; exits < 200_000; exits++) {
    const exit = vcpu.run(50_000_000);
    if (exit.reason === 'hlt') return vm.memory.readU32(0);
    if (exit.reason === 'mmio' && !exit.isWrite) { vcpu.completeMmio(0xffffffff); continue; }
    if (exit.reason === 'intr') continue;
    throw new Error(`unexpected exit ${JSON.stringify(exit, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
  throw new Error('scan did not finish');
}

describe('isolation, seen from guest code', () => {
  it("a guest scanning its physical address space finds none of another VM's secret", async () => {
    const kvm = await makeKvm(64);
    const holder = await scanningVm(kvm, true);
    const prober = await scanningVm(kvm, false);
    expect(runScan(prober)).toBe(0);
    expect(runScan(holder)).toBe(RAM / 4); // the control: the same scan sees every copy at home
  });
});
