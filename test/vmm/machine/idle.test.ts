// idle.test.ts — an idle guest does not spin the host: a guest that halts between timer interrupts
// costs one run() and one HLT exit per interrupt, and the pc machine's loop sleeps (Atomics.wait)
// in between instead of polling. The guest is a Multiboot kernel written here as machine code: it
// programs the local APIC timer (periodic, vector 0x40, divide by 1) and loops on STI; HLT; its
// handler counts interrupts in memory and writes EOI. Runs on the realtime clock, so the counts
// are bounded, not exact: a spinning loop would make thousands of HLT exits per second instead of
// one per timer period.
import { describe, expect, it } from 'vitest';
import { compileCore } from '../../../src/cli/core-file.js';
import { Kvm, type Vcpu } from '../../../src/vmm/kvm/index.js';
import { createPcMachine, type PcMachine } from '../../../src/vmm/machine/pc.js';
import { BufferCharBackend } from '../../../src/vmm/chardev/backend.js';
import { MiB } from '../../../src/vmm/machine/layout.js';

const LOAD = 0x100000;
const IDT = LOAD + 0x800;
const IDTR = LOAD + 0x1000;
const COUNTER = LOAD + 0x1010;
const STACK_TOP = LOAD + 0x2000;
const VECTOR = 0x40;
const APIC = 0xfee00000;

const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const movMemImm = (addr: number, v: number) => [0xc7, 0x05, ...u32(addr), ...u32(v)]; // mov dword [addr], imm32

/** Multiboot (a.out kludge) kernel: LAPIC timer every `periodNs` (1 count = 1 ns at divide 1), STI; HLT loop. */
function idleKernel(periodNs: number): Uint8Array {
  const image = new Uint8Array(IDTR + 16 - LOAD);
  const handler = LOAD + 0x100;
  const code = [
    0xbc, ...u32(STACK_TOP),                // mov esp, STACK_TOP
    0x0f, 0x01, 0x1d, ...u32(IDTR),         // lidt [IDTR]
    ...movMemImm(APIC + 0xf0, 0x1ff),       // spurious vector register: APIC software-enabled
    ...movMemImm(APIC + 0x3e0, 0xb),        // divide configuration: by 1
    ...movMemImm(APIC + 0x320, 0x20000 | VECTOR), // LVT timer: periodic
    ...movMemImm(APIC + 0x380, periodNs),   // initial count: starts the timer
    0xfb, 0xf4, 0xeb, 0xfc,                 // idle: sti; hlt; jmp idle
  ];
  const isr = [0xff, 0x05, ...u32(COUNTER), ...movMemImm(APIC + 0xb0, 0), 0xcf]; // inc [COUNTER]; EOI; iretd
  const header = [0x1badb002, 0x00010000, 0, LOAD, LOAD, LOAD + image.length, STACK_TOP, LOAD + 32];
  header[2] = (-(header[0]! + header[1]!)) >>> 0;
  header.forEach((v, i) => image.set(u32(v), i * 4));
  image.set(code, 32);
  image.set(isr, handler - LOAD);
  image.set([handler & 0xff, (handler >>> 8) & 0xff, 0x10, 0x00, 0x00, 0x8e, (handler >>> 16) & 0xff, handler >>> 24], IDT - LOAD + VECTOR * 8);
  image.set([0xff, 0x07, ...u32(IDT)], IDTR - LOAD); // limit 0x7ff, base IDT
  return image;
}

const vcpuOf = (m: PcMachine) => m.vcpu as unknown as Vcpu;

describe('an idle guest', () => {
  it('costs one run() and one HLT exit per timer interrupt: the loop sleeps until the deadline', async () => {
    const kvm = await Kvm.create(await compileCore(), 64);
    const vm = kvm.createVm();
    const m = await createPcMachine(vm, { memory: 16 * MiB, vcpus: 1, kernel: idleKernel(10_000_000), cmdline: '', serial: [new BufferCharBackend()] });
    m.run({ sliceMs: 100 }); // start-up: the guest programs its timer and halts
    const s0 = vcpuOf(m).stats();
    const ticks0 = vm.memory.readU32(COUNTER);
    const t0 = performance.now();
    const end = m.run({ sliceMs: 1000, maxSleepMs: 250 });
    const seconds = (performance.now() - t0) / 1000;
    const s1 = vcpuOf(m).stats();
    expect(end).toBeUndefined();
    const ticks = vm.memory.readU32(COUNTER) - ticks0;
    const hlt = s1.exits_hlt - s0.exits_hlt;
    const runs = s1.runs - s0.runs;
    // 100 Hz for ~1 s; a loaded host delivers late, never early (no more than one per period)
    expect(ticks).toBeGreaterThan(20);
    expect(ticks).toBeLessThanOrEqual(Math.ceil(seconds * 100) + 2);
    // one HLT exit (and sleep) per interrupt, not a poll: a spinning loop makes thousands
    expect(hlt).toBeLessThanOrEqual(ticks + 3);
    expect(runs).toBeLessThanOrEqual(2 * ticks + 5);
    expect(s1.halt_wakeups - s0.halt_wakeups).toBeGreaterThanOrEqual(ticks - 1);
  }, 30_000);

  it('with no timer armed, sleeps up to maxSleepMs per HLT exit', async () => {
    const kvm = await Kvm.create(await compileCore(), 64);
    const vm = kvm.createVm();
    const m = await createPcMachine(vm, { memory: 16 * MiB, vcpus: 1, kernel: idleKernel(0), cmdline: '', serial: [new BufferCharBackend()] });
    m.run({ sliceMs: 100 });
    const s0 = vcpuOf(m).stats();
    expect(m.run({ sliceMs: 1000, maxSleepMs: 250 })).toBeUndefined();
    const hlt = vcpuOf(m).stats().exits_hlt - s0.exits_hlt;
    expect(vm.memory.readU32(COUNTER)).toBe(0);
    expect(hlt).toBeGreaterThanOrEqual(1);
    expect(hlt).toBeLessThanOrEqual(6); // ~1000 ms / 250 ms, plus the slice edges
  }, 30_000);
});
