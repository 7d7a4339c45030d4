// The pc machine on the real core (build/core.wasm through src/vmm/kvm): memory slots, firmware
// tables and the kernel written through the EPT, the boot state set with KVM_SET_REGS/SREGS, and
// the project's Multiboot test kernel run to its isa-debug-exit.
import { describe, expect, it } from 'vitest';
import { compileCore } from '../../../src/cli/core-file.js';
import { Kvm } from '../../../src/vmm/kvm/index.js';
import { createPcMachine } from '../../../src/vmm/machine/pc.js';
import { BufferCharBackend } from '../../../src/vmm/chardev/backend.js';
import { MiB } from '../../../src/vmm/machine/layout.js';
import { buildMultibootTestKernel } from '../../fixtures/multiboot/kernel.js';

async function machine() {
  const kvm = await Kvm.create(await compileCore(), 96);
  const vm = kvm.createVm();
  const com1 = new BufferCharBackend();
  const m = await createPcMachine(vm, { memory: 32 * MiB, vcpus: 1, kernel: buildMultibootTestKernel({ exitCode: 0x2a }), cmdline: 'from-the-vmm', serial: [com1] });
  return { kvm, vm, m, com1 };
}

describe('pc machine on the core', () => {
  it('writes firmware and kernel through the EPT and sets the boot registers', async () => {
    const { vm, m } = await machine();
    const text = (a: number, n: number) => new TextDecoder().decode(vm.memory.read(a, n));
    expect(text(0xe0000, 8)).toBe('RSD PTR ');
    expect(text(0xf0000, 4)).toBe('_MP_');
    expect([...vm.memory.read(0x100080, 1)]).toEqual([0xbc]);
    const v = m.vcpu as unknown as { getRegs(): { rip: bigint; rax: bigint }; getSregs(): { cs: { selector: number }; cr0: bigint } };
    expect(v.getRegs().rip).toBe(0x100080n);
    expect(v.getRegs().rax).toBe(0x2badb002n);
    expect(v.getSregs().cs.selector).toBe(0x10);
    expect(v.getSregs().cr0 & 1n).toBe(1n);
  });

  it('boots the Multiboot test kernel: it prints on COM1 and exits through 0xf4 with its code', async () => {
    const { m, com1 } = await machine();
    const end = m.run({ sliceMs: 20_000, budget: 1_000_000 });
    expect(com1.text()).toBe('wasmvirt multiboot: ok, cmdline: from-the-vmm\n');
    expect(end).toEqual({ kind: 'debug-exit', value: 0x2a, status: 0x55 });
  });
});
