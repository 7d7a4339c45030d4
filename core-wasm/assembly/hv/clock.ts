// hv/clock.ts — the VM's clock source and the guest TSC.
//
// Two modes, chosen per VM at creation:
//   CLOCK_REALTIME      — VM time = host monotonic time since the VM's clock was set (an import,
//                         `env.hostMonotonicNs`, shared by every worker).
//   CLOCK_DETERMINISTIC — VM time = the vCPU's retired instructions << icountShift (ns), plus the
//                         time warped over while halted (QEMU's -icount shift=N, sleep=off): a run
//                         is repeatable bit for bit, and a halted guest skips straight to its
//                         next timer deadline.
// The TSC ticks at a fixed advertised frequency (VM_OFF_TSC_HZ) from VM time 0, plus a per-vCPU
// offset (writes to IA32_TSC). Conversions split seconds from nanoseconds so u64 math does not
// overflow for days of VM time.

import {
  VM_OFF_CLOCK_MODE, VM_OFF_ICOUNT_SHIFT, VM_OFF_TSC_HZ, VM_OFF_HOST_BASE_NS,
} from './vm';
import { VCPU_OFF_WARP_NS, VCPU_OFF_TSC_OFFSET, VCPU_OFF_TSC_ADJUST, vcpuVm, vcpuInstructions } from './vcpu';

@external("env", "hostMonotonicNs")
declare function hostMonotonicNs(): f64;

export const CLOCK_REALTIME: u32 = 0;
export const CLOCK_DETERMINISTIC: u32 = 1;
export const DEFAULT_TSC_HZ: u64 = 2_000_000_000;
export const NO_DEADLINE: u64 = 0xffff_ffff_ffff_ffff;
const NS_PER_S: u64 = 1_000_000_000;

export function vmClockSet(vm: usize, mode: u32, tscHz: u64, icountShift: u32): void {
  store<u32>(vm, mode, VM_OFF_CLOCK_MODE);
  store<u64>(vm, tscHz == 0 ? DEFAULT_TSC_HZ : tscHz, VM_OFF_TSC_HZ);
  store<u32>(vm, icountShift & 15, VM_OFF_ICOUNT_SHIFT);
  store<f64>(vm, mode == CLOCK_REALTIME ? hostMonotonicNs() : 0, VM_OFF_HOST_BASE_NS);
}

@inline export function clockDeterministic(vm: usize): bool {
  return load<u32>(vm, VM_OFF_CLOCK_MODE) == CLOCK_DETERMINISTIC;
}

/** VM time in ns as seen by this vCPU. */
export function vcpuNowNs(vcpu: usize): u64 {
  const vm = vcpuVm(vcpu);
  if (clockDeterministic(vm)) {
    return (vcpuInstructions(vcpu) << <u64>load<u32>(vm, VM_OFF_ICOUNT_SHIFT)) + load<u64>(vcpu, VCPU_OFF_WARP_NS);
  }
  const d = hostMonotonicNs() - load<f64>(vm, VM_OFF_HOST_BASE_NS);
  return d <= 0 ? 0 : <u64>d;
}

/** Deterministic mode: ns of VM time per instruction is 1 << shift; instructions to cover `ns`. */
export function instructionsForNs(vcpu: usize, ns: u64): u64 {
  const shift = <u64>load<u32>(vcpuVm(vcpu), VM_OFF_ICOUNT_SHIFT);
  return (ns + (((<u64>1) << shift) - 1)) >> shift;
}

/** Skips VM time forward to `ns` (deterministic mode, while halted). */
export function vcpuWarpTo(vcpu: usize, ns: u64): void {
  const now = vcpuNowNs(vcpu);
  if (ns > now) store<u64>(vcpu, load<u64>(vcpu, VCPU_OFF_WARP_NS) + (ns - now), VCPU_OFF_WARP_NS);
}

/** value * num / den without overflow for value up to ~2^64 / num seconds' worth (den = 1e9 units). */
@inline export function scaleFromNs(ns: u64, hz: u64): u64 {
  return (ns / NS_PER_S) * hz + ((ns % NS_PER_S) * hz) / NS_PER_S;
}

@inline export function scaleToNs(ticks: u64, hz: u64): u64 {
  return (ticks / hz) * NS_PER_S + ((ticks % hz) * NS_PER_S) / hz;
}

export function vmTscHz(vm: usize): u64 {
  return load<u64>(vm, VM_OFF_TSC_HZ);
}

export function vcpuTscRead(vcpu: usize): u64 {
  return scaleFromNs(vcpuNowNs(vcpu), vmTscHz(vcpuVm(vcpu))) + load<u64>(vcpu, VCPU_OFF_TSC_OFFSET);
}

/**
 * IA32_TSC write: the guest sets its TSC; later reads continue from `value`. IA32_TSC_ADJUST moves by
 * the same amount (SDM vol. 3 17.17.3).
 */
export function vcpuTscWrite(vcpu: usize, value: u64): void {
  const raw = scaleFromNs(vcpuNowNs(vcpu), vmTscHz(vcpuVm(vcpu)));
  const old = raw + load<u64>(vcpu, VCPU_OFF_TSC_OFFSET);
  store<u64>(vcpu, value - raw, VCPU_OFF_TSC_OFFSET);
  store<u64>(vcpu, load<u64>(vcpu, VCPU_OFF_TSC_ADJUST) + (value - old), VCPU_OFF_TSC_ADJUST);
}

/** IA32_TSC_ADJUST read. */
export function vcpuTscAdjustRead(vcpu: usize): u64 {
  return load<u64>(vcpu, VCPU_OFF_TSC_ADJUST);
}

/** IA32_TSC_ADJUST write: the TSC moves by the difference between the new and the old value. */
export function vcpuTscAdjustWrite(vcpu: usize, value: u64): void {
  const delta = value - load<u64>(vcpu, VCPU_OFF_TSC_ADJUST);
  store<u64>(vcpu, load<u64>(vcpu, VCPU_OFF_TSC_OFFSET) + delta, VCPU_OFF_TSC_OFFSET);
  store<u64>(vcpu, value, VCPU_OFF_TSC_ADJUST);
}

/** VM time (ns) at which this vCPU's TSC reaches `tsc` (TSC-deadline timer). */
export function vcpuTscToNs(vcpu: usize, tsc: u64): u64 {
  const raw = tsc - load<u64>(vcpu, VCPU_OFF_TSC_OFFSET);
  if (<i64>raw < 0) return 0;
  return scaleToNs(raw, vmTscHz(vcpuVm(vcpu)));
}
