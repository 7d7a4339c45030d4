// The pc machine with a scripted vCPU: firmware and boot state, exit dispatch, HLT sleeps, every end state.
import { describe, expect, it } from 'vitest';
import { createPcMachine } from '../../../src/vmm/machine/pc.js';
import type { MachineVcpu, MachineVm, VcpuExit } from '../../../src/vmm/machine/hypervisor.js';
import { FlatGuestRam } from '../../../src/vmm/loader/guest-memory.js';
import { BufferCharBackend } from '../../../src/vmm/chardev/backend.js';
import { KernelLoadError } from '../../../src/vmm/loader/errors.js';
import { MiB } from '../../../src/vmm/machine/layout.js';
import { buildMultibootTestKernel } from '../../fixtures/multiboot/kernel.js';

type Step = { exit: VcpuExit; expectCompletion?: (v: number | bigint) => void };

/** A scripted vCPU: each run() returns the next exit; IN/MMIO reads must be completed before the next run(). */
class ScriptedVcpu implements MachineVcpu {
  regs: Record<string, bigint> = {};
  sregs: Record<string, unknown> = {};
  completions: (number | bigint)[] = [];
  waits: number[] = [];
  private i = 0;
  private awaiting = false;
  constructor(private readonly steps: Step[]) {}
  run(): VcpuExit {
    if (this.awaiting) throw new Error('read exit was not completed before run()');
    const s = this.steps[this.i++];
    if (!s) throw new Error('script exhausted');
    this.awaiting = (s.exit.reason === 'io' && s.exit.direction === 'in') || (s.exit.reason === 'mmio' && !s.exit.isWrite);
    return s.exit;
  }
  completeIo(v: number): void { this.complete(v); }
  completeMmio(v: bigint | number): void { this.complete(v); }
  stats(): Record<string, number> { return {}; }
  private complete(v: number | bigint) {
    this.awaiting = false;
    this.completions.push(v);
    this.steps[this.i - 1]!.expectCompletion?.(v);
  }
  waitForEvent(ms: number): boolean { this.waits.push(ms); return false; }
  setRegs(r: object): void { Object.assign(this.regs, r); }
  setSregs(s: object): void { Object.assign(this.sregs, s); }
}

class FakeVm implements MachineVm {
  memory = new FlatGuestRam(64 * MiB);
  slots: object[] = [];
  irqs: string[] = [];
  vcpus: ScriptedVcpu[] = [];
  constructor(private readonly steps: Step[]) {}
  setUserMemoryRegion(r: object): void { this.slots.push(r); }
  irqLine(gsi: number, level: boolean): void { this.irqs.push(`${gsi}=${level ? 1 : 0}`); }
  signalMsi(): number { return 1; }
  createVcpu(): MachineVcpu { const v = new ScriptedVcpu(this.steps); this.vcpus.push(v); return v; }
}

const io = (direction: 'in' | 'out', port: number, size: number, data = 0): VcpuExit => ({ reason: 'io', direction, port, size, count: 1, data });

function config(kernel = buildMultibootTestKernel({ exitCode: 0x2a })) {
  const com1 = new BufferCharBackend();
  return { com1, cfg: { memory: 64 * MiB, vcpus: 1, kernel, cmdline: 'hi', serial: [com1] } };
}

describe('pc machine', () => {
  it('sets up RAM, firmware tables and the boot vCPU state from the kernel', async () => {
    const vm = new FakeVm([]);
    const { cfg } = config();
    const m = await createPcMachine(vm, cfg);
    expect(vm.slots).toEqual([{ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB, kind: 'ram' }]);
    const text = (a: number, n: number) => new TextDecoder().decode(vm.memory.bytes.subarray(a, a + n));
    expect(text(0xe0000, 8)).toBe('RSD PTR ');
    expect(text(0xf0000, 4)).toBe('_MP_');
    const bda = new DataView(vm.memory.bytes.buffer, 0x400);
    expect(bda.getUint16(0, true)).toBe(0x3f8);
    expect(bda.getUint16(0x0e, true)).toBe(0x9fc0);
    expect(bda.getUint16(0x13, true)).toBe(639);
    expect(m.boot.format).toBe('multiboot');
    const v = vm.vcpus[0]!;
    expect(v.regs.rip).toBe(0x100080n);
    expect(v.regs.rax).toBe(0x2badb002n);
    expect((v.sregs.cs as { attr: number; selector: number }).attr).toBe(0xc09b); // VMX access rights: G, D/B, P, S, type B
    expect((v.sregs.cs as { selector: number }).selector).toBe(0x10);
    expect(v.sregs.cr0).toBe(0x11n);
    // the PCI host bridge answers on 0xCF8/0xCFC
    m.devices.ports.write(0xcf8, 4, 0x80000800);
    expect(m.devices.ports.read(0xcfc, 4)).toBe(0x70008086);
  });

  it('dispatches IO exits to the devices and ends on isa-debug-exit with the guest code', async () => {
    const steps: Step[] = [
      { exit: io('in', 0x3fd, 1), expectCompletion: (v) => expect(Number(v) & 0x20).toBe(0x20) },
      { exit: io('out', 0x3f8, 1, 0x6f) },
      { exit: io('out', 0x3f8, 1, 0x6b) },
      { exit: io('in', 0x1234, 2), expectCompletion: (v) => expect(v).toBe(0xffff) },
      { exit: { reason: 'mmio', address: 0xd0000000, length: 8, isWrite: false, data: 0n }, expectCompletion: (v) => expect(v).toBe(0xffffffffffffffffn) },
      { exit: io('out', 0xf4, 1, 0x2a) },
    ];
    const vm = new FakeVm(steps);
    const { cfg, com1 } = config();
    const m = await createPcMachine(vm, cfg);
    expect(m.run()).toEqual({ kind: 'debug-exit', value: 0x2a, status: 0x55 });
    expect(com1.text()).toBe('ok');
    expect(m.exits).toBe(6);
  });

  it('turns ACPI S5, triple faults, internal errors and a dead halt into distinct end states', async () => {
    const cases: [VcpuExit[], object][] = [
      [[io('out', 0x604, 2, (0 << 10) | (1 << 13))], { kind: 'poweroff' }],
      [[io('out', 0x64, 1, 0xfe)], { kind: 'reset', source: 'i8042' }],
      [[io('out', 0xcf9, 1, 0x06)], { kind: 'reset', source: 'cf9' }],
      [[{ reason: 'shutdown' }], { kind: 'reset', source: 'triple-fault' }],
      [[{ reason: 'internal-error', suberror: 1, explanation: 'unimplemented instruction at RIP 0x1000', rip: 0x1000, bytes: new Uint8Array(16) }], { kind: 'crash', reason: 'unimplemented instruction at RIP 0x1000' }],
      [[{ reason: 'hlt', interruptsEnabled: false, waitNs: null, deadlineNs: null }], { kind: 'halted' }],
      [[{ reason: 'hlt', interruptsEnabled: false, waitNs: 1_000_000, deadlineNs: 0 }], { kind: 'halted' }], // a timer cannot wake IF=0
    ];
    for (const [exits, want] of cases) {
      const vm = new FakeVm(exits.map((exit) => ({ exit })));
      const m = await createPcMachine(vm, config().cfg);
      expect(m.run()).toEqual(want);
    }
  });

  it('sleeps on HLT until the core timer deadline and returns after a slice', async () => {
    const vm = new FakeVm([
      { exit: { reason: 'hlt', interruptsEnabled: true, waitNs: 4_000_000, deadlineNs: 0 } },
      { exit: { reason: 'hlt', interruptsEnabled: true, waitNs: null, deadlineNs: null } },
      { exit: io('out', 0xf4, 1, 0) },
    ]);
    const m = await createPcMachine(vm, config().cfg);
    expect(m.run({ maxSleepMs: 50 })).toEqual({ kind: 'debug-exit', value: 0, status: 1 });
    expect(vm.vcpus[0]!.waits).toEqual([4, 50]);
    let t = 0;
    const vm2 = new FakeVm([{ exit: { reason: 'intr' } }, { exit: { reason: 'intr' } }]);
    const m2 = await createPcMachine(vm2, { ...config().cfg, monotonic: () => (t += 10) });
    expect(m2.run({ sliceMs: 15 })).toBeUndefined();
  });

  it('ends with a crash naming the access when a device model throws', async () => {
    const vm = new FakeVm([{ exit: io('out', 0x510, 1, 1) }]);
    const m = await createPcMachine(vm, config().cfg);
    m.devices.ports.register('broken', 0x510, 1, { read: () => 0, write: () => { throw new Error('boom'); } });
    expect(m.run()).toEqual({ kind: 'crash', reason: 'VMM error handling OUT to port 0x510: boom' });
  });

  it('refuses a bad kernel before creating the vCPU', async () => {
    const vm = new FakeVm([]);
    const bad = buildMultibootTestKernel();
    bad[0x68] ^= 0xff;
    await expect(createPcMachine(vm, config(bad).cfg)).rejects.toBeInstanceOf(KernelLoadError);
    expect(vm.vcpus.length).toBe(0);
  });

  it('drives COM1 interrupts on GSI 4', async () => {
    const vm = new FakeVm([
      { exit: io('out', 0x3fc, 1, 0x08) }, // MCR.OUT2
      { exit: io('out', 0x3f9, 1, 0x02) }, // IER.THRI
      { exit: io('out', 0xf4, 1, 1) },
    ]);
    const m = await createPcMachine(vm, config().cfg);
    m.run();
    expect(vm.irqs).toContain('4=1');
  });
});
