// PCI host bridge (configuration mechanism #1), chipset identities, BAR sizing/decode, INTx swizzle, MSI-X.
import { describe, expect, it } from 'vitest';
import { PortBus, MmioBus, type IoHandler } from '../../../src/vmm/bus/index.js';
import { PciConfigSpace, MsixCapability, type PciDevice, type PciInterruptSink } from '../../../src/vmm/pci/device.js';
import { PciHostBridge, intxGsi } from '../../../src/vmm/pci/host-bridge.js';
import { I440fxHostBridge, Piix3IsaBridge } from '../../../src/vmm/pci/chipset.js';

const cfgAddr = (dev: number, fn: number, reg: number) => (0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;

class TestDevice implements PciDevice {
  readonly name = 'testdev';
  readonly config = new PciConfigSpace({ vendorId: 0x1af4, deviceId: 0x1042, classCode: 0x010000, interruptPin: 1, subsystemId: 2 });
  sink!: PciInterruptSink;
  readonly msix: MsixCapability;
  readonly mem: IoHandler = { read: (off) => 0xab000000 + off, write: () => {} };
  constructor() {
    this.config.addBar({ index: 0, kind: 'io', size: 32, handler: { read: (off) => 0x40 + off, write: () => {} } });
    this.msix = new MsixCapability(this.config, { vectors: 3, tableBar: 1, tableOffset: 0, pbaBar: 1, pbaOffset: 0x800 });
    this.config.addBar({ index: 1, kind: 'mem32', size: 0x1000, handler: this.msix.barHandler() });
    this.config.addBar({ index: 4, kind: 'mem64', size: 0x4000, prefetchable: true, handler: this.mem });
  }
  attach(sink: PciInterruptSink): void { this.sink = sink; this.msix.setSink(sink); }
}

function setup() {
  const ports = new PortBus();
  const mmio = new MmioBus();
  const irqs: string[] = [];
  const cf9: number[] = [];
  const host = new PciHostBridge(ports, mmio, {
    setIrqLevel: (gsi, level) => irqs.push(`gsi${gsi}=${level ? 1 : 0}`),
    sendMsi: (a, d) => irqs.push(`msi ${a.toString(16)} ${d.toString(16)}`),
  }, { read: () => 0x02, write: (_o, _s, v) => cf9.push(v) });
  host.plug(new I440fxHostBridge(), 0);
  host.plug(new Piix3IsaBridge(), 1);
  const dev = new TestDevice();
  host.plug(dev, 3);
  const rd = (dev: number, reg: number, size: 1 | 2 | 4) => { ports.write(0xcf8, 4, cfgAddr(dev, 0, reg)); return ports.read(0xcfc + (reg & 3), size); };
  const wr = (dev: number, reg: number, size: 1 | 2 | 4, v: number) => { ports.write(0xcf8, 4, cfgAddr(dev, 0, reg)); ports.write(0xcfc + (reg & 3), size, v); };
  return { ports, mmio, host, dev, irqs, rd, wr, cf9 };
}

describe('PCI configuration mechanism #1', () => {
  it('reads the chipset identities with dword, word and byte accesses at offsets', () => {
    const { ports, rd } = setup();
    ports.write(0xcf8, 4, 0x80000000);
    expect(ports.read(0xcf8, 4)).toBe(0x80000000);
    expect(rd(0, 0, 4)).toBe(0x12378086);
    expect(rd(1, 0, 4)).toBe(0x70008086);
    expect(rd(1, 0x0a, 2)).toBe(0x0601); // ISA bridge class
    expect(rd(1, 0x0e, 1)).toBe(0x80);   // multi-function
    expect(rd(0, 0x0b, 1)).toBe(0x06);
    expect(rd(0, 0x02, 2)).toBe(0x1237);
    expect(rd(5, 0, 4)).toBe(0xffffffff); // empty slot
    ports.write(0xcf8, 4, 0x00000000); // enable bit clear
    expect(ports.read(0xcfc, 4)).toBe(0xffffffff);
  });
  it('sends byte accesses at 0xCF9 to the reset control register, dwords at 0xCF8 to CONFIG_ADDRESS', () => {
    const { ports, cf9 } = setup();
    ports.write(0xcf8, 4, 0x80000000);
    ports.write(0xcf9, 1, 0x06);
    expect(cf9).toEqual([0x06]);
    expect(ports.read(0xcf9, 1)).toBe(0x02);
    expect(ports.read(0xcf8, 4)).toBe(0x80000000);
  });
  it('keeps identity read-only and status error bits RW1C', () => {
    const { rd, wr, dev } = setup();
    wr(3, 0, 4, 0);
    expect(rd(3, 0, 4)).toBe(0x10421af4);
    dev.config.setU16(0x06, dev.config.getU16(0x06) | 0x2000); // received master abort
    wr(3, 0x06, 2, 0x2000);
    expect(rd(3, 0x06, 2) & 0x2000).toBe(0);
    expect(rd(3, 0x06, 2) & 0x10).toBe(0x10); // capability list stays
  });
  it('sizes BARs by writing all-ones, including 64-bit and I/O BARs', () => {
    const { rd, wr } = setup();
    wr(3, 0x10, 4, 0xffffffff);
    expect(rd(3, 0x10, 4)).toBe(0xffffffe1);
    wr(3, 0x14, 4, 0xffffffff);
    expect(rd(3, 0x14, 4)).toBe(0xfffff000);
    wr(3, 0x20, 4, 0xffffffff);
    wr(3, 0x24, 4, 0xffffffff);
    expect(rd(3, 0x20, 4)).toBe(0xffffc00c); // 64-bit, prefetchable
    expect(rd(3, 0x24, 4)).toBe(0xffffffff);
    expect(rd(3, 0x18, 4)).toBe(0); // unimplemented BAR2
  });
  it('maps BARs on the buses only while decode is enabled, and remaps on move', () => {
    const { rd, wr, ports, mmio } = setup();
    wr(3, 0x10, 4, 0xc000);
    wr(3, 0x20, 4, 0xe0000000);
    wr(3, 0x24, 4, 0x1);
    expect(ports.read(0xc004, 1)).toBe(0xff);
    wr(3, 0x04, 2, 0x3);
    expect(ports.read(0xc004, 1)).toBe(0x44);
    expect(mmio.read(0x1_e000_0010, 4)).toBe(0xab000010);
    wr(3, 0x10, 4, 0xd000);
    expect(ports.read(0xc004, 1)).toBe(0xff);
    expect(ports.read(0xd001, 1)).toBe(0x41);
    wr(3, 0x04, 2, 0x0);
    expect(ports.read(0xd001, 1)).toBe(0xff);
    expect(rd(3, 0x04, 2)).toBe(0);
  });
  it('assigns resources firmware-style inside the windows', () => {
    const { host, dev, mmio, ports } = setup();
    host.assignResources({ ioBase: 0xc000, ioLimit: 0x10000, mmioBase: 0xc0000000, mmioLimit: 0xfec00000 });
    const io = dev.config.barAddress(0)!;
    const m64 = dev.config.barAddress(4)!;
    expect(io).toBeGreaterThanOrEqual(0xc000);
    expect(ports.read(io + 2, 1)).toBe(0x42);
    expect(m64 % 0x4000).toBe(0);
    expect(mmio.read(m64 + 4, 4)).toBe(0xab000004);
  });
});

describe('INTx routing and MSI-X', () => {
  it('swizzles pins to PIRQ A-D -> GSI 16-19 and wire-ORs the line', () => {
    expect(intxGsi(0, 1)).toBe(16);
    expect(intxGsi(3, 1)).toBe(19);
    expect(intxGsi(3, 2)).toBe(16);
    const { dev, irqs, rd, wr } = setup();
    expect(rd(3, 0x3c, 1)).toBe(19);
    expect(rd(3, 0x3d, 1)).toBe(1);
    dev.sink.setIntx(true);
    dev.sink.setIntx(true);
    expect(rd(3, 0x06, 2) & 0x8).toBe(0x8);
    dev.sink.setIntx(false);
    expect(irqs).toEqual(['gsi19=1', 'gsi19=0']);
    wr(3, 0x04, 2, 0x400); // INTx disable
    dev.sink.setIntx(true);
    expect(irqs.length).toBe(2);
  });
  it('walks the capability list to MSI-X and delivers, masks and flushes pending vectors', () => {
    const { dev, irqs, rd, wr, mmio } = setup();
    expect(rd(3, 0x34, 1)).toBe(0x40);
    expect(rd(3, 0x40, 1)).toBe(0x11);
    expect(rd(3, 0x42, 2)).toBe(2); // table size - 1
    expect(rd(3, 0x44, 4)).toBe(0x1); // table in BAR1 at 0
    expect(rd(3, 0x48, 4)).toBe(0x801);
    wr(3, 0x14, 4, 0xfebf0000);
    wr(3, 0x04, 2, 0x6); // memory + bus master
    expect(dev.msix.notify(0)).toBe(false); // MSI-X disabled
    wr(3, 0x42, 2, 0x8000);
    mmio.write(0xfebf0010, 4, 0xfee00000);
    mmio.write(0xfebf0018, 4, 0x41);
    expect(mmio.read(0xfebf001c, 4)).toBe(1); // masked out of reset
    dev.msix.notify(1);
    expect(irqs).toEqual([]);
    expect(mmio.read(0xfebf0800, 4)).toBe(0b10);
    mmio.write(0xfebf001c, 4, 0); // unmask -> pending message goes out
    expect(irqs).toEqual(['msi fee00000 41']);
    expect(mmio.read(0xfebf0800, 4)).toBe(0);
    wr(3, 0x42, 2, 0xc000); // function mask
    dev.msix.notify(1);
    expect(irqs.length).toBe(1);
    wr(3, 0x42, 2, 0x8000);
    expect(irqs).toEqual(['msi fee00000 41', 'msi fee00000 41']);
  });
});
