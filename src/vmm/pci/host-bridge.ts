// The PCI host bridge of the pc machine: configuration mechanism #1 (PCI Local Bus Spec 3.0
// §3.2.2.3.2) at ports 0xCF8 (CONFIG_ADDRESS) and 0xCFC-0xCFF (CONFIG_DATA), one bus (0) with
// 32 device slots x 8 functions, BAR decode onto the port/MMIO buses, and INTx routing:
// slot d's pin p (1..4) goes to PIRQ[(d + p - 1) mod 4] (the standard swizzle), PIRQ A-D
// to GSI 16-19 on the IOAPIC (the same routing is described to the guest by the DSDT _PRT
// and the MP table).
// Invariants: a BAR is on a bus exactly while its function's COMMAND enables that decode and
// the BAR holds a usable address; INTx lines sharing a GSI are wired-OR.

import type { PortBus } from '../bus/port-bus.js';
import type { MmioBus } from '../bus/mmio-bus.js';
import type { AccessSize, BusRange, IoHandler } from '../bus/types.js';
import { PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MEMORY, PCI_COMMAND_MASTER, PCI_INTERRUPT_LINE } from './config-space.js';
import { formatPciAddress, type PciAddress, type PciDevice, type PciInterruptSink } from './device.js';

export const PCI_CONFIG_ADDRESS = 0xcf8;
export const PCI_CONFIG_DATA = 0xcfc;
export const PIRQ_GSI_BASE = 16;

/** GSI of INTx pin `pin` (1 = INTA) of device `slot`, after the swizzle. */
export function intxGsi(slot: number, pin: number): number {
  return PIRQ_GSI_BASE + ((slot + pin - 1) & 3);
}

/** What the host bridge needs of the interrupt controller (the core's IOAPIC / MSI). */
export interface PciIrqRouter {
  setIrqLevel(gsi: number, level: boolean): void;
  sendMsi(address: number, data: number): void;
}

/** Address windows the host-side resource assignment uses. */
export interface PciWindows {
  ioBase: number; ioLimit: number;     // [base, limit)
  mmioBase: number; mmioLimit: number; // [base, limit)
}

interface Slot {
  address: PciAddress;
  device: PciDevice;
  mapped: (BusRange | undefined)[];
  intx: boolean;
}

export class PciHostBridge {
  private configAddress = 0;
  private readonly slots = new Map<number, Slot>(); // key: device << 3 | function
  private readonly gsiAsserted = new Map<number, Set<Slot>>();

  /**
   * `resetControl` serves byte accesses to 0xCF9, which sits inside CONFIG_ADDRESS's dword on PIIX/ICH
   * chipsets (a dword access at 0xCF8 is CONFIG_ADDRESS, a byte access at 0xCF9 the Reset Control Register).
   */
  constructor(private readonly ports: PortBus, private readonly mmio: MmioBus, private readonly irq: PciIrqRouter, private readonly resetControl?: IoHandler) {
    ports.register('pci-config-address', PCI_CONFIG_ADDRESS, 4, this.addressHandler());
    ports.register('pci-config-data', PCI_CONFIG_DATA, 4, this.dataHandler());
  }

  /** Plug `device` at bus 0, `slot`.`fn`. */
  plug(device: PciDevice, slot: number, fn = 0): PciAddress {
    if (slot < 0 || slot > 31 || fn < 0 || fn > 7) throw new RangeError(`PCI slot ${slot}.${fn} out of range`);
    const key = (slot << 3) | fn;
    const address = { bus: 0, device: slot, function: fn };
    const taken = this.slots.get(key);
    if (taken) throw new Error(`PCI ${formatPciAddress(address)} is already taken by ${taken.device.name}`);
    const s: Slot = { address, device, mapped: [], intx: false };
    this.slots.set(key, s);
    const own = device.config.onWrite; // keep a listener the device installed itself
    device.config.onWrite = (off, size, value) => {
      own?.(off, size, value);
      this.afterConfigWrite(s, off);
    };
    const pin = device.config.interruptPin;
    if (pin) device.config.setU8(PCI_INTERRUPT_LINE, intxGsi(slot, pin));
    device.attach?.(this.sinkFor(s));
    this.updateMappings(s);
    return address;
  }

  devices(): { address: PciAddress; device: PciDevice }[] {
    return [...this.slots.values()].map((s) => ({ address: s.address, device: s.device }));
  }

  /** Firmware-style assignment: give every BAR an aligned address in the windows, enable decode and bus mastering. */
  assignResources(w: PciWindows): void {
    let io = w.ioBase;
    let mem = w.mmioBase;
    for (const s of [...this.slots.values()].sort((a, b) => (a.address.device << 3 | a.address.function) - (b.address.device << 3 | b.address.function))) {
      const cfg = s.device.config;
      const bars = cfg.bars.filter((b) => b !== undefined).sort((a, b) => b.size - a.size);
      let cmd = cfg.command;
      for (const bar of bars) {
        if (bar.kind === 'io') {
          io = align(io, Math.max(bar.size, 4));
          if (io + bar.size > w.ioLimit) throw new Error(`PCI: I/O window exhausted assigning ${s.device.name} BAR${bar.index}`);
          cfg.setBarAddress(bar.index, io);
          io += bar.size;
          cmd |= PCI_COMMAND_IO;
        } else {
          const size = Math.max(bar.size, 0x1000);
          mem = align(mem, size);
          if (mem + size > w.mmioLimit) throw new Error(`PCI: MMIO window exhausted assigning ${s.device.name} BAR${bar.index}`);
          cfg.setBarAddress(bar.index, mem);
          mem += size;
          cmd |= PCI_COMMAND_MEMORY;
        }
      }
      if (bars.length) cfg.setU16(PCI_COMMAND, cmd | PCI_COMMAND_MASTER);
      this.updateMappings(s);
    }
  }

  /** System reset: devices back to power-on state, decodes off, config address cleared. */
  reset(): void {
    this.configAddress = 0;
    for (const s of this.slots.values()) {
      s.device.reset?.();
      this.updateMappings(s);
    }
  }

  // ---- configuration mechanism #1 ----
  /** Read `size` bytes of config space at CONFIG_ADDRESS's target + `byteOffset` (0..3). */
  configRead(byteOffset: number, size: AccessSize): number {
    const t = this.target();
    if (!t) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return t.slot.device.config.read(t.register + byteOffset, size);
  }

  configWrite(byteOffset: number, size: AccessSize, value: number): void {
    const t = this.target();
    if (t) t.slot.device.config.write(t.register + byteOffset, size, value);
  }

  private target(): { slot: Slot; register: number } | undefined {
    const a = this.configAddress;
    if ((a & 0x80000000) === 0) return undefined;
    const bus = (a >>> 16) & 0xff;
    const devfn = (a >>> 8) & 0xff;
    if (bus !== 0) return undefined;
    const slot = this.slots.get(devfn);
    return slot ? { slot, register: a & 0xfc } : undefined;
  }

  private addressHandler(): IoHandler {
    return {
      read: (off, size) => {
        if (size === 4 && off === 0) return this.configAddress;
        if (size === 1 && off === 1 && this.resetControl) return this.resetControl.read(0, 1);
        return 0xffffffff >>> (32 - 8 * size);
      },
      write: (off, size, value) => {
        // Only a dword write to 0xCF8 is CONFIG_ADDRESS; a byte write to 0xCF9 is the reset control register.
        if (size === 4 && off === 0) this.configAddress = (value & 0x80fffffc) >>> 0;
        else if (size === 1 && off === 1) this.resetControl?.write(0, 1, value);
      },
    };
  }

  private dataHandler(): IoHandler {
    return {
      read: (off, size) => this.configRead(off, size),
      write: (off, size, value) => this.configWrite(off, size, value),
    };
  }

  private afterConfigWrite(s: Slot, offset: number): void {
    if (offset <= PCI_COMMAND + 1 || (offset >= 0x10 && offset < 0x28)) this.updateMappings(s);
  }

  private updateMappings(s: Slot): void {
    const cfg = s.device.config;
    const cmd = cfg.command;
    for (let i = 0; i < 6; i++) {
      const bar = cfg.bars[i];
      const want = bar ? cfg.barAddress(i) : undefined;
      const enabled = bar && (bar.kind === 'io' ? cmd & PCI_COMMAND_IO : cmd & PCI_COMMAND_MEMORY);
      const cur = s.mapped[i];
      const target = enabled && want !== undefined ? want : undefined;
      if (cur && cur.base === target) continue;
      if (cur) {
        (bar!.kind === 'io' ? this.ports : this.mmio).unregister(cur);
        s.mapped[i] = undefined;
      }
      if (bar && target !== undefined) {
        const bus = bar.kind === 'io' ? this.ports : this.mmio;
        try {
          s.mapped[i] = bus.register(`${s.device.name} BAR${i}`, target, bar.size, bar.handler);
        } catch {
          // A guest may program a BAR over another range (e.g. while sizing); real hardware
          // would decode both ambiguously. We keep the BAR unmapped until it moves.
          s.mapped[i] = undefined;
        }
      }
    }
  }

  private sinkFor(s: Slot): PciInterruptSink {
    return {
      setIntx: (asserted) => {
        const pin = s.device.config.interruptPin;
        if (!pin || s.intx === asserted) return;
        s.intx = asserted;
        s.device.config.setInterruptStatus(asserted);
        const gsi = intxGsi(s.address.device, pin);
        let set = this.gsiAsserted.get(gsi);
        if (!set) this.gsiAsserted.set(gsi, (set = new Set()));
        const before = set.size > 0;
        if (asserted && !s.device.config.intxDisabled) set.add(s);
        else set.delete(s);
        if (before !== set.size > 0) this.irq.setIrqLevel(gsi, set.size > 0);
      },
      sendMsi: (address, data) => {
        if (s.device.config.busMaster) this.irq.sendMsi(address, data);
      },
    };
  }
}

function align(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}
