// The "pc" machine: builds a VM from a PcMachineConfig — RAM slots from the memory layout, the
// device set (devices.ts), firmware tables (ACPI at 0xE0000 unless acpi=false, MP tables at
// 0xF0000 always, e820), the kernel through the loaders — then runs vCPU 0: call run(), dispatch
// IO exits to the port bus and MMIO exits to the MMIO bus, sleep on HLT until the next timer
// deadline or a doorbell (or hand the thread back when device work is pending on the caller's event
// loop), and stop at the first VmEndState.
// Invariants: the kernel is checked (loadKernel) before the vCPU is touched; the run loop never
// swallows an end state; reads are completed before the next run() (re-execution contract).

import { buildAcpiTables } from '../acpi/build.js';
import type { CharBackend } from '../chardev/backend.js';
import { buildMpTables } from '../firmware/mptable.js';
import { buildBda, buildEbdaHeader } from '../firmware/bda.js';
import { buildE820 } from '../loader/e820.js';
import { loadKernel, type BootPath, type KernelLoadResult } from '../loader/index.js';
import type { PciDevice } from '../pci/device.js';
import type { Clock } from '../rtc/cmos.js';
import type { AccessSize, MmioAccessSize } from '../bus/types.js';
import { buildPcDevices, type PcDevices } from './devices.js';
import type { VmEndState } from './end-state.js';
import { bootRegs, bootSregs, type MachineVcpu, type MachineVm, type VcpuExit } from './hypervisor.js';
import { ACPI_AREA, EBDA_START, MPTABLE_AREA, PCI_MMIO32, memoryLayout, type MemoryLayout } from './layout.js';

const COM_PRESENT = (serial: readonly (CharBackend | undefined)[]) => [0, 1, 2, 3].map((i) => serial[i] !== undefined);

export interface PcMachineConfig {
  /** Guest RAM in bytes (>= 16 MiB, 4 KiB multiple). */
  memory: number;
  /** vCPUs described to the guest (MADT/MP). This loop runs vCPU 0; APs need their own runners. */
  vcpus: number;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline: string;
  /** 'auto' (fast path when possible, the default), 'pvh' or 'bzimage'. */
  bootPath?: BootPath;
  /** bzImage path only: enter at the 32-bit entry even if the kernel has a 64-bit one. */
  entry32?: boolean;
  /** ACPI tables and PM block (default true). */
  acpi?: boolean;
  /** COM1..COM4 backends. */
  serial: readonly (CharBackend | undefined)[];
  pciDevices?: readonly PciDevice[];
  clock?: Clock;
  monotonic?: () => number;
}

export interface RunOptions {
  /** Instructions per run() call (V8 tiers up between calls; FACTS: 1-10 M). */
  budget?: number;
  /** Return undefined after this many ms so the caller can service its event loop. */
  sliceMs?: number;
  /** Called between exits and after every wake-up (console input rings, stop requests). */
  poll?: () => void;
  /** Longest HLT sleep in ms when no deadline is known (input arrives by doorbell anyway). */
  maxSleepMs?: number;
  /**
   * True while device work completes on the caller's event loop (a disk read in flight): a HLT then
   * ends the slice at once (run() returns undefined) instead of sleeping, so the completion can run.
   */
  pending?: () => boolean;
}

export class PcMachine {
  private endState: VmEndState | undefined;
  /** a HLT found device work pending: return to the caller at the end of this exit */
  private yieldSlice = false;
  exits = 0;

  constructor(readonly vm: MachineVm, readonly vcpu: MachineVcpu, readonly devices: PcDevices, readonly layout: MemoryLayout,
    readonly boot: KernelLoadResult, private readonly now: () => number, private readonly wallClock: () => number = Date.now) {}

  /** Record how the VM ended (first one wins); the loop returns it at the next exit. */
  end(state: VmEndState): void {
    this.endState ??= state;
  }

  get ended(): VmEndState | undefined { return this.endState; }

  /** Runs until the VM ends (returns its end state) or `sliceMs` passes (returns undefined). */
  run(opts: RunOptions = {}): VmEndState | undefined {
    const budget = opts.budget ?? 5_000_000;
    const stopAt = opts.sliceMs === undefined ? Infinity : this.now() + opts.sliceMs;
    while (!this.endState) {
      if (this.now() >= stopAt) return undefined;
      const exit = this.vcpu.run(budget);
      this.exits++;
      try {
        this.dispatch(exit, opts);
      } catch (e) {
        // A device model failed: the VM cannot go on consistently; end it with the cause.
        this.end({ kind: 'crash', reason: `VMM error handling ${describeExit(exit)}: ${(e as Error).message}` });
        break;
      }
      opts.poll?.();
      if (this.yieldSlice) {
        this.yieldSlice = false;
        if (!this.endState) return undefined;
      }
    }
    return this.endState;
  }

  /** Handles one exit (exported for tests and for runners with their own loop). */
  dispatch(exit: VcpuExit, opts: RunOptions = {}): void {
    const d = this.devices;
    switch (exit.reason) {
      case 'io':
        if (exit.direction === 'out') d.ports.write(exit.port, exit.size as AccessSize, exit.data);
        else this.vcpu.completeIo(d.ports.read(exit.port, exit.size as AccessSize));
        return;
      case 'mmio':
        if (exit.isWrite) d.mmio.writeData(exit.address, exit.length as MmioAccessSize, exit.data);
        else this.vcpu.completeMmio(d.mmio.readData(exit.address, exit.length as MmioAccessSize));
        return;
      case 'hlt':
        this.halt(exit, opts);
        return;
      case 'shutdown':
        this.end({ kind: 'reset', source: 'triple-fault' });
        return;
      case 'internal-error':
        this.end({ kind: 'crash', reason: exit.explanation });
        return;
      case 'intr':
        this.pollTimers();
        return;
      case 'exception':
        this.end({ kind: 'crash', reason: `unhandled exception exit, vector ${exit.vector}` });
        return;
      case 'debug':
        return;
      case 'unknown':
        this.end({ kind: 'crash', reason: `unknown exit code ${exit.code}` });
    }
  }

  /** Fold elapsed time into device timers (RTC); cheap when nothing is due. */
  pollTimers(): void {
    const rtcDue = this.devices.rtc.nextDeadline();
    if (rtcDue !== undefined && rtcDue <= this.wallClock()) this.devices.rtc.poll();
  }

  private halt(exit: Extract<VcpuExit, { reason: 'hlt' }>, opts: RunOptions): void {
    if (!exit.interruptsEnabled) {
      // HLT with IF=0: only NMI, SMI or INIT could resume it, and nothing in this machine sends
      // them to vCPU 0 (Linux's halt path and crashed kernels end this way).
      this.end({ kind: 'halted' });
      return;
    }
    this.pollTimers();
    if (opts.pending?.()) {
      this.yieldSlice = true; // the guest waits for that work: let the caller's event loop finish it
      return;
    }
    const rtcDue = this.devices.rtc.nextDeadline();
    const waits = [opts.maxSleepMs ?? 100];
    if (exit.waitNs !== null) waits.push(exit.waitNs / 1e6);
    if (rtcDue !== undefined) waits.push(Math.max(0, rtcDue - this.wallClock()));
    this.vcpu.waitForEvent(Math.min(...waits));
    this.pollTimers();
  }
}

function describeExit(e: VcpuExit): string {
  if (e.reason === 'io') return `${e.direction === 'out' ? 'OUT to' : 'IN from'} port 0x${e.port.toString(16)}`;
  if (e.reason === 'mmio') return `MMIO ${e.isWrite ? 'write' : 'read'} at 0x${e.address.toString(16)}`;
  return `a ${e.reason} exit`;
}

/** Builds the machine: memory slots, devices, firmware tables, kernel, initial vCPU state. */
export async function createPcMachine(vm: MachineVm, cfg: PcMachineConfig): Promise<PcMachine> {
  const layout = memoryLayout(cfg.memory);
  const acpi = cfg.acpi ?? true;
  let machine: PcMachine | undefined;
  const pendingEnds: VmEndState[] = [];
  const end = (s: VmEndState) => (machine ? machine.end(s) : pendingEnds.push(s));
  const devices = buildPcDevices(
    { layout, vcpus: cfg.vcpus, serial: cfg.serial, pciDevices: cfg.pciDevices, acpi, clock: cfg.clock, monotonic: cfg.monotonic },
    { irq: (gsi, level) => vm.irqLine(gsi, level), msi: (a, d) => { vm.signalMsi(a, d); } },
    end,
  );
  const e820 = buildE820(layout);
  // RAM slots first: the firmware tables and the kernel are written through the EPT.
  layout.ramRegions.forEach((r, slot) => vm.setUserMemoryRegion({ slot, guestPhysAddr: r.gpa, memorySize: r.size, kind: 'ram' }));
  let rsdp: number | undefined;
  if (acpi) {
    const tables = buildAcpiTables({ vcpus: cfg.vcpus, serialPorts: cfg.serial.flatMap((b, i) => (b ? [i] : [])), mmio32: PCI_MMIO32, mmio64: layout.mmio64 }, ACPI_AREA.base, ACPI_AREA.limit);
    vm.memory.write(tables.base, tables.image);
    rsdp = tables.rsdp;
  }
  vm.memory.write(0x400, buildBda(COM_PRESENT(cfg.serial)));
  vm.memory.write(EBDA_START, buildEbdaHeader());
  vm.memory.write(MPTABLE_AREA.base, buildMpTables({ vcpus: cfg.vcpus, pciInterrupts: devices.pciInterrupts }, MPTABLE_AREA.base));
  const boot = await loadKernel({ mem: vm.memory, kernel: cfg.kernel, initrd: cfg.initrd, cmdline: cfg.cmdline, layout, e820, rsdp }, { bootPath: cfg.bootPath, entry32: cfg.entry32 });
  const vcpu = vm.createVcpu(0);
  vcpu.setSregs(bootSregs(boot.entry));
  vcpu.setRegs(bootRegs(boot.entry));
  machine = new PcMachine(vm, vcpu, devices, layout, boot, cfg.monotonic ?? (() => performance.now()), cfg.clock ?? Date.now);
  for (const s of pendingEnds) machine.end(s);
  return machine;
}
