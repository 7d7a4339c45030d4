// The device set of the pc machine, wired to the port and MMIO buses: COM1-COM4 (16550A), the
// CMOS RTC, the PCI host bridge (i440FX + PIIX3 + plugged devices), System Control Port A (0x92),
// the POST port (0x80), the reset control register (0xCF9), the i8042 (0x60/0x64), isa-debug-exit
// (0xF4) and the ACPI PM block (0x600). The PIC, PIT, IOAPIC and LAPIC are in the core.
// Invariants: devices raise interrupts only through `irq` (ISA IRQ n = GSI n; PCI INTx on GSI
// 16-19; MSI through `msi`) and end the VM only through `end`; every device registration that
// overlaps another throws at construction.

import { MmioBus } from '../bus/mmio-bus.js';
import { PortBus } from '../bus/port-bus.js';
import type { CharBackend } from '../chardev/backend.js';
import { I440fxHostBridge, Piix3IsaBridge } from '../pci/chipset.js';
import type { PciDevice } from '../pci/device.js';
import { PciHostBridge } from '../pci/host-bridge.js';
import { AcpiPm, ACPI_PM_BASE, ACPI_PM_LENGTH, SCI_IRQ } from '../platform/acpi-pm.js';
import { IsaDebugExit, DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE } from '../platform/debug-exit.js';
import { I8042 } from '../platform/i8042.js';
import { PostCodePort, ResetControl, SystemControlPortA } from '../platform/system-control.js';
import { CmosRtc, type Clock } from '../rtc/cmos.js';
import { COM_PORTS, Uart16550 } from '../uart/uart16550.js';
import type { EndVm } from './end-state.js';
import { PCI_IO, PCI_MMIO32, type MemoryLayout } from './layout.js';

export interface InterruptLines {
  /** Drive a GSI (ISA IRQs 0-15 are GSIs 0-15). */
  irq(gsi: number, level: boolean): void;
  msi(address: number, data: number): void;
}

export interface PcDeviceOptions {
  layout: MemoryLayout;
  vcpus: number;
  /** Backends of COM1..COM4; a missing entry means no UART at that port (reads float to 0xFF). */
  serial: readonly (CharBackend | undefined)[];
  pciDevices?: readonly PciDevice[];
  acpi: boolean;
  clock?: Clock;
  monotonic?: () => number;
}

export interface PcDevices {
  ports: PortBus;
  mmio: MmioBus;
  uarts: (Uart16550 | undefined)[];
  rtc: CmosRtc;
  pci: PciHostBridge;
  pm?: AcpiPm;
  i8042: I8042;
  /** PCI functions with INTx pins, for the MP table. */
  pciInterrupts: { slot: number; pin: number }[];
}

/** First PCI slot for user devices (0 = host bridge, 1 = ISA bridge). */
export const FIRST_DEVICE_SLOT = 2;

export function buildPcDevices(o: PcDeviceOptions, lines: InterruptLines, end: EndVm): PcDevices {
  const ports = new PortBus();
  const mmio = new MmioBus();
  const uarts = COM_PORTS.map((com, i) => {
    const backend = o.serial[i];
    if (!backend) return undefined;
    const uart = new Uart16550(backend, (level) => lines.irq(com.irq, level));
    ports.register(com.name, com.base, 8, uart);
    return uart;
  });
  const rtc = new CmosRtc((level) => lines.irq(8, level), o.clock, { lowMemory: o.layout.lowMemory, highMemory: o.layout.highMemory, vcpus: o.vcpus });
  ports.register('cmos', 0x70, 2, rtc);
  ports.register('port92', 0x92, 1, new SystemControlPortA(end));
  ports.register('post', 0x80, 1, new PostCodePort());
  const i8042 = new I8042(end, (irq, level) => lines.irq(irq, level));
  ports.register('i8042-data', 0x60, 1, i8042.data);
  ports.register('i8042-status', 0x64, 1, i8042.control);
  ports.register('isa-debug-exit', DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE, new IsaDebugExit(end));
  let pm: AcpiPm | undefined;
  if (o.acpi) {
    pm = new AcpiPm(end, (level) => lines.irq(SCI_IRQ, level), o.monotonic);
    ports.register('acpi-pm', ACPI_PM_BASE, ACPI_PM_LENGTH, pm);
  }
  const pci = new PciHostBridge(ports, mmio, { setIrqLevel: lines.irq, sendMsi: lines.msi }, new ResetControl(end));
  pci.plug(new I440fxHostBridge(), 0);
  pci.plug(new Piix3IsaBridge(), 1);
  const pciInterrupts: { slot: number; pin: number }[] = [];
  (o.pciDevices ?? []).forEach((d, i) => {
    const slot = FIRST_DEVICE_SLOT + i;
    pci.plug(d, slot);
    if (d.config.interruptPin) pciInterrupts.push({ slot, pin: d.config.interruptPin });
  });
  pci.assignResources({ ioBase: PCI_IO.base, ioLimit: PCI_IO.limit, mmioBase: PCI_MMIO32.base, mmioLimit: PCI_MMIO32.limit });
  return { ports, mmio, uarts, rtc, pci, pm, i8042, pciInterrupts };
}
