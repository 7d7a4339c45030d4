// Port and MMIO buses: dispatch by range and size, all-ones for unassigned accesses, overlap refused.
import { describe, expect, it } from 'vitest';
import { PortBus, MmioBus, BusConflictError, type IoHandler, type AccessSize } from '../../../src/vmm/bus/index.js';

function recorder(): IoHandler & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    read: (off: number, size: AccessSize) => { log.push(`r${off}/${size}`); return 0x12345678 + off; },
    write: (off: number, size: AccessSize, v: number) => { log.push(`w${off}/${size}=${v.toString(16)}`); },
  };
}

describe('PortBus', () => {
  it('dispatches to the range with offsets relative to its base, masked to the access size', () => {
    const bus = new PortBus();
    const h = recorder();
    bus.register('uart', 0x3f8, 8, h);
    expect(bus.read(0x3fa, 1)).toBe(0x7a);
    expect(bus.read(0x3f8, 2)).toBe(0x5678);
    bus.write(0x3ff, 1, 0x1ff);
    expect(h.log).toEqual(['r2/1', 'r0/2', 'w7/1=ff']);
  });
  it('reads unassigned ports as all-ones of the width and drops writes', () => {
    const bus = new PortBus();
    bus.register('x', 0x80, 1, recorder());
    expect(bus.read(0x81, 1)).toBe(0xff);
    expect(bus.read(0x7f, 2)).toBe(0xffff);
    expect(bus.read(0x1234, 4)).toBe(0xffffffff);
    bus.write(0x1234, 4, 1);
    expect(bus.unassignedAccesses).toBe(4);
  });
  it('refuses overlapping registrations and names both devices', () => {
    const bus = new PortBus();
    bus.register('com1', 0x3f8, 8, recorder());
    expect(() => bus.register('other', 0x3ff, 2, recorder())).toThrow(BusConflictError);
    expect(() => bus.register('other', 0x3f0, 9, recorder())).toThrow(/other.*overlaps com1/);
    bus.register('adjacent', 0x3f0, 8, recorder());
    bus.register('adjacent2', 0x400, 8, recorder());
    expect(bus.ranges().map((r) => r.name)).toEqual(['adjacent', 'com1', 'adjacent2']);
    expect(() => bus.register('too-far', 0xfffe, 4, recorder())).toThrow(RangeError);
  });
  it('unregisters ranges', () => {
    const bus = new PortBus();
    const r = bus.register('a', 0x10, 4, recorder());
    expect(bus.unregister(r)).toBe(true);
    expect(bus.read(0x10, 1)).toBe(0xff);
    bus.register('b', 0x10, 4, recorder());
  });
});

describe('MmioBus', () => {
  it('splits 8-byte accesses into two dwords unless the handler has read64', () => {
    const bus = new MmioBus();
    const h = recorder();
    bus.register('dev', 0xfe000000, 0x1000, h);
    expect(bus.readData(0xfe000010, 8)).toBe((BigInt(0x12345678 + 0x14) << 32n) | BigInt(0x12345678 + 0x10));
    bus.writeData(0xfe000020, 8, 0x1122334455667788n);
    expect(h.log.slice(2)).toEqual(['w32/4=55667788', 'w36/4=11223344']);
    const wide: IoHandler = { read: () => 0, write: () => {}, read64: (off) => BigInt(off) << 40n };
    bus.register('wide', 0x1_0000_0000, 0x100, wide);
    expect(bus.readData(0x1_0000_0008, 8)).toBe(8n << 40n);
  });
  it('returns all-ones for holes and refuses overlap', () => {
    const bus = new MmioBus();
    bus.register('a', 0xc0000000, 0x1000, recorder());
    expect(bus.readData(0xd0000000, 8)).toBe(0xffffffffffffffffn);
    expect(bus.read(0xd0000000, 2)).toBe(0xffff);
    expect(() => bus.register('b', 0xc0000800, 0x1000, recorder())).toThrow(/b.*overlaps a/);
  });
});
