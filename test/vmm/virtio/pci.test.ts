// pci.test.ts — a virtio function on the pc machine's PCI bus, found and driven only through
// configuration cycles (0xCF8/0xCFC) and MMIO, the way Linux's virtio_pci_modern probes it:
// identity, the capability chain, BAR4 programming, the PCI_CFG window, MSI-X and INTx.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/vmm/bus/port-bus.js';
import { MmioBus } from '../../../src/vmm/bus/mmio-bus.js';
import { PciHostBridge } from '../../../src/vmm/pci/host-bridge.js';
import { VirtioPciFunction } from '../../../src/vmm/virtio/pci.js';
import { VirtioRng } from '../../../src/vmm/virtio/devices/rng.js';
import { FlatGuestMemory } from '../../../src/vmm/virtio/memory.js';
import * as S from '../../../src/vmm/virtio/spec.js';
import { GuestHeap, TestDriverQueue } from './driver.js';

const SLOT = 3;
const BAR4 = 0xfe000000;
const BAR1 = 0xfebff000;

function machine() {
  const ports = new PortBus();
  const mmio = new MmioBus();
  const msis: [number, number][] = [];
  const levels = new Map<number, boolean>();
  const bridge = new PciHostBridge(ports, mmio, {
    setIrqLevel: (gsi, level) => levels.set(gsi, level),
    sendMsi: (a, d) => msis.push([a, d]),
  });
  const mem = new FlatGuestMemory(1 << 20);
  const fn = new VirtioPciFunction(new VirtioRng(), mem);
  bridge.plug(fn, SLOT);
  const cfg = (off: number, size: 1 | 2 | 4 = 4, value?: number) => {
    ports.write(0xcf8, 4, (0x80000000 | (SLOT << 11) | (off & 0xfc)) >>> 0);
    if (value === undefined) return ports.read(0xcfc + (off & 3), size);
    ports.write(0xcfc + (off & 3), size, value);
    return 0;
  };
  return { ports, mmio, msis, levels, mem, fn, cfg };
}

describe('virtio-pci function', () => {
  it('has the modern virtio identity', () => {
    const { cfg } = machine();
    expect(cfg(0x00)).toBe(((0x1040 + S.VIRTIO_ID_RNG) << 16 | 0x1af4) >>> 0);
    expect(cfg(0x08) & 0xff).toBe(1); // revision 1: modern only
    expect(cfg(0x2c) & 0xffff).toBe(0x1af4);
  });

  it('lists common, ISR, notify and PCI_CFG vendor capabilities pointing into BAR4', () => {
    const { cfg } = machine();
    const found: Record<number, { bar: number; offset: number; length: number }> = {};
    let msix = false;
    for (let p = cfg(0x34, 1); p; p = cfg(p + 1, 1)) {
      const id = cfg(p, 1);
      if (id === 0x11) msix = true;
      if (id !== 0x09) continue;
      found[cfg(p + 3, 1)] = { bar: cfg(p + 4, 1), offset: cfg(p + 8), length: cfg(p + 12) };
    }
    expect(msix).toBe(true);
    expect(found[S.VIRTIO_PCI_CAP_COMMON_CFG]).toEqual({ bar: 4, offset: 0, length: S.COMMON_CFG_SIZE });
    expect(found[S.VIRTIO_PCI_CAP_ISR_CFG]?.bar).toBe(4);
    expect(found[S.VIRTIO_PCI_CAP_NOTIFY_CFG]?.bar).toBe(4);
    expect(found[S.VIRTIO_PCI_CAP_PCI_CFG]).toBeDefined();
  });

  it('is driven through BAR4 MMIO once memory decode is on, and raises MSI-X', () => {
    const m = machine();
    m.cfg(0x10 + 4 * 4, 4, BAR4);
    m.cfg(0x10 + 4 * 5, 4, 0);
    m.cfg(0x10 + 4 * 1, 4, BAR1);
    m.cfg(0x04, 2, 0x0006); // memory space + bus master
    expect(m.mmio.read(BAR4 + S.COMMON_NUM_QUEUES, 2)).toBe(1);
    // MSI-X: enable, program vector 1 (the queue's) with an address/data
    const msixCap = m.fn.msix.capOffset;
    m.mmio.write(BAR1 + 16 + 0, 4, 0xfee00000);
    m.mmio.write(BAR1 + 16 + 8, 4, 0x41);
    m.mmio.write(BAR1 + 16 + 12, 4, 0);
    m.cfg(msixCap + 2, 2, 0x8000);
    const w = (off: number, size: 1 | 2 | 4, v: number) => m.mmio.write(BAR4 + off, size, v);
    w(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER);
    w(S.COMMON_DRIVER_FEATURE_SELECT, 4, 1);
    w(S.COMMON_DRIVER_FEATURE, 4, 1);
    w(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER | S.STATUS_FEATURES_OK);
    const q = new TestDriverQueue(m.mem, new GuestHeap(0x1000), 8);
    w(S.COMMON_QUEUE_SELECT, 2, 0);
    w(S.COMMON_QUEUE_SIZE, 2, 8);
    w(S.COMMON_QUEUE_DESC, 4, q.descAddr);
    w(S.COMMON_QUEUE_DRIVER, 4, q.availAddr);
    w(S.COMMON_QUEUE_DEVICE, 4, q.usedAddr);
    w(S.COMMON_QUEUE_MSIX_VECTOR, 2, 1);
    w(S.COMMON_QUEUE_ENABLE, 2, 1);
    w(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER | S.STATUS_FEATURES_OK | S.STATUS_DRIVER_OK);
    q.add([{ in: 16 }]);
    w(0x3000, 2, 0); // notify queue 0
    expect(q.takeUsed()).toEqual([{ id: 0, len: 16 }]);
    expect(m.msis).toEqual([[0xfee00000, 0x41]]);
  });

  it('falls back to INTx on its PIRQ line, and the ISR read lowers it', () => {
    const m = machine();
    m.cfg(0x10 + 4 * 4, 4, BAR4);
    m.cfg(0x04, 2, 0x0006);
    const gsi = m.cfg(0x3c, 1);
    m.fn.regs.fail('test failure');
    expect(m.levels.get(gsi)).toBe(undefined); // not DRIVER_OK yet: no config interrupt
    m.mmio.write(BAR4 + S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE);
    m.mmio.write(BAR4 + S.COMMON_DEVICE_STATUS, 1, 0);
    m.fn.regs['status'] = S.STATUS_DRIVER_OK;
    m.fn.regs.fail('ring broken');
    expect(m.levels.get(gsi)).toBe(true);
    expect(m.mmio.read(BAR4 + 0x1000, 1)).toBe(S.ISR_CONFIG);
    expect(m.levels.get(gsi)).toBe(false);
  });

  it('reaches BAR registers through the VIRTIO_PCI_CAP_PCI_CFG window', () => {
    const m = machine();
    let at = 0;
    for (let p = m.cfg(0x34, 1); p; p = m.cfg(p + 1, 1)) if (m.cfg(p, 1) === 9 && m.cfg(p + 3, 1) === S.VIRTIO_PCI_CAP_PCI_CFG) at = p;
    m.cfg(at + 4, 1, 4);
    m.cfg(at + 8, 4, S.COMMON_NUM_QUEUES);
    m.cfg(at + 12, 4, 2);
    expect(m.cfg(at + 16, 2)).toBe(1);
  });
});
