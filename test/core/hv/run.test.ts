// run.test.ts — KVM_RUN with real guest code (real mode from the reset vector): MMIO exits and
// read completion, in-kernel LAPIC MMIO, HLT exits with and without timers, budget exits, exit
// counters, deterministic timer placement, and the OOM stop of a running vCPU.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MiB, makeKvm } from './helpers.js';
import { coreConst, type Kvm, type Vcpu, type Vm } from '../../../src/vmm/kvm/index.js';

const ROM_BASE = 0xffff0000;

/** A VM whose 64 KiB reset ROM holds `code` at the reset vector (0xFFFFFFF0) and NOPs elsewhere. */
async function machine(code: number[], opts: { deterministic?: boolean; ramMiB?: number } = {}): Promise<{ kvm: Kvm; vm: Vm; vcpu: Vcpu }> {
  const kvm = await makeKvm(16);
  const vm = kvm.createVm();
  if (opts.deterministic) vm.setClock({ mode: 'deterministic' });
  vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: (opts.ramMiB ?? 1) * MiB });
  vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: ROM_BASE, memorySize: 0x10000, kind: 'rom' });
  const rom = new Uint8Array(0x10000).fill(0x90);
  rom.set(code, 0xfff0);
  vm.memory.writeRom(ROM_BASE, rom);
  return { kvm, vm, vcpu: vm.createVcpu(0) };
}

describe('KVM_RUN', () => {
  it('exits HLT with interrupts disabled and no wake-up time', async () => {
    const { vcpu } = await machine([0xb8, 0x34, 0x12, 0xf4]); // mov ax, 0x1234; hlt
    const exit = vcpu.run(1000);
    expect(exit).toEqual({ reason: 'hlt', interruptsEnabled: false, waitNs: null, deadlineNs: null });
    expect(vcpu.getRegs().rax & 0xffffn).toBe(0x1234n);
    expect(vcpu.lastRunInstructions()).toBe(2);
    expect(vcpu.run(1000).reason).toBe('hlt'); // still halted: nothing can wake it
    expect(vcpu.stats().exits_hlt).toBe(2);
  });

  it('exits with the budget spent (intr) and counts instructions', async () => {
    const { vcpu } = await machine([]);
    expect(vcpu.run(5000)).toEqual({ reason: 'intr' });
    expect(vcpu.lastRunInstructions()).toBe(5000);
    vcpu.kick();
    expect(vcpu.run(5000)).toEqual({ reason: 'intr' });
    expect(vcpu.lastRunInstructions()).toBe(0);
    expect(vcpu.stats().exits_intr).toBe(2);
  });

  it('MMIO writes and reads exit with address, size and data; reads complete on re-entry', async () => {
    const { vcpu } = await machine([0xb0, 0x77, 0xa2, 0x00, 0x30, 0xa0, 0x08, 0x30, 0xf4], { ramMiB: 0 + 1 });
    // mov al, 0x77; mov [0x3000], al; mov al, [0x3008]; hlt — with DS based at 16 MiB (a hole)
    const s = vcpu.getSregs();
    vcpu.setSregs({ ds: { ...s.ds, base: 0x1000000n, selector: 0x1000 } });
    let exit = vcpu.run(100);
    expect(exit).toEqual({ reason: 'mmio', address: 0x1003000, length: 1, isWrite: true, data: 0x77n });
    exit = vcpu.run(100);
    expect(exit).toMatchObject({ reason: 'mmio', address: 0x1003008, length: 1, isWrite: false });
    vcpu.completeMmio(0x5a);
    expect(vcpu.run(100).reason).toBe('hlt');
    expect(vcpu.getRegs().rax & 0xffn).toBe(0x5an);
    expect(vcpu.stats().exits_mmio).toBe(2);
  });

  it('services local APIC MMIO inside the core, without an exit', async () => {
    const { vcpu } = await machine([0x66, 0xa1, 0x30, 0x00, 0xf4]); // mov eax, [0x30]; hlt
    const s = vcpu.getSregs();
    vcpu.setSregs({ ds: { ...s.ds, base: 0xfee00000n } });
    expect(vcpu.run(100).reason).toBe('hlt');
    expect(Number(vcpu.getRegs().rax & 0xffffffffn)).toBe(0x50014);
    expect(vcpu.stats().mmio_in_kernel).toBe(1);
    expect(vcpu.stats().exits_mmio).toBe(0);
  });

  it('HLT with IF=1 returns the next timer deadline so the VMM can sleep (realtime clock)', async () => {
    const { vm, vcpu, kvm } = await machine([0xf4]);
    vcpu.setRegs({ rflags: 0x202n });
    const c = kvm.core;
    c.mmio_write(vcpu.pointer, 0xfee000f0, 4, 0x1ff);
    c.mmio_write(vcpu.pointer, 0xfee003e0, 4, 0xb);
    c.mmio_write(vcpu.pointer, 0xfee00320, 4, 0x40);
    c.mmio_write(vcpu.pointer, 0xfee00380, 4, 50_000_000); // 50 ms one-shot
    const exit = vcpu.run(100);
    expect(exit.reason).toBe('hlt');
    if (exit.reason !== 'hlt') return;
    expect(exit.interruptsEnabled).toBe(true);
    expect(exit.waitNs).toBeGreaterThan(0);
    expect(exit.waitNs).toBeLessThanOrEqual(50_000_000);
    // an interrupt from the VMM wakes the halted vCPU
    vm.irqLine(4, true); // PIC uninitialized: IMR 0, delivered via LINT0 ExtINT
    expect(vcpu.run(3).reason).toBe('intr');
    expect(vcpu.stats().halt_wakeups).toBe(1);
  });

  it('deterministic clock: timer interrupts land at the same instruction counts on every run', async () => {
    const fired = async () => {
      const { vcpu, kvm } = await machine([], { deterministic: true });
      const c = kvm.core;
      c.mmio_write(vcpu.pointer, 0xfee000f0, 4, 0x1ff);
      c.mmio_write(vcpu.pointer, 0xfee003e0, 4, 0xb);
      c.mmio_write(vcpu.pointer, 0xfee00320, 4, 0x20000 | 0x40);
      c.mmio_write(vcpu.pointer, 0xfee00380, 4, 1000); // every 1000 ns = 1000 instructions
      const irr: number[] = [];
      for (let i = 0; i < 20; i++) {
        vcpu.run(250);
        irr.push(c.vcpu_irq_pending(vcpu.pointer));
        if (irr[irr.length - 1] >= 0) { c.vcpu_irq_acknowledge(vcpu.pointer, 0x40); c.mmio_write(vcpu.pointer, 0xfee000b0, 4, 0); }
      }
      return { irr, ns: c.vcpu_now_ns(vcpu.pointer), tsc: c.vcpu_tsc(vcpu.pointer) };
    };
    const a = await fired();
    const b = await fired();
    expect(a).toEqual(b);
    expect(a.ns).toBe(5000);
    expect(a.tsc).toBe(10_000);
    expect(a.irr.filter((v) => v === 0x40).length).toBe(5); // 5000 instructions, one per 1000
    expect(a.irr.slice(0, 4)).toEqual([-1, -1, -1, 0x40]);
  });

  it('deterministic clock: a halted guest warps to its timer deadline instead of exiting', async () => {
    const { vcpu, vm, kvm } = await machine([0xf4, 0xf4, 0xf4], { deterministic: true });
    // real-mode IVT entry 0x40 -> 0000:0500, where the handler is `inc bx; hlt`
    vm.memory.write(0x40 * 4, new Uint8Array([0x00, 0x05, 0x00, 0x00]));
    vm.memory.write(0x500, new Uint8Array([0x43, 0xf4]));
    vcpu.setRegs({ rflags: 0x202n });
    const c = kvm.core;
    c.mmio_write(vcpu.pointer, 0xfee000f0, 4, 0x1ff);
    c.mmio_write(vcpu.pointer, 0xfee003e0, 4, 0xb);
    c.mmio_write(vcpu.pointer, 0xfee00320, 4, 0x40);
    c.mmio_write(vcpu.pointer, 0xfee00380, 4, 1_000_000);
    // hlt at t=0 warps the clock to the 1 ms deadline; the timer fires, the halt ends and the CPU
    // takes vector 0x40: inc bx, then the handler's hlt has no deadline left and exits
    const exit = vcpu.run(10);
    expect(exit).toMatchObject({ reason: 'hlt', interruptsEnabled: false, deadlineNs: null });
    expect(c.vcpu_now_ns(vcpu.pointer)).toBe(1_000_000 + 2); // the warp, then inc and hlt retire 1 ns each
    expect(vcpu.getRegs().rbx & 0xffffn).toBe(1n);
    expect(vcpu.stats().halt_wakeups).toBe(1);
  });

  it('a vCPU whose VM exhausts the pool stops with "host out of memory"', async () => {
    const kvm = await makeKvm(8);
    const hog = kvm.createVm();
    hog.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    for (let p = 0; ; p += 4096) { try { hog.memory.writeU8(p, 1); } catch { break; } }
    hog.destroy(); // give the memory back, but keep the pool nearly full with a second hog
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: ROM_BASE, memorySize: 0x10000, kind: 'rom' });
    vm.memory.writeRom(0xfffffff0, Uint8Array.of(0xe6, 0x80, 0xa2, 0x00, 0x30, 0xf4)); // out 0x80, al; mov [0x3000], al
    const vcpu = vm.createVcpu(0);
    expect(vcpu.run(100).reason).toBe('io'); // running once: the vCPU has its decode cache
    const other = kvm.createVm();
    other.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    for (let p = 0; ; p += 4096) { try { other.memory.writeU8(p, 1); } catch { break; } }
    const exit = vcpu.run(100);
    expect(exit.reason).toBe('internal-error');
    if (exit.reason === 'internal-error') expect(exit.explanation).toMatch(/host out of memory.*guest-physical 0x3000/);
    expect(vm.stats().state).toBe('oom');
    expect(vcpu.run(100).reason).toBe('internal-error');
  });

  it('takes its decoded-block cache from the pool at its first run and gives it back with the VM', async () => {
    const kvm = await makeKvm(16);
    const cacheFrames = coreConst(kvm.core, 'BLK_CACHE_BYTES') / 4096;
    const baseline = kvm.poolStats().usedFrames;
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: ROM_BASE, memorySize: 0x10000, kind: 'rom' });
    vm.memory.writeRom(0xfffffff0, Uint8Array.of(0xf4));
    const vcpu = vm.createVcpu(0);
    vm.createVcpu(1); // an AP that never runs never takes one
    const created = kvm.poolStats().usedFrames;
    expect(vcpu.run(10).reason).toBe('hlt');
    expect(kvm.poolStats().usedFrames - created).toBe(cacheFrames);
    vcpu.run(10);
    expect(kvm.poolStats().usedFrames - created).toBe(cacheFrames); // once
    vm.destroy();
    expect(kvm.poolStats().usedFrames).toBe(baseline);
  });

  it('a vCPU that cannot get its decode cache stops its VM with "host out of memory"', async () => {
    const kvm = await makeKvm(8);
    const vm = kvm.createVm();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    const vcpu = vm.createVcpu(0);
    const hog = kvm.createVm(); // leaves the pool no run of frames as long as a decode cache
    hog.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    for (let p = 0; kvm.poolStats().freeFrames > 100; p += 4096) hog.memory.writeU8(p, 1);
    expect(vm.stats().state).toBe('running');
    const exit = vcpu.run(100);
    expect(exit.reason).toBe('internal-error');
    if (exit.reason === 'internal-error') expect(exit.explanation).toMatch(/host out of memory.*decoded-instruction cache/);
    expect(vm.stats().state).toBe('oom');
  });

  it('a halted vCPU sleeps on its doorbell until the deadline, or until a kick from another thread', async () => {
    const { vcpu, kvm } = await machine([0xf4, 0xf4]);
    vcpu.setRegs({ rflags: 0x202n });
    const c = kvm.core;
    c.mmio_write(vcpu.pointer, 0xfee000f0, 4, 0x1ff);
    c.mmio_write(vcpu.pointer, 0xfee003e0, 4, 0xb);
    c.mmio_write(vcpu.pointer, 0xfee00320, 4, 0x40);
    c.mmio_write(vcpu.pointer, 0xfee00380, 4, 20_000_000); // 20 ms
    const exit = vcpu.run(100);
    if (exit.reason !== 'hlt' || exit.waitNs === null) throw new Error(`expected a timed hlt, got ${JSON.stringify(exit)}`);
    expect(vcpu.waitForEvent(exit.waitNs / 1e6 + 5)).toBe(false); // nobody rang: the deadline passed
    expect(vcpu.run(1).reason).toBe('intr'); // the timer fired on entry and woke the vCPU
    expect(vcpu.stats().halt_wakeups).toBeGreaterThanOrEqual(1);
  });

  it('a vCPU halted with no timer sleeps until another thread kicks it', async () => {
    const { vcpu, kvm } = await machine([0xf4]);
    vcpu.setRegs({ rflags: 0x202n });
    expect(vcpu.run(100)).toMatchObject({ reason: 'hlt', interruptsEnabled: true, waitNs: null });
    const w = new Worker(`
      const { workerData } = require('node:worker_threads');
      const c = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory, abort() {}, hostMonotonicNs: () => 0 } }).exports;
      setTimeout(() => c.vcpu_kick(workerData.vcpu), 50);
    `, { eval: true, workerData: { module: kvm.module, memory: kvm.memory, vcpu: vcpu.pointer } });
    const t0 = Date.now();
    expect(vcpu.waitForEvent(10_000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(9_000);
    await w.terminate();
    expect(vcpu.run(100)).toEqual({ reason: 'intr' }); // the kick makes run() return at once
  });
});
