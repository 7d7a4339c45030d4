// hv/irq.ts — the in-kernel irqchip's wiring (KVM's irq routing, irq_comm.c): GSI lines to the
// PIC pair and the IOAPIC, interrupt messages (IOAPIC redirection, MSI, IPI) to local APICs, the
// EOI broadcast back to the IOAPIC, and what the CPU asks at an instruction boundary
// (irqPending / irqAcknowledge / nmiPending / nmiAcknowledge, core-contract.md).
//
// Routing, as QEMU sets it up for an in-kernel irqchip on a PC: GSI 0 -> PIC IR0 and IOAPIC pin 2
// (the ISA timer override), GSI 1 and 3-15 -> PIC and the IOAPIC pin of the same number,
// GSI 2 -> nothing (the PIC cascade), GSI 16-23 -> IOAPIC only.
// The PIC's INT reaches vCPU 0 through LINT0 programmed as ExtINT (or with the LAPIC
// hardware-disabled). PIC, IOAPIC and PIT state is guarded by the VM's irqchip spinlock; LAPIC
// IRR/TMR are set with atomics from any thread, and the target vCPU is kicked.

import { spinLock, spinUnlock } from './pool';
import { VM_OFF_PIC, VM_OFF_IOAPIC, VM_OFF_PIT, VM_OFF_IRQ_LOCK, VM_MAX_VCPUS } from './vm';
import {
  VCPU_OFF_NMI_PENDING, VCPU_OFF_MP_STATE, VCPU_OFF_SIPI_VECTOR, VCPU_OFF_INDEX, VCPU_REQ_EVENT,
  VCPU_OFF_APIC_BASE, MP_STATE_INIT_RECEIVED, MP_STATE_SIPI_RECEIVED, STAT_IRQ_INJECTIONS, vcpuAt, vcpuKick, vcpuVm,
  vcpuStatAdd,
} from './vcpu';
import {
  PIC_SIZE, PIC_OFF_OUTPUT, picReset, picSetIrq, picUpdate, picPeekVector, picReadVector,
} from '../irqchip/pic';
import {
  IOAPIC_PINS, ioapicReset, ioapicSetLine, ioapicDelivered, ioapicEoi, redirPtr,
} from '../irqchip/ioapic';
import { pitReset } from '../irqchip/pit';
import {
  DM_FIXED, DM_LOWEST, DM_NMI, DM_INIT, DM_STARTUP, DM_EXTINT, LAPIC_OFF_PENDING_SRC,
  lapicAcceptFixed, lapicMatchDest, lapicPendingVector, lapicAck, lapicAcceptsPicIntr, lapicOf,
  lapicReset, lapicHwEnabled, lapicTscDeadlineRead, lapicTscDeadlineWrite, APIC_BASE_ENABLE,
  APIC_BASE_BSP,
} from '../irqchip/lapic';
import { vcpuTscRead, vcpuTscWrite, vcpuTscAdjustRead, vcpuTscAdjustWrite } from './clock';
import { CPU_OFF_VCPU } from '../cpu/state';

export const SRC_NONE: u32 = 0;
export const SRC_LAPIC: u32 = 1;
export const SRC_PIC: u32 = 2;

@inline export function picMaster(vm: usize): usize { return vm + VM_OFF_PIC; }
@inline export function picSlave(vm: usize): usize { return vm + VM_OFF_PIC + PIC_SIZE; }
@inline export function ioapicOf(vm: usize): usize { return vm + VM_OFF_IOAPIC; }
@inline export function pitOf(vm: usize): usize { return vm + VM_OFF_PIT; }
@inline export function irqLock(vm: usize): void { spinLock(vm + VM_OFF_IRQ_LOCK); }
@inline export function irqUnlock(vm: usize): void { spinUnlock(vm + VM_OFF_IRQ_LOCK); }

export function irqchipReset(vm: usize): void {
  picReset(picMaster(vm), false);
  picReset(picSlave(vm), true);
  ioapicReset(ioapicOf(vm));
  pitReset(pitOf(vm));
}

/** The PIC pair's INT output changed: kick vCPU 0 when it is high (caller holds the lock). */
export function picOutputChanged(vm: usize): void {
  if (picUpdate(picMaster(vm), picSlave(vm))) {
    const v0 = vcpuAt(vm, 0);
    if (v0 != 0) vcpuKick(v0, VCPU_REQ_EVENT);
  }
}

/**
 * One interrupt message on the APIC bus (SDM 11.6): to the LAPICs matching the destination
 * (shorthand: 0 none, 1 self, 2 all including self, 3 all excluding self). Returns how many
 * accepted it.
 */
export function irqDeliver(
  vm: usize, dest: u32, logical: bool, dm: u32, vector: u32, level: bool, shorthand: u32, self: usize,
): u32 {
  let accepted: u32 = 0;
  for (let i: u32 = 0; i < VM_MAX_VCPUS; i++) {
    const v = vcpuAt(vm, i);
    if (v == 0) continue;
    let match: bool;
    if (shorthand == 0) match = lapicMatchDest(v, dest, logical);
    else if (shorthand == 1) match = v == self;
    else if (shorthand == 2) match = true;
    else match = v != self;
    if (!match) continue;
    if (dm == DM_FIXED || dm == DM_LOWEST) {
      if (!lapicAcceptFixed(v, vector, level)) continue;
    } else if (dm == DM_NMI) {
      atomic.add<u32>(v, 1, VCPU_OFF_NMI_PENDING);
    } else if (dm == DM_INIT) {
      atomic.store<u32>(v, MP_STATE_INIT_RECEIVED, VCPU_OFF_MP_STATE);
    } else if (dm == DM_STARTUP) {
      if (atomic.load<u32>(v, VCPU_OFF_MP_STATE) != MP_STATE_INIT_RECEIVED) continue;
      store<u32>(v, vector, VCPU_OFF_SIPI_VECTOR);
      atomic.store<u32>(v, MP_STATE_SIPI_RECEIVED, VCPU_OFF_MP_STATE);
    } else if (dm != DM_EXTINT) {
      continue; // SMI and reserved modes are not modelled
    }
    accepted++;
    vcpuKick(v, VCPU_REQ_EVENT);
    if (dm == DM_LOWEST) break; // one recipient (the first match stands in for the lowest priority)
  }
  return accepted;
}

/** Delivers IOAPIC pin `pin` from its redirection entry (caller holds the lock). */
function ioapicDeliverPin(vm: usize, pin: u32): void {
  const e = load<u64>(redirPtr(ioapicOf(vm), pin));
  const level = (e & (1 << 15)) != 0;
  const n = irqDeliver(vm, <u32>(e >> 56), (e & (1 << 11)) != 0, <u32>(e >> 8) & 7, <u32>e & 0xff, level, 0, 0);
  if (n != 0) ioapicDelivered(ioapicOf(vm), pin);
}

/** KVM_IRQ_LINE: drives GSI `gsi` to `level`. Returns 0, or -22 for a GSI that does not exist. */
export function irqLine(vm: usize, gsi: u32, level: bool): i32 {
  if (gsi >= IOAPIC_PINS) return -22;
  irqLock(vm);
  if (gsi < 16 && gsi != 2) {
    picSetIrq(gsi < 8 ? picMaster(vm) : picSlave(vm), gsi & 7, level);
    picOutputChanged(vm);
  }
  if (gsi != 2) {
    const pin = gsi == 0 ? 2 : gsi;
    if (ioapicSetLine(ioapicOf(vm), pin, level)) ioapicDeliverPin(vm, pin);
  }
  irqUnlock(vm);
  return 0;
}

/** KVM_SIGNAL_MSI: an MSI write of `data` to `address` (0xFEExxxxx). Returns recipients, or -22. */
export function signalMsi(vm: usize, address: u64, data: u32): i32 {
  if ((address >> 20) != 0xfee) return -22;
  const dest = <u32>(address >> 12) & 0xff;
  const logical = (address & 4) != 0;
  const dm = (data >> 8) & 7;
  const level = (data & (1 << 15)) != 0;
  return <i32>irqDeliver(vm, dest, logical, dm, data & 0xff, level, 0, 0);
}

/** EOI broadcast of a level-triggered vector from a LAPIC to the IOAPIC. */
export function irqEoiBroadcast(vm: usize, vector: u32): void {
  irqLock(vm);
  const again = ioapicEoi(ioapicOf(vm), vector);
  for (let pin: u32 = 0; pin < IOAPIC_PINS; pin++) {
    if ((again & (1 << pin)) != 0) ioapicDeliverPin(vm, pin);
  }
  irqUnlock(vm);
}

/** Re-evaluates an IOAPIC pin after its redirection entry changed (unmasking a raised line). */
export function ioapicPinChanged(vm: usize, pin: u32): void {
  const io = ioapicOf(vm);
  const e = load<u64>(redirPtr(io, pin));
  if ((e & (1 << 16)) != 0 || (e & (1 << 15)) == 0) return; // masked, or edge (no re-trigger)
  if ((load<u32>(io, 8) & (1 << pin)) != 0 && (e & (1 << 14)) == 0) ioapicDeliverPin(vm, pin);
}

// ---- what the CPU asks at an instruction boundary (vCPU-pointer forms) ----

function picReachesVcpu(vcpu: usize): bool {
  return load<u32>(vcpu, VCPU_OFF_INDEX) == 0 && lapicAcceptsPicIntr(vcpu);
}

/** The vector of the highest-priority deliverable external interrupt, or -1. */
export function vcpuIrqPending(vcpu: usize): i32 {
  const l = lapicOf(vcpu);
  const v = lapicPendingVector(vcpu);
  if (v >= 0) {
    store<u32>(l, SRC_LAPIC, LAPIC_OFF_PENDING_SRC);
    return v;
  }
  if (picReachesVcpu(vcpu)) {
    const vm = vcpuVm(vcpu);
    if (atomic.load<u8>(picMaster(vm) + PIC_OFF_OUTPUT) != 0) {
      irqLock(vm);
      const pv = picPeekVector(picMaster(vm), picSlave(vm));
      irqUnlock(vm);
      if (pv >= 0) {
        store<u32>(l, SRC_PIC, LAPIC_OFF_PENDING_SRC);
        return pv;
      }
    }
  }
  store<u32>(l, SRC_NONE, LAPIC_OFF_PENDING_SRC);
  return -1;
}

/** INTA for the vector irqPending reported: LAPIC IRR -> ISR, or the PIC's acknowledge cycle. */
export function vcpuIrqAcknowledge(vcpu: usize, vector: i32): void {
  const l = lapicOf(vcpu);
  const src = load<u32>(l, LAPIC_OFF_PENDING_SRC);
  store<u32>(l, SRC_NONE, LAPIC_OFF_PENDING_SRC);
  vcpuStatAdd(vcpu, STAT_IRQ_INJECTIONS, 1);
  if (src == SRC_PIC) {
    const vm = vcpuVm(vcpu);
    irqLock(vm);
    picReadVector(picMaster(vm), picSlave(vm));
    irqUnlock(vm);
    return;
  }
  if (vector >= 0 && lapicHwEnabled(vcpu)) lapicAck(vcpu, <u32>vector);
}

export function vcpuNmiPending(vcpu: usize): bool {
  return atomic.load<u32>(vcpu, VCPU_OFF_NMI_PENDING) != 0;
}

export function vcpuNmiAcknowledge(vcpu: usize): void {
  const n = atomic.load<u32>(vcpu, VCPU_OFF_NMI_PENDING);
  if (n != 0) atomic.sub<u32>(vcpu, 1, VCPU_OFF_NMI_PENDING);
}

export function vcpuIrqReset(vcpu: usize): void {
  lapicReset(vcpu);
  atomic.store<u32>(vcpu, 0, VCPU_OFF_NMI_PENDING);
}

// ---- the contract's CPU-pointer forms (core-contract.md), called by cpu/ ----

@inline function vcpuOfCpu(cpu: usize): usize {
  return load<usize>(cpu, CPU_OFF_VCPU);
}

/** Called by the CPU when RFLAGS.IF = 1 and no interrupt shadow: a vector, or -1. */
export function irqPending(cpu: usize): i32 {
  const vcpu = vcpuOfCpu(cpu);
  return vcpu == 0 ? -1 : vcpuIrqPending(vcpu);
}

/** The CPU took `vector` (the one irqPending just reported). */
export function irqAcknowledge(cpu: usize, vector: i32): void {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu != 0) vcpuIrqAcknowledge(vcpu, vector);
}

export function nmiPending(cpu: usize): i32 {
  const vcpu = vcpuOfCpu(cpu);
  return vcpu != 0 && vcpuNmiPending(vcpu) ? 1 : 0;
}

export function nmiAcknowledge(cpu: usize): void {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu != 0) vcpuNmiAcknowledge(vcpu);
}

/**
 * The guest TSC (RDTSC, IA32_TSC). In deterministic mode it is derived from CPU_OFF_ICOUNT, so
 * the CPU must have stored its up-to-date instruction count before calling.
 */
export function tscRead(cpu: usize): u64 {
  const vcpu = vcpuOfCpu(cpu);
  return vcpu == 0 ? 0 : vcpuTscRead(vcpu);
}

/** WRMSR IA32_TSC (0x10). */
export function tscWrite(cpu: usize, value: u64): void {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu != 0) vcpuTscWrite(vcpu, value);
}

/** RDMSR IA32_TSC_ADJUST (0x3B). */
export function tscAdjustRead(cpu: usize): u64 {
  const vcpu = vcpuOfCpu(cpu);
  return vcpu == 0 ? 0 : vcpuTscAdjustRead(vcpu);
}

/** WRMSR IA32_TSC_ADJUST (0x3B). */
export function tscAdjustWrite(cpu: usize, value: u64): void {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu != 0) vcpuTscAdjustWrite(vcpu, value);
}

/** RDMSR IA32_APIC_BASE (0x1B). */
export function apicBaseRead(cpu: usize): u64 {
  const vcpu = vcpuOfCpu(cpu);
  return vcpu == 0 ? 0 : load<u64>(vcpu, VCPU_OFF_APIC_BASE);
}

/** WRMSR IA32_APIC_BASE: returns 0, or 1 when the CPU must raise #GP (reserved bits, x2APIC). */
export function apicBaseWrite(cpu: usize, value: u64): i32 {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu == 0) return 1;
  if ((value & ~(<u64>0xf_ffff_f000 | APIC_BASE_ENABLE | APIC_BASE_BSP)) != 0) return 1;
  const old = load<u64>(vcpu, VCPU_OFF_APIC_BASE);
  const bsp = old & APIC_BASE_BSP; // read-only
  store<u64>(vcpu, (value & ~APIC_BASE_BSP) | bsp, VCPU_OFF_APIC_BASE);
  if ((old & APIC_BASE_ENABLE) != 0 && (value & APIC_BASE_ENABLE) == 0) lapicReset(vcpu);
  return 0;
}

export const MSR_TSC_DEADLINE: u32 = 0x6e0;

/** RDMSR of the APIC-owned MSRs (IA32_TSC_DEADLINE; x2APIC is not offered). */
export function apicMsrRead(cpu: usize, msr: u32): u64 {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu == 0) return 0;
  if (msr == MSR_TSC_DEADLINE) return lapicTscDeadlineRead(vcpu);
  return 0;
}

/** WRMSR of the APIC-owned MSRs: 0, or 1 for #GP (x2APIC range while x2APIC is off). */
export function apicMsrWrite(cpu: usize, msr: u32, value: u64): i32 {
  const vcpu = vcpuOfCpu(cpu);
  if (vcpu == 0) return 1;
  if (msr == MSR_TSC_DEADLINE) {
    lapicTscDeadlineWrite(vcpu, value);
    return 0;
  }
  return 1;
}
