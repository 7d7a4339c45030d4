// Validates the ACPI tables with ACPICA's iasl (Debian package acpica-tools): each table is
// disassembled (`iasl -d`, which flags bad checksums and lengths) and the DSDT is recompiled
// from its disassembly with zero errors and zero warnings.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAcpiTables } from '../../../src/vmm/acpi/build.js';
import { checksum } from '../../../src/vmm/acpi/sdt.js';
import * as aml from '../../../src/vmm/acpi/aml.js';

const cfg = { vcpus: 2, serialPorts: [0, 1, 2, 3], mmio32: { base: 0xc0000000, limit: 0xfec00000 }, mmio64: { base: 0x80_0000_0000, limit: 0x100_0000_0000 } };

function iaslPresent(): boolean {
  return spawnSync('iasl', ['-v'], { encoding: 'utf8' }).status !== null;
}

describe('AML emitter', () => {
  it('encodes PkgLength in 1-4 bytes including itself', () => {
    expect([...aml.pkgLength(0x3e)]).toEqual([0x3f]);
    expect([...aml.pkgLength(0x3f)]).toEqual([0x41, 0x04]); // 0x41 total: 2 bytes
    expect([...aml.pkgLength(0xffc)]).toEqual([0x4e, 0xff]); // 0xffe total: 2 bytes
    expect([...aml.pkgLength(0x1000)]).toEqual([0x83, 0x00, 0x01]); // 0x1003 total: 3 bytes
  });
  it('encodes names, integers and EISA IDs', () => {
    expect([...aml.nameString('\\_SB.PCI0')]).toEqual([0x5c, 0x2e, 0x5f, 0x53, 0x42, 0x5f, 0x50, 0x43, 0x49, 0x30]);
    expect([...aml.nameString('RTC')]).toEqual([0x52, 0x54, 0x43, 0x5f]);
    expect([...aml.int(0)]).toEqual([0]);
    expect([...aml.int(0x1234)]).toEqual([0x0b, 0x34, 0x12]);
    expect([...aml.eisaId('PNP0A03')]).toEqual([0x0c, 0x41, 0xd0, 0x0a, 0x03]);
    expect(() => aml.nameString('toolong')).toThrow(/NameSeg/);
  });
});

describe('ACPI tables', () => {
  const t = buildAcpiTables(cfg, 0xe0000, 0xf0000);
  let dir = '';
  beforeAll(() => {
    if (!iaslPresent()) throw new Error('iasl not found: install Debian package acpica-tools (apt-get install -y acpica-tools)');
    dir = mkdtempSync(join(tmpdir(), 'wasmvirt-acpi-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  function disassemble(sig: string): string {
    const table = t.tables.find((x) => x.signature === sig)!;
    const file = join(dir, `${sig.toLowerCase()}.dat`);
    writeFileSync(file, table.bytes);
    const r = spawnSync('iasl', ['-d', file], { encoding: 'utf8', cwd: dir });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const dsl = readFileSync(file.replace(/\.dat$/, '.dsl'), 'utf8');
    expect(dsl).not.toMatch(/Incorrect checksum/);
    expect(dsl).not.toMatch(/\*\*\*\* /); // iasl's error markers
    return dsl;
  }

  it('places the RSDP with valid checksums in the BIOS area and links RSDT/XSDT -> FADT, MADT', () => {
    const rsdp = t.tables[0]!.bytes;
    expect(t.rsdp).toBe(0xe0000);
    expect(new TextDecoder().decode(rsdp.subarray(0, 8))).toBe('RSD PTR ');
    expect(checksum(rsdp, 0, 20)).toBe(0);
    expect(checksum(rsdp, 0, 36)).toBe(0);
    expect(rsdp[15]).toBe(2); // revision 2 (ACPI 2.0+), XSDT address at 24
    const view = new DataView(rsdp.buffer, rsdp.byteOffset);
    expect(view.getUint32(16, true)).toBe(t.tables.find((x) => x.signature === 'RSDT')!.address);
    expect(Number(view.getBigUint64(24, true))).toBe(t.tables.find((x) => x.signature === 'XSDT')!.address);
    const xsdt = disassemble('XSDT');
    const addr = (s: string) => t.tables.find((x) => x.signature === s)!.address;
    expect(xsdt).toMatch(new RegExp(`ACPI Table Address   0 : 0*${addr('FACP').toString(16).toUpperCase()}`));
    expect(xsdt).toMatch(new RegExp(`ACPI Table Address   1 : 0*${addr('APIC').toString(16).toUpperCase()}`));
    expect(disassemble('RSDT')).toMatch(/ACPI Table Address   1/);
  });

  it('has a FADT with the PM blocks, SCI 9, reset register 0xCF9 and a 32-bit PM timer', () => {
    const dsl = disassemble('FACP');
    expect(dsl).toMatch(/SCI Interrupt : 0009/);
    expect(dsl).toMatch(/PM1A Control Block Address : 00000604/);
    expect(dsl).toMatch(/PM Timer Block Address : 00000608/);
    expect(dsl).toMatch(/Address : 0000000000000CF9/);
    expect(dsl).toMatch(/Value to cause reset : 06/);
    expect(dsl).toMatch(/32-bit PM Timer \(V1\) : 1/);
    expect(dsl).toMatch(/Reset Register Supported \(V2\) : 1/);
    expect(dsl).toMatch(/RTC Century Index : 32/);
    disassemble('FACS');
  });

  it('has a MADT with one LAPIC per vCPU, the IOAPIC and the ISA overrides', () => {
    const dsl = disassemble('APIC');
    expect(dsl.match(/\[Processor Local APIC\]/g)?.length).toBe(2);
    expect(dsl).toMatch(/Address : FEC00000/);
    expect(dsl).toMatch(/Source : 00\s*\n.*Interrupt : 00000002/);
    expect(dsl).toMatch(/Source : 09\s*\n.*Interrupt : 00000009\s*\n.*Flags \(decoded below\) : 000D/);
  });

  it('has a DSDT that disassembles and recompiles cleanly with PCI0, _PRT, COM1-4, RTC and _S5', () => {
    const dsl = disassemble('DSDT');
    expect(dsl).toMatch(/Device \(PCI0\)[\s\S]*EisaId \("PNP0A03"\)/);
    expect(dsl).toMatch(/Name \(_PRT, Package \(0x80\)/);
    expect(dsl.match(/EisaId \("PNP0501"\)/g)?.length).toBe(4);
    expect(dsl).toMatch(/EisaId \("PNP0B00"\)/);
    expect(dsl).toMatch(/Name \(\\_S5, Package \(0x04\)[^\n]*\n\s*\{\s*Zero,\s*Zero/);
    expect(dsl).toMatch(/0x0003FFFF,\s*Zero,\s*Zero,\s*0x13/); // slot 3 INTA -> GSI 19
    const out = execFileSync('iasl', ['-p', join(dir, 'recompiled'), join(dir, 'dsdt.dsl')], { encoding: 'utf8', cwd: dir });
    expect(out).toMatch(/Compilation successful\. 0 Errors, 0 Warnings/);
  });

  it('clears TMR_VAL_EXT for a 24-bit PM timer', () => {
    const t24 = buildAcpiTables({ ...cfg, pmTimerBits: 24 }, 0xe0000, 0xf0000);
    const fadt = t24.tables.find((x) => x.signature === 'FACP')!.bytes;
    expect(new DataView(fadt.buffer).getUint32(112, true) & (1 << 8)).toBe(0);
    expect(checksum(fadt)).toBe(0);
  });

  it('refuses a layout that does not fit the reserved area', () => {
    expect(() => buildAcpiTables(cfg, 0xe0000, 0xe0100)).toThrow(/ACPI tables need/);
  });
});
