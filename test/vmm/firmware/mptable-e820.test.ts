// MP tables (floating pointer, PCMP entries), the memory layout and the e820 map.
import { describe, expect, it } from 'vitest';
import { buildMpTables } from '../../../src/vmm/firmware/mptable.js';
import { checksum } from '../../../src/vmm/acpi/sdt.js';
import { buildE820, E820_RAM, E820_RESERVED } from '../../../src/vmm/loader/e820.js';
import { memoryLayout, MiB, GiB } from '../../../src/vmm/machine/layout.js';

describe('MP tables', () => {
  const base = 0xf0000;
  const t = buildMpTables({ vcpus: 2, pciInterrupts: [{ slot: 3, pin: 1 }, { slot: 4, pin: 2 }] }, base);
  const v = new DataView(t.buffer);
  it('has a valid floating pointer that points at a valid PCMP table', () => {
    expect(new TextDecoder().decode(t.subarray(0, 4))).toBe('_MP_');
    expect(checksum(t, 0, 16)).toBe(0);
    expect(v.getUint32(4, true)).toBe(base + 16);
    expect(t[9]).toBe(4); // spec revision 1.4
    expect(new TextDecoder().decode(t.subarray(16, 20))).toBe('PCMP');
    const len = v.getUint16(20, true);
    expect(16 + len).toBe(t.length);
    expect(checksum(t, 16, 16 + len)).toBe(0);
  });
  it('lists processors, buses, the IOAPIC and interrupt assignments', () => {
    const count = v.getUint16(16 + 34, true);
    let o = 16 + 44;
    const kinds: number[] = [];
    const ioints: number[][] = [];
    for (let i = 0; i < count; i++) {
      const type = t[o]!;
      kinds.push(type);
      if (type === 3) ioints.push([t[o + 1]!, v.getUint16(o + 2, true), t[o + 4]!, t[o + 5]!, t[o + 7]!]);
      o += type === 0 ? 20 : 8;
    }
    expect(o).toBe(t.length);
    expect(kinds.filter((k) => k === 0).length).toBe(2);
    expect(kinds.filter((k) => k === 1).length).toBe(2);
    expect(kinds.filter((k) => k === 2).length).toBe(1);
    expect(ioints).toContainEqual([0, 0, 1, 0, 2]);       // ISA IRQ0 -> pin 2
    expect(ioints).toContainEqual([0, 0, 1, 4, 4]);       // COM1
    expect(ioints).toContainEqual([0, 0x0f, 0, 12, 19]);  // PCI 00:03 INTA -> GSI 19
    expect(ioints).toContainEqual([0, 0x0f, 0, 17, 17]);  // PCI 00:04 INTB -> GSI 17
  });
});

describe('memory layout and e820', () => {
  it('keeps RAM below the PCI hole and puts the rest above 4 GiB', () => {
    const small = memoryLayout(256 * MiB);
    expect(small.ramRegions).toEqual([{ gpa: 0, size: 256 * MiB }]);
    const big = memoryLayout(4 * GiB);
    expect(big.ramRegions).toEqual([{ gpa: 0, size: 3 * GiB }, { gpa: 4 * GiB, size: GiB }]);
    expect(() => memoryLayout(1 * MiB)).toThrow(/minimum/);
    expect(() => memoryLayout(16 * MiB + 1)).toThrow(/4 KiB/);
  });
  it('builds a sorted, non-overlapping map with the BIOS areas reserved', () => {
    const map = buildE820(memoryLayout(4 * GiB));
    for (let i = 1; i < map.length; i++) expect(map[i]!.addr).toBeGreaterThanOrEqual(map[i - 1]!.addr + map[i - 1]!.size);
    expect(map.filter((e) => e.type === E820_RAM).reduce((n, e) => n + e.size, 0)).toBe(4 * GiB - 0x100000 + 0x9fc00);
    expect(map).toContainEqual({ addr: 0xe0000, size: 0x20000, type: E820_RESERVED });
  });
});
