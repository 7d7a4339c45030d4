// hv/vcpu_api.ts — wasm exports for vCPUs and the irqchip: KVM_CREATE_VCPU, KVM_RUN, kicks,
// KVM_IRQ_LINE, KVM_SIGNAL_MSI, the clock, and the kvm_run / exit-counter offsets.
// Also direct entry points into the in-kernel devices (pio_*/mmio_*, vcpu_irq_*), the way the
// CPU reaches them, so the irqchip can be driven and tested without guest code.

import { vcpuDestroy, vcpuKick, vcpuAt, VCPU_REQ_KICK, VCPU_OFF_CPU, VCPU_OFF_STATS } from './vcpu';
import { vcpuCreateWithCpu, vcpuRun, vcpuNextDeadline, vcpuServiceTimers } from './run';
import { vmClockSet, vcpuNowNs, vcpuWarpTo, vcpuTscRead, NO_DEADLINE } from './clock';
import {
  irqLine, signalMsi, vcpuIrqPending, vcpuIrqAcknowledge, vcpuNmiPending, vcpuNmiAcknowledge,
} from './irq';
import { pioRead, pioWrite, mmioRead, mmioWrite } from './iodev';

export {
  VCPU_MAGIC, VCPU_OFF_MAGIC, VCPU_OFF_VM, VCPU_OFF_CPU, VCPU_OFF_REQUEST_PTR, VCPU_OFF_INDEX,
  VCPU_OFF_REQUESTS, VCPU_OFF_ICOUNT_PTR, VCPU_OFF_CPU_FRAMES, VCPU_OFF_WARP_NS,
  VCPU_OFF_TSC_OFFSET, VCPU_OFF_MP_STATE, VCPU_OFF_DOORBELL, VCPU_OFF_NMI_PENDING,
  VCPU_OFF_SIPI_VECTOR, VCPU_OFF_APIC_BASE, VCPU_OFF_PENDING_COMPLETION,
  VCPU_OFF_ICOUNT_AT_ENTRY, VCPU_OFF_TSC_ADJUST, RUN_OFF_EXIT_REASON, RUN_OFF_READY_FOR_INTERRUPT,
  RUN_OFF_IO_DIRECTION, RUN_OFF_IO_SIZE, RUN_OFF_IO_PORT, RUN_OFF_IO_COUNT, RUN_OFF_IO_DATA,
  RUN_OFF_MMIO_ADDR, RUN_OFF_MMIO_DATA, RUN_OFF_MMIO_LEN, RUN_OFF_MMIO_IS_WRITE,
  RUN_OFF_SUBERROR, RUN_OFF_INFO, RUN_OFF_RIP, RUN_OFF_INSN_BYTES, RUN_OFF_INSN_LEN,
  RUN_OFF_HLT_WAIT_NS, RUN_OFF_HLT_DEADLINE_NS, RUN_OFF_INSTRUCTIONS, RUN_OFF_OOM_GPA, RUN_SIZE,
  VCPU_OFF_STATS, STAT_COUNT, STAT_IO_IN_KERNEL, STAT_MMIO_IN_KERNEL, STAT_IRQ_INJECTIONS,
  STAT_HALT_WAKEUPS, STAT_TLB_FLUSH_REQUESTS, STAT_RUNS, VCPU_OFF_LAPIC, VCPU_STRUCT_FRAMES,
  EXIT_UNKNOWN, EXIT_EXCEPTION, EXIT_IO, EXIT_DEBUG, EXIT_HLT, EXIT_MMIO, EXIT_SHUTDOWN,
  EXIT_INTR, EXIT_INTERNAL_ERROR, INTERNAL_ERROR_EMULATION, INTERNAL_ERROR_HOST_OOM,
  INTERNAL_ERROR_NO_CPU, MP_STATE_RUNNABLE, MP_STATE_UNINITIALIZED, MP_STATE_INIT_RECEIVED,
  MP_STATE_HALTED, MP_STATE_SIPI_RECEIVED, VCPU_REQ_TLB_FLUSH, VCPU_REQ_EVENT, VCPU_REQ_KICK
} from './vcpu';
export { CLOCK_REALTIME, CLOCK_DETERMINISTIC, DEFAULT_TSC_HZ } from './clock';
export { REALTIME_SLICE } from './run';

/** KVM_CREATE_VCPU: the vCPU struct, its CPU state block (power-on reset) and LAPIC; 0 on failure. */
export function vcpu_create(vm: usize, index: u32): usize { return vcpuCreateWithCpu(vm, index); }
export function vcpu_destroy(vcpu: usize): void { vcpuDestroy(vcpu); }
export function vcpu_at(vm: usize, index: u32): usize { return vcpuAt(vm, index); }
/** The CPU state block (registers at the CPU_OFF_* offsets). */
export function vcpu_cpu(vcpu: usize): usize { return <usize>load<u32>(vcpu, VCPU_OFF_CPU); }
/** Makes run() return (EXIT_INTR) at the next instruction boundary and wakes a sleeping worker. */
export function vcpu_kick(vcpu: usize): void { vcpuKick(vcpu, VCPU_REQ_KICK); }
export function vcpu_stat(vcpu: usize, index: u32): f64 {
  return <f64>load<u64>(vcpu + VCPU_OFF_STATS + (<usize>index << 3));
}

/** KVM_RUN: returns the exit reason (EXIT_*); details at the RUN_OFF_* offsets of the vCPU. */
export function run(vcpu: usize, budget: f64): u32 {
  return vcpuRun(vcpu, budget <= 0 ? 0 : budget >= 1.8e19 ? 0xffff_ffff_ffff_ffff : <u64>budget);
}

// ---- clock ----

/** Chooses the VM's clock: CLOCK_REALTIME or CLOCK_DETERMINISTIC (1 << shift ns per instruction). */
export function vm_clock_set(vm: usize, mode: u32, tscHz: f64, icountShift: u32): void {
  vmClockSet(vm, mode, <u64>tscHz, icountShift);
}
export function vcpu_now_ns(vcpu: usize): f64 { return <f64>vcpuNowNs(vcpu); }
/** Moves this vCPU's deterministic clock forward to `ns` (what a halted guest does). */
export function vcpu_warp_to(vcpu: usize, ns: f64): void { vcpuWarpTo(vcpu, <u64>ns); }
export function vcpu_tsc(vcpu: usize): f64 { return <f64>vcpuTscRead(vcpu); }
/** Next timer deadline (VM ns), or -1 when none is armed. */
export function vcpu_next_deadline(vcpu: usize): f64 {
  const d = vcpuNextDeadline(vcpu);
  return d == NO_DEADLINE ? -1 : <f64>d;
}
export function vcpu_service_timers(vcpu: usize): void { vcpuServiceTimers(vcpu, vcpuNowNs(vcpu)); }

// ---- interrupts ----

/** KVM_IRQ_LINE. 0, or -22 for a GSI beyond the IOAPIC's 24 pins. */
export function irq_line(vm: usize, gsi: u32, level: u32): i32 { return irqLine(vm, gsi, level != 0); }
/** KVM_SIGNAL_MSI: number of LAPICs that accepted it, or -22 for an address outside 0xFEExxxxx. */
export function signal_msi(vm: usize, address: f64, data: u32): i32 { return signalMsi(vm, <u64>address, data); }
export function vcpu_irq_pending(vcpu: usize): i32 { return vcpuIrqPending(vcpu); }
export function vcpu_irq_acknowledge(vcpu: usize, vector: i32): void { vcpuIrqAcknowledge(vcpu, vector); }
export function vcpu_nmi_pending(vcpu: usize): i32 { return vcpuNmiPending(vcpu) ? 1 : 0; }
export function vcpu_nmi_acknowledge(vcpu: usize): void { vcpuNmiAcknowledge(vcpu); }

// ---- in-kernel devices, as the CPU's exits reach them ----

export function pio_read(vcpu: usize, port: u32, size: u32): u32 { return pioRead(vcpu, port, size); }
export function pio_write(vcpu: usize, port: u32, size: u32, value: u32): void { pioWrite(vcpu, port, size, value); }
export function mmio_read(vcpu: usize, gpa: f64, size: u32): f64 { return <f64>mmioRead(vcpu, <u64>gpa, size); }
export function mmio_write(vcpu: usize, gpa: f64, size: u32, value: f64): void { mmioWrite(vcpu, <u64>gpa, size, <u64>value); }
