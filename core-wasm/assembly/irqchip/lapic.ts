// irqchip/lapic.ts — the local APIC in xAPIC mode (Intel SDM vol. 3A ch. 11 "Advanced
// Programmable Interrupt Controller"): ID, version, TPR/PPR, ISR/IRR/TMR, EOI, spurious-vector
// register, LVT entries, the timer (one-shot, periodic, TSC-deadline) and the ICR.
//
// The register page is stored compactly: register at MMIO offset X lives at lapic + (X >> 4) * 4.
// IRR and TMR words are written by other threads (IOAPIC/MSI/IPI delivery): atomics only.
// Everything else belongs to the vCPU's own thread. The timer counts APIC bus ticks of 1 ns
// (a 1 GHz bus, as KVM advertises) divided by the divide configuration; its deadline is in VM
// time (hv/clock.ts) and is serviced by run() (lapicTimerService).

import { NO_DEADLINE, vcpuNowNs, vcpuTscToNs } from '../hv/clock';
import { VCPU_OFF_LAPIC, VCPU_OFF_INDEX, VCPU_OFF_APIC_BASE } from '../hv/vcpu';

export const APIC_ID: u32 = 0x20;
export const APIC_VERSION: u32 = 0x30;
export const APIC_TPR: u32 = 0x80;
export const APIC_APR: u32 = 0x90;
export const APIC_PPR: u32 = 0xa0;
export const APIC_EOI: u32 = 0xb0;
export const APIC_RRD: u32 = 0xc0;
export const APIC_LDR: u32 = 0xd0;
export const APIC_DFR: u32 = 0xe0;
export const APIC_SVR: u32 = 0xf0;
export const APIC_ISR: u32 = 0x100;
export const APIC_TMR: u32 = 0x180;
export const APIC_IRR: u32 = 0x200;
export const APIC_ESR: u32 = 0x280;
export const APIC_LVT_CMCI: u32 = 0x2f0;
export const APIC_ICR_LO: u32 = 0x300;
export const APIC_ICR_HI: u32 = 0x310;
export const APIC_LVT_TIMER: u32 = 0x320;
export const APIC_LVT_THERMAL: u32 = 0x330;
export const APIC_LVT_PMC: u32 = 0x340;
export const APIC_LVT_LINT0: u32 = 0x350;
export const APIC_LVT_LINT1: u32 = 0x360;
export const APIC_LVT_ERROR: u32 = 0x370;
export const APIC_TMICT: u32 = 0x380;
export const APIC_TMCCT: u32 = 0x390;
export const APIC_TDCR: u32 = 0x3e0;

export const LVT_MASKED: u32 = 1 << 16;
export const LVT_TIMER_PERIODIC: u32 = 1 << 17;
export const LVT_TIMER_TSC_DEADLINE: u32 = 2 << 17;
export const DM_FIXED: u32 = 0;
export const DM_LOWEST: u32 = 1;
export const DM_SMI: u32 = 2;
export const DM_NMI: u32 = 4;
export const DM_INIT: u32 = 5;
export const DM_STARTUP: u32 = 6;
export const DM_EXTINT: u32 = 7;
export const SVR_ENABLE: u32 = 1 << 8;
export const APIC_BASE_ENABLE: u64 = 1 << 11;
export const APIC_BASE_BSP: u64 = 1 << 8;
const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;

// timer and bookkeeping state after the register page
export const LAPIC_OFF_TIMER_DEADLINE: u32 = 0x100; // u64 VM ns, NO_DEADLINE when idle
export const LAPIC_OFF_TIMER_PERIOD: u32 = 0x108;   // u64 ns (periodic / one-shot length)
export const LAPIC_OFF_TIMER_START: u32 = 0x110;    // u64 VM ns of the last (re)load
export const LAPIC_OFF_TSC_DEADLINE: u32 = 0x118;   // u64 IA32_TSC_DEADLINE
export const LAPIC_OFF_PENDING_SRC: u32 = 0x120;    // what irqPending last reported: 1 LAPIC, 2 PIC
export const LAPIC_OFF_ESR_PENDING: u32 = 0x124;
export const LAPIC_OFF_TIMER_FIRED: u32 = 0x128;    // count of timer interrupts raised
export const LAPIC_SIZE: u32 = 0x140;

@inline export function lapicOf(vcpu: usize): usize { return vcpu + VCPU_OFF_LAPIC; }
@inline export function lapicReg(vcpu: usize, off: u32): u32 { return load<u32>(lapicOf(vcpu) + (off >> 2)); }
@inline function setReg(vcpu: usize, off: u32, v: u32): void { store<u32>(lapicOf(vcpu) + (off >> 2), v); }

export function lapicHwEnabled(vcpu: usize): bool {
  return (load<u64>(vcpu, VCPU_OFF_APIC_BASE) & APIC_BASE_ENABLE) != 0;
}
export function lapicSwEnabled(vcpu: usize): bool {
  return (lapicReg(vcpu, APIC_SVR) & SVR_ENABLE) != 0;
}
export function lapicId(vcpu: usize): u32 {
  return lapicReg(vcpu, APIC_ID) >> 24;
}

/** Power-up / INIT state (SDM 11.4.7.1); the BSP's LINT0 is set to ExtINT (virtual wire), as QEMU does. */
export function lapicReset(vcpu: usize): void {
  const l = lapicOf(vcpu);
  memory.fill(l, 0, LAPIC_SIZE);
  const index = load<u32>(vcpu, VCPU_OFF_INDEX);
  setReg(vcpu, APIC_ID, index << 24);
  setReg(vcpu, APIC_VERSION, 0x14 | (5 << 16));
  setReg(vcpu, APIC_DFR, 0xffffffff);
  setReg(vcpu, APIC_SVR, 0xff);
  for (let off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 0x10) setReg(vcpu, off, LVT_MASKED);
  setReg(vcpu, APIC_LVT_CMCI, LVT_MASKED);
  if (index == 0) setReg(vcpu, APIC_LVT_LINT0, DM_EXTINT << 8);
  store<u64>(l, NO_DEADLINE, LAPIC_OFF_TIMER_DEADLINE);
}

// ---- IRR / ISR / TMR ----

/** Highest set vector in the 256-bit register at `off` (ISR/TMR/IRR), or -1. */
export function highestBit(vcpu: usize, off: u32): i32 {
  const base = lapicOf(vcpu) + (off >> 2);
  for (let w: i32 = 7; w >= 0; w--) {
    const bits = atomic.load<u32>(base + (<usize>w << 2));
    if (bits != 0) return (w << 5) + 31 - <i32>clz<u32>(bits);
  }
  return -1;
}

@inline function vecWord(vcpu: usize, off: u32, vector: u32): usize {
  return lapicOf(vcpu) + (off >> 2) + (<usize>(vector >> 5) << 2);
}

export function testVec(vcpu: usize, off: u32, vector: u32): bool {
  return (atomic.load<u32>(vecWord(vcpu, off, vector)) & (1 << (vector & 31))) != 0;
}

export function lapicPpr(vcpu: usize): u32 {
  const tpr = lapicReg(vcpu, APIC_TPR) & 0xff;
  const isrv = highestBit(vcpu, APIC_ISR);
  const isrc: u32 = isrv < 0 ? 0 : <u32>isrv & 0xf0;
  return (tpr & 0xf0) >= isrc ? tpr : isrc;
}

/** Accepts a fixed interrupt into IRR (from any thread). Returns false when it was dropped. */
export function lapicAcceptFixed(vcpu: usize, vector: u32, level: bool): bool {
  if (!lapicHwEnabled(vcpu) || !lapicSwEnabled(vcpu)) return false;
  if (vector < 16) {
    atomic.or<u32>(lapicOf(vcpu), ESR_RECEIVE_ILLEGAL_VECTOR, LAPIC_OFF_ESR_PENDING);
    return false;
  }
  const bit: u32 = 1 << (vector & 31);
  if (level) atomic.or<u32>(vecWord(vcpu, APIC_TMR, vector), bit);
  else atomic.and<u32>(vecWord(vcpu, APIC_TMR, vector), ~bit);
  atomic.or<u32>(vecWord(vcpu, APIC_IRR, vector), bit);
  return true;
}

/** The highest IRR vector above the processor priority, or -1. */
export function lapicPendingVector(vcpu: usize): i32 {
  if (!lapicHwEnabled(vcpu)) return -1;
  const v = highestBit(vcpu, APIC_IRR);
  if (v < 0) return -1;
  if ((<u32>v & 0xf0) <= (lapicPpr(vcpu) & 0xf0)) return -1;
  return v;
}

/** INTA: the vector moves from IRR to ISR. */
export function lapicAck(vcpu: usize, vector: u32): void {
  const bit: u32 = 1 << (vector & 31);
  atomic.and<u32>(vecWord(vcpu, APIC_IRR, vector), ~bit);
  atomic.or<u32>(vecWord(vcpu, APIC_ISR, vector), bit);
}

/** EOI: retires the highest in-service vector; returns it when it was level-triggered (-1 otherwise). */
export function lapicEoi(vcpu: usize): i32 {
  const v = highestBit(vcpu, APIC_ISR);
  if (v < 0) return -1;
  atomic.and<u32>(vecWord(vcpu, APIC_ISR, <u32>v), ~(<u32>1 << (<u32>v & 31)));
  return testVec(vcpu, APIC_TMR, <u32>v) ? v : -1;
}

/** Does LINT0 take the PIC's INTR (ExtINT, unmasked), or is the APIC out of the way entirely? */
export function lapicAcceptsPicIntr(vcpu: usize): bool {
  if (!lapicHwEnabled(vcpu)) return true;
  const lvt0 = lapicReg(vcpu, APIC_LVT_LINT0);
  return (lvt0 & LVT_MASKED) == 0 && ((lvt0 >> 8) & 7) == DM_EXTINT;
}

// ---- destination matching (SDM 11.6.2) ----

export function lapicMatchDest(vcpu: usize, dest: u32, logical: bool): bool {
  if (!logical) return dest == 0xff || dest == lapicId(vcpu);
  if (dest == 0xff) return true;
  const ldr = lapicReg(vcpu, APIC_LDR) >> 24;
  if ((lapicReg(vcpu, APIC_DFR) >> 28) == 0xf) return (ldr & dest) != 0; // flat model
  return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf) != 0;         // cluster model
}

// ---- timer (SDM 11.5.4) ----

function timerDivisor(vcpu: usize): u64 {
  const v = lapicReg(vcpu, APIC_TDCR);
  const code = (v & 3) | ((v & 8) >> 1);
  return code == 7 ? 1 : (<u64>2) << code;
}

function timerMode(vcpu: usize): u32 {
  return (lapicReg(vcpu, APIC_LVT_TIMER) >> 17) & 3;
}

function timerArm(vcpu: usize, now: u64): void {
  const l = lapicOf(vcpu);
  const count = <u64>lapicReg(vcpu, APIC_TMICT);
  if (count == 0 || timerMode(vcpu) == 2) {
    store<u64>(l, NO_DEADLINE, LAPIC_OFF_TIMER_DEADLINE);
    return;
  }
  const period = count * timerDivisor(vcpu);
  store<u64>(l, period, LAPIC_OFF_TIMER_PERIOD);
  store<u64>(l, now, LAPIC_OFF_TIMER_START);
  store<u64>(l, now + period, LAPIC_OFF_TIMER_DEADLINE);
}

function timerCurrentCount(vcpu: usize): u32 {
  const l = lapicOf(vcpu);
  const deadline = load<u64>(l, LAPIC_OFF_TIMER_DEADLINE);
  if (timerMode(vcpu) == 2 || deadline == NO_DEADLINE) return 0;
  const now = vcpuNowNs(vcpu);
  const remaining = deadline > now ? deadline - now : 0;
  return <u32>(remaining / timerDivisor(vcpu));
}

/** IA32_TSC_DEADLINE write (MSR 0x6E0): arms the timer in TSC-deadline mode; 0 disarms. */
export function lapicTscDeadlineWrite(vcpu: usize, value: u64): void {
  const l = lapicOf(vcpu);
  if (timerMode(vcpu) != 2) return; // ignored in the other modes
  store<u64>(l, value, LAPIC_OFF_TSC_DEADLINE);
  store<u64>(l, value == 0 ? NO_DEADLINE : vcpuTscToNs(vcpu, value), LAPIC_OFF_TIMER_DEADLINE);
}

export function lapicTscDeadlineRead(vcpu: usize): u64 {
  return timerMode(vcpu) == 2 ? load<u64>(lapicOf(vcpu), LAPIC_OFF_TSC_DEADLINE) : 0;
}

export function lapicTimerDeadline(vcpu: usize): u64 {
  return load<u64>(lapicOf(vcpu), LAPIC_OFF_TIMER_DEADLINE);
}

/** Fires the timer if its deadline has passed; returns true when an interrupt was raised. */
export function lapicTimerService(vcpu: usize, now: u64): bool {
  const l = lapicOf(vcpu);
  const deadline = load<u64>(l, LAPIC_OFF_TIMER_DEADLINE);
  if (deadline == NO_DEADLINE || now < deadline) return false;
  const mode = timerMode(vcpu);
  if (mode == 1) {
    const period = load<u64>(l, LAPIC_OFF_TIMER_PERIOD);
    let next = deadline + period;
    if (next <= now) next = now + period - ((now - deadline) % period); // drop missed periods
    store<u64>(l, next, LAPIC_OFF_TIMER_DEADLINE);
  } else {
    store<u64>(l, NO_DEADLINE, LAPIC_OFF_TIMER_DEADLINE);
    if (mode == 2) store<u64>(l, 0, LAPIC_OFF_TSC_DEADLINE);
  }
  const lvt = lapicReg(vcpu, APIC_LVT_TIMER);
  if ((lvt & LVT_MASKED) != 0) return false;
  store<u32>(l, load<u32>(l, LAPIC_OFF_TIMER_FIRED) + 1, LAPIC_OFF_TIMER_FIRED);
  return lapicAcceptFixed(vcpu, lvt & 0xff, false);
}

// ---- register access (MMIO page at IA32_APIC_BASE) ----

export function lapicRead(vcpu: usize, off: u32): u32 {
  if ((off & 0xf) != 0 || off >= 0x400) return 0;
  if (off == APIC_PPR) return lapicPpr(vcpu);
  if (off == APIC_TMCCT) return timerCurrentCount(vcpu);
  if (off == APIC_APR || off == APIC_EOI || off == APIC_RRD) return 0;
  if (off >= APIC_ISR && off < APIC_ESR) return atomic.load<u32>(lapicOf(vcpu) + (off >> 2));
  return lapicReg(vcpu, off);
}

/**
 * A register write. Returns an action for the caller (which holds the cross-vCPU view):
 * LAPIC_WRITE_EOI_LEVEL | vector for an EOI of a level-triggered vector (IOAPIC EOI broadcast),
 * LAPIC_WRITE_IPI for an ICR write (send with lapicIcr), 0 otherwise.
 */
export const LAPIC_WRITE_EOI_LEVEL: i32 = 0x1000;
export const LAPIC_WRITE_IPI: i32 = 0x2000;

export function lapicWrite(vcpu: usize, off: u32, val: u32): i32 {
  if ((off & 0xf) != 0 || off >= 0x400) return 0;
  const sw = lapicSwEnabled(vcpu);
  if (off == APIC_ID) setReg(vcpu, off, val & 0xff000000);
  else if (off == APIC_TPR) setReg(vcpu, off, val & 0xff);
  else if (off == APIC_EOI) {
    const v = lapicEoi(vcpu);
    return v >= 0 ? LAPIC_WRITE_EOI_LEVEL | v : 0;
  } else if (off == APIC_LDR) setReg(vcpu, off, val & 0xff000000);
  else if (off == APIC_DFR) setReg(vcpu, off, val | 0x0fffffff);
  else if (off == APIC_SVR) {
    setReg(vcpu, off, val & 0x13ff);
    if ((val & SVR_ENABLE) == 0) {
      for (let o = APIC_LVT_TIMER; o <= APIC_LVT_ERROR; o += 0x10) setReg(vcpu, o, lapicReg(vcpu, o) | LVT_MASKED);
      setReg(vcpu, APIC_LVT_CMCI, lapicReg(vcpu, APIC_LVT_CMCI) | LVT_MASKED);
    }
  } else if (off == APIC_ESR) {
    setReg(vcpu, off, atomic.xchg<u32>(lapicOf(vcpu), 0, LAPIC_OFF_ESR_PENDING));
  } else if (off == APIC_ICR_LO) {
    setReg(vcpu, off, val & ~(<u32>1 << 12)); // delivery is immediate: status idle
    return LAPIC_WRITE_IPI;
  } else if (off == APIC_ICR_HI) setReg(vcpu, off, val & 0xff000000);
  else if (off == APIC_LVT_TIMER) {
    const oldMode = timerMode(vcpu);
    setReg(vcpu, off, (val & 0x600ff) | (sw ? val & LVT_MASKED : LVT_MASKED));
    if (timerMode(vcpu) != oldMode) {
      store<u64>(lapicOf(vcpu), NO_DEADLINE, LAPIC_OFF_TIMER_DEADLINE);
      store<u64>(lapicOf(vcpu), 0, LAPIC_OFF_TSC_DEADLINE);
    }
  } else if (off == APIC_LVT_LINT0 || off == APIC_LVT_LINT1) {
    const keep = lapicReg(vcpu, off) & (1 << 14); // remote IRR is read-only
    setReg(vcpu, off, (val & 0x1a7ff) | keep | (sw ? 0 : LVT_MASKED));
  } else if (off == APIC_LVT_THERMAL || off == APIC_LVT_PMC || off == APIC_LVT_ERROR || off == APIC_LVT_CMCI) {
    setReg(vcpu, off, (val & 0x107ff) | (sw ? 0 : LVT_MASKED));
  } else if (off == APIC_TMICT) {
    setReg(vcpu, off, val);
    timerArm(vcpu, vcpuNowNs(vcpu));
  } else if (off == APIC_TDCR) setReg(vcpu, off, val & 0xb);
  return 0;
}

/** Illegal vector in a sent fixed IPI (SDM 11.5.3). */
export function lapicSendIllegal(vcpu: usize): void {
  atomic.or<u32>(lapicOf(vcpu), ESR_SEND_ILLEGAL_VECTOR, LAPIC_OFF_ESR_PENDING);
}
