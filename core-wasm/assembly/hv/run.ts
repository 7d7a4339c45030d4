// hv/run.ts — KVM_RUN: `run(vcpu, budget)` executes guest code through the CPU (cpu_execute)
// until something needs the VMM, then returns an exit reason with its details in kvm_run.
//
// The loop, per slice: take requests (kicks, TLB flushes), service timers (LAPIC timer; on vCPU 0
// the PIT), wake a halted vCPU on a deliverable interrupt, run the CPU for a slice, and handle its
// exit: in-kernel devices (PIC, PIT, port B, ELCR, LAPIC and IOAPIC MMIO) are serviced here and
// the loop goes on; everything else becomes a kvm_run exit.
// Reads exit before the instruction retires (core-contract.md): the VMM stores the data in
// kvm_run (RUN_OFF_IO_DATA / RUN_OFF_MMIO_DATA) and the next run() hands it to the CPU.
// HLT with no interrupt deliverable: in deterministic mode VM time warps to the next timer
// deadline and the loop goes on; otherwise run() exits HLT with the deadline and how long the
// VMM may sleep (Atomics.wait on the vCPU doorbell, which every kick rings).
// Time slices: in deterministic mode a slice ends exactly at the next timer deadline (so timer
// interrupts land at the same instruction every run); in realtime mode slices are at most
// REALTIME_SLICE instructions and end near the next timer deadline (at the instruction rate
// measured in this run), so timers are serviced close to their time however fast the host runs.

import { FRAME_SHIFT, FRAME_SIZE, frameAllocContiguous } from './pool';
import { VM_OFF_STATE, VM_OFF_OOM_GPA, VM_STATE_RUNNING, vmPool } from './vm';
import {
  VCPU_OFF_CPU, VCPU_OFF_REQUESTS, VCPU_OFF_MP_STATE, VCPU_OFF_SIPI_VECTOR, VCPU_OFF_PENDING_COMPLETION,
  VCPU_OFF_INDEX, RUN_OFF_EXIT_REASON, RUN_OFF_READY_FOR_INTERRUPT, RUN_OFF_IO_DIRECTION,
  RUN_OFF_IO_SIZE, RUN_OFF_IO_PORT, RUN_OFF_IO_COUNT, RUN_OFF_IO_DATA, RUN_OFF_MMIO_ADDR, RUN_OFF_MMIO_DATA,
  RUN_OFF_MMIO_LEN, RUN_OFF_MMIO_IS_WRITE, RUN_OFF_SUBERROR, RUN_OFF_INFO, RUN_OFF_RIP, RUN_OFF_INSN_BYTES,
  RUN_OFF_INSN_LEN, RUN_OFF_HLT_WAIT_NS, RUN_OFF_HLT_DEADLINE_NS, RUN_OFF_INSTRUCTIONS, RUN_OFF_OOM_GPA,
  EXIT_IO, EXIT_MMIO, EXIT_HLT, EXIT_SHUTDOWN, EXIT_INTR, EXIT_INTERNAL_ERROR, EXIT_DEBUG, EXIT_EXCEPTION,
  INTERNAL_ERROR_EMULATION, INTERNAL_ERROR_HOST_OOM, INTERNAL_ERROR_NO_CPU, MP_STATE_RUNNABLE,
  MP_STATE_HALTED, MP_STATE_INIT_RECEIVED, MP_STATE_SIPI_RECEIVED, MP_STATE_UNINITIALIZED,
  STAT_IO_IN_KERNEL, STAT_MMIO_IN_KERNEL, STAT_HALT_WAKEUPS, STAT_TLB_FLUSH_REQUESTS, STAT_RUNS,
  VCPU_REQ_KICK, VCPU_REQ_TLB_FLUSH, vcpuCreate, vcpuAttachCpu, vcpuDestroy, vcpuInstructions, vcpuVm,
  vcpuStatAdd,
} from './vcpu';
import {
  NO_DEADLINE, clockDeterministic, vcpuNowNs, vcpuWarpTo, instructionsForNs,
} from './clock';
import {
  irqLine, irqLock, irqUnlock, pitOf, vcpuIrqPending, vcpuNmiPending, vcpuIrqReset,
} from './irq';
import { pioInKernel, pioRead, pioWrite, mmioInKernel, mmioRead, mmioWrite } from './iodev';
import { pitService, pitDeadline } from '../irqchip/pit';
import { lapicTimerService, lapicTimerDeadline } from '../irqchip/lapic';
import { cpu_init, cpu_execute, cpu_complete_io, cpu_state_size, cpu_update_mode } from '../cpu/api';
import * as S from '../cpu/state';

export const REALTIME_SLICE: u64 = 1 << 16;
const REALTIME_MIN_SLICE: u64 = 256;
const REALTIME_START_RATE: f64 = 0.005; // 5 MIPS until measured
const COMPLETE_IO: u32 = 1;
const COMPLETE_MMIO: u32 = 2;

/** KVM_CREATE_VCPU with its CPU state block (power-on reset) and local APIC. 0 on failure. */
export function vcpuCreateWithCpu(vm: usize, index: u32): usize {
  const v = vcpuCreate(vm, index);
  if (v == 0) return 0;
  const frames = <u32>((cpu_state_size() + FRAME_SIZE - 1) >> FRAME_SHIFT);
  const cpu = frameAllocContiguous(vmPool(vm), frames);
  if (cpu == 0) {
    vcpuDestroy(v);
    return 0;
  }
  cpu_init(cpu, vm, v);
  vcpuAttachCpu(v, cpu, frames, cpu + S.CPU_OFF_REQUEST, cpu + S.CPU_OFF_ICOUNT, cpu + S.CPU_OFF_BLK_CACHE, <u32>(S.BLK_CACHE_BYTES >> FRAME_SHIFT));
  vcpuIrqReset(v);
  if (index != 0) store<u32>(v, MP_STATE_UNINITIALIZED, VCPU_OFF_MP_STATE); // APs wait for INIT-SIPI
  return v;
}

/** Earliest timer deadline this vCPU has to honour (VM ns), NO_DEADLINE when none is armed. */
export function vcpuNextDeadline(vcpu: usize): u64 {
  let d = lapicTimerDeadline(vcpu);
  if (load<u32>(vcpu, VCPU_OFF_INDEX) == 0) {
    const p = pitDeadline(pitOf(vcpuVm(vcpu)));
    if (p < d) d = p;
  }
  return d;
}

/** Fires the timers due by `now`: the LAPIC timer, and on vCPU 0 the PIT (a pulse on GSI 0). */
export function vcpuServiceTimers(vcpu: usize, now: u64): void {
  lapicTimerService(vcpu, now);
  if (load<u32>(vcpu, VCPU_OFF_INDEX) != 0) return;
  const vm = vcpuVm(vcpu);
  irqLock(vm);
  const fire = pitService(pitOf(vm), now);
  irqUnlock(vm);
  if (fire != 0) {
    irqLine(vm, 0, true);
    irqLine(vm, 0, false);
  }
}

@inline function ifFlag(cpu: usize): bool {
  return (load<u64>(cpu, S.CPU_OFF_RFLAGS) & S.FL_IF) != 0;
}

function finish(vcpu: usize, reason: u32, icount0: u64): u32 {
  store<u32>(vcpu, reason, RUN_OFF_EXIT_REASON);
  store<u64>(vcpu, vcpuInstructions(vcpu) - icount0, RUN_OFF_INSTRUCTIONS);
  const cpu = <usize>load<u32>(vcpu, VCPU_OFF_CPU);
  store<u32>(vcpu, cpu != 0 && ifFlag(cpu) ? 1 : 0, RUN_OFF_READY_FOR_INTERRUPT);
  vcpuStatAdd(vcpu, reason, 1);
  return reason;
}

function internalError(vcpu: usize, sub: u32, icount0: u64): u32 {
  store<u32>(vcpu, sub, RUN_OFF_SUBERROR);
  if (sub == INTERNAL_ERROR_HOST_OOM) store<u64>(vcpu, load<u64>(vcpuVm(vcpu), VM_OFF_OOM_GPA), RUN_OFF_OOM_GPA);
  return finish(vcpu, EXIT_INTERNAL_ERROR, icount0);
}

/** INIT-SIPI for application processors (SDM 9.4.4): start in real mode at vector << 12. */
function startupAp(vcpu: usize, cpu: usize): void {
  const vector = load<u32>(vcpu, VCPU_OFF_SIPI_VECTOR) & 0xff;
  cpu_init(cpu, vcpuVm(vcpu), vcpu);
  const cs = cpu + S.CPU_OFF_SEG + (<usize>S.SEG_CS << 4);
  store<u16>(cs + S.SEG_SELECTOR, <u16>(vector << 8));
  store<u64>(cs + S.SEG_BASE, <u64>vector << 12);
  store<u64>(cpu, 0, S.CPU_OFF_RIP);
  cpu_update_mode(cpu);
  atomic.store<u32>(vcpu, MP_STATE_RUNNABLE, VCPU_OFF_MP_STATE);
}

/** KVM_RUN. `budget` = most instructions to retire before returning EXIT_INTR. */
export function vcpuRun(vcpu: usize, budget: u64): u32 {
  const cpu = <usize>load<u32>(vcpu, VCPU_OFF_CPU);
  if (cpu == 0) return internalError(vcpu, INTERNAL_ERROR_NO_CPU, 0);
  const vm = vcpuVm(vcpu);
  const icount0 = vcpuInstructions(vcpu);
  vcpuStatAdd(vcpu, STAT_RUNS, 1);
  const pending = load<u32>(vcpu, VCPU_OFF_PENDING_COMPLETION);
  if (pending != 0) {
    store<u32>(vcpu, 0, VCPU_OFF_PENDING_COMPLETION);
    cpu_complete_io(cpu, load<u64>(vcpu + (pending == COMPLETE_IO ? RUN_OFF_IO_DATA : RUN_OFF_MMIO_DATA)));
  }
  const deterministic = clockDeterministic(vm);
  let remaining = budget;
  let perNs: f64 = REALTIME_START_RATE; // instructions per ns of VM time (realtime mode)
  while (true) {
    if (atomic.load<u32>(vm, VM_OFF_STATE) != VM_STATE_RUNNING) return internalError(vcpu, INTERNAL_ERROR_HOST_OOM, icount0);
    atomic.store<i32>(cpu, 0, S.CPU_OFF_REQUEST);
    const req = atomic.xchg<u32>(vcpu, 0, VCPU_OFF_REQUESTS);
    if ((req & VCPU_REQ_TLB_FLUSH) != 0) vcpuStatAdd(vcpu, STAT_TLB_FLUSH_REQUESTS, 1);
    if ((req & VCPU_REQ_KICK) != 0) return finish(vcpu, EXIT_INTR, icount0);
    const now = vcpuNowNs(vcpu);
    vcpuServiceTimers(vcpu, now);
    const mp = atomic.load<u32>(vcpu, VCPU_OFF_MP_STATE);
    if (mp == MP_STATE_SIPI_RECEIVED) startupAp(vcpu, cpu);
    else if (mp == MP_STATE_UNINITIALIZED || mp == MP_STATE_INIT_RECEIVED) {
      store<u64>(vcpu, NO_DEADLINE, RUN_OFF_HLT_WAIT_NS);
      store<u64>(vcpu, NO_DEADLINE, RUN_OFF_HLT_DEADLINE_NS);
      return finish(vcpu, EXIT_HLT, icount0); // an AP waiting for its start-up IPI
    }
    if (load<i32>(cpu, S.CPU_OFF_HALTED) != 0) {
      if (vcpuNmiPending(vcpu) || (ifFlag(cpu) && vcpuIrqPending(vcpu) >= 0)) {
        store<i32>(cpu, 0, S.CPU_OFF_HALTED);
        atomic.store<u32>(vcpu, MP_STATE_RUNNABLE, VCPU_OFF_MP_STATE);
        vcpuStatAdd(vcpu, STAT_HALT_WAKEUPS, 1);
      } else {
        const deadline = ifFlag(cpu) ? vcpuNextDeadline(vcpu) : NO_DEADLINE;
        if (deterministic && deadline != NO_DEADLINE) {
          vcpuWarpTo(vcpu, deadline);
          continue;
        }
        atomic.store<u32>(vcpu, MP_STATE_HALTED, VCPU_OFF_MP_STATE);
        store<u64>(vcpu, deadline, RUN_OFF_HLT_DEADLINE_NS);
        store<u64>(vcpu, deadline == NO_DEADLINE ? NO_DEADLINE : (deadline > now ? deadline - now : 0), RUN_OFF_HLT_WAIT_NS);
        return finish(vcpu, EXIT_HLT, icount0);
      }
    }
    if (remaining == 0) return finish(vcpu, EXIT_INTR, icount0);
    let slice = remaining;
    if (deterministic) {
      const deadline = vcpuNextDeadline(vcpu);
      if (deadline != NO_DEADLINE) {
        const n = deadline > now ? instructionsForNs(vcpu, deadline - now) : 1;
        if (n < slice) slice = n;
      }
    } else {
      // End the slice near the next deadline, at the instruction rate measured so far, so a
      // timer interrupt lands close to its time even when the host runs the guest slowly.
      const deadline = vcpuNextDeadline(vcpu);
      if (deadline != NO_DEADLINE) {
        const gap: u64 = deadline > now ? deadline - now : 0;
        const n = <u64>(<f64>gap * perNs) + REALTIME_MIN_SLICE;
        if (n < slice) slice = n;
      }
      if (slice > REALTIME_SLICE) slice = REALTIME_SLICE;
    }
    const before = vcpuInstructions(vcpu);
    const code = cpu_execute(cpu, slice);
    const ran = vcpuInstructions(vcpu) - before;
    if (!deterministic && ran >= REALTIME_MIN_SLICE) {
      const t = vcpuNowNs(vcpu);
      if (t > now) perNs = (perNs + <f64>ran / <f64>(t - now)) * 0.5;
    }
    remaining = ran >= remaining ? 0 : remaining - ran;
    if (code == S.CPU_EXIT_NONE && ran == 0) return finish(vcpu, EXIT_INTR, icount0); // no progress: let the VMM look
    if (code == S.CPU_EXIT_NONE || code == S.CPU_EXIT_REQUEST || code == S.CPU_EXIT_HLT) continue;
    if (code == S.CPU_EXIT_IO) {
      if (handleIo(vcpu, cpu)) continue;
      return finish(vcpu, EXIT_IO, icount0);
    }
    if (code == S.CPU_EXIT_MMIO) {
      if (handleMmio(vcpu, cpu)) continue;
      return finish(vcpu, EXIT_MMIO, icount0);
    }
    if (code == S.CPU_EXIT_SHUTDOWN) return finish(vcpu, EXIT_SHUTDOWN, icount0);
    if (code == S.CPU_EXIT_DEBUG) return finish(vcpu, EXIT_DEBUG, icount0);
    if (code == S.CPU_EXIT_EXCEPTION) {
      store<u32>(vcpu, <u32>load<i32>(cpu, S.CPU_OFF_EXIT_INFO), RUN_OFF_INFO);
      return finish(vcpu, EXIT_EXCEPTION, icount0);
    }
    // internal error: the CPU's reason, RIP and instruction bytes
    const info = load<i32>(cpu, S.CPU_OFF_EXIT_INFO);
    store<u32>(vcpu, <u32>info, RUN_OFF_INFO);
    store<u64>(vcpu, load<u64>(cpu, S.CPU_OFF_INSN_RIP), RUN_OFF_RIP);
    memory.copy(vcpu + RUN_OFF_INSN_BYTES, cpu + S.CPU_OFF_EXIT_INSN, 16);
    store<u32>(vcpu, 15, RUN_OFF_INSN_LEN);
    return internalError(vcpu, info == S.INTERNAL_HOST_OOM ? INTERNAL_ERROR_HOST_OOM : INTERNAL_ERROR_EMULATION, icount0);
  }
  return 0; // unreachable
}

/** A port access: serviced in the core (true) or described in kvm_run for the VMM (false). */
function handleIo(vcpu: usize, cpu: usize): bool {
  const port = <u32>load<i32>(cpu, S.CPU_OFF_EXIT_PORT) & 0xffff;
  const size = <u32>load<i32>(cpu, S.CPU_OFF_EXIT_SIZE);
  const dir = <u32>load<i32>(cpu, S.CPU_OFF_EXIT_DIRECTION);
  const count = <u32>load<i32>(cpu, S.CPU_OFF_EXIT_COUNT);
  const data = load<u64>(cpu, S.CPU_OFF_EXIT_DATA);
  if (pioInKernel(port) && count <= 1) {
    if (dir == 0) cpu_complete_io(cpu, <u64>pioRead(vcpu, port, size));
    else pioWrite(vcpu, port, size, <u32>data);
    vcpuStatAdd(vcpu, STAT_IO_IN_KERNEL, 1);
    return true;
  }
  store<u32>(vcpu, dir, RUN_OFF_IO_DIRECTION);
  store<u32>(vcpu, size, RUN_OFF_IO_SIZE);
  store<u32>(vcpu, port, RUN_OFF_IO_PORT);
  store<u32>(vcpu, count == 0 ? 1 : count, RUN_OFF_IO_COUNT);
  store<u64>(vcpu, data, RUN_OFF_IO_DATA);
  if (dir == 0) store<u32>(vcpu, COMPLETE_IO, VCPU_OFF_PENDING_COMPLETION);
  return false;
}

function handleMmio(vcpu: usize, cpu: usize): bool {
  const addr = load<u64>(cpu, S.CPU_OFF_EXIT_ADDR);
  const size = <u32>load<i32>(cpu, S.CPU_OFF_EXIT_SIZE);
  const write = load<i32>(cpu, S.CPU_OFF_EXIT_DIRECTION) != 0;
  const data = load<u64>(cpu, S.CPU_OFF_EXIT_DATA);
  if (mmioInKernel(vcpu, addr)) {
    if (write) mmioWrite(vcpu, addr, size, data);
    else cpu_complete_io(cpu, mmioRead(vcpu, addr, size));
    vcpuStatAdd(vcpu, STAT_MMIO_IN_KERNEL, 1);
    return true;
  }
  store<u64>(vcpu, addr, RUN_OFF_MMIO_ADDR);
  store<u64>(vcpu, data, RUN_OFF_MMIO_DATA);
  store<u32>(vcpu, size, RUN_OFF_MMIO_LEN);
  store<u32>(vcpu, write ? 1 : 0, RUN_OFF_MMIO_IS_WRITE);
  if (!write) store<u32>(vcpu, COMPLETE_MMIO, VCPU_OFF_PENDING_COMPLETION);
  return false;
}

