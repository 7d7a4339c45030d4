// A 128 KiB "BIOS" image for QEMU that hands a guest over exactly as our pc machine would: it holds
// our 0xE0000-0xFFFFF (ACPI tables, MP tables); at reset it programs the PIIX4 PM I/O base to our
// ACPI PM block (0x600), loads our boot GDT (at 0x500, in RAM through -device loader) and enters
// the loader's entry state: 32-bit protected mode, or long mode with our page tables (CR4.PAE,
// CR3, EFER.LME, then CR0.PE|PG together and a far jump to the 64-bit code selector).

import type { BootCpuState } from '../../../src/vmm/loader/boot-state.js';

const ROM_BASE = 0xe0000;
const ROM_SIZE = 0x20000;
const REAL_STUB = 0xfe000;  // 16-bit code, CS = 0xF000
const STUB = 0xfe100;       // 32- or 64-bit code
const GDTR = 0xfe200;

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le64 = (v: number) => [...le32(v % 2 ** 32), ...le32(Math.floor(v / 2 ** 32))];

export function buildQemuFirmware(biosArea: Uint8Array, entry: BootCpuState): Uint8Array {
  const rom = new Uint8Array(ROM_SIZE);
  rom.set(biosArea.subarray(0, ROM_SIZE));
  const put = (addr: number, bytes: number[]) => {
    if (rom.subarray(addr - ROM_BASE, addr - ROM_BASE + bytes.length).some((b) => b !== 0)) throw new Error(`trampoline at 0x${addr.toString(16)} would overwrite firmware tables`);
    rom.set(bytes, addr - ROM_BASE);
  };
  const long = entry.mode === 'long64';
  const outl = (port: number, value: number) => [0x66, 0xb8, ...le32(value), 0xba, ...le16(port), 0x66, 0xef];
  const real = [
    0xfa, // cli
    ...outl(0xcf8, 0x80000b40), ...outl(0xcfc, 0x601),                        // 00:01.3 PMBA = 0x600 | I/O
    ...outl(0xcf8, 0x80000b80), 0xba, ...le16(0xcfc), 0xb0, 0x01, 0xee,       // PMREGMISC.PMIOSE = 1
    0x2e, 0x66, 0x0f, 0x01, 0x16, ...le16(GDTR - 0xf0000),                   // lgdt cs:[GDTR]
    ...(long ? [
      0x66, 0xb8, ...le32(entry.cr4), 0x0f, 0x22, 0xe0,                       // mov eax, cr4 value; mov cr4, eax
      0x66, 0xb8, ...le32(entry.cr3), 0x0f, 0x22, 0xd8,                       // mov eax, pml4; mov cr3, eax
      0x66, 0xb9, ...le32(0xc0000080), 0x0f, 0x32,                            // rdmsr EFER
      0x66, 0x0d, ...le32(0x100), 0x0f, 0x30,                                 // or eax, LME; wrmsr
    ] : []),
    0x66, 0xb8, ...le32(entry.cr0), 0x0f, 0x22, 0xc0,                         // mov eax, cr0 value; mov cr0, eax
    0x66, 0xea, ...le32(STUB), ...le16(entry.cs.selector),                   // jmp dword CS:STUB
  ];
  const ds = entry.ds.selector;
  const segs = [0x66, 0xb8, ...le16(ds), 0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8];
  const stub = long
    ? [...segs, 0x48, 0xbe, ...le64(entry.rsi), 0x48, 0xbb, ...le64(entry.rbx), 0x48, 0xbc, ...le64(entry.rsp || 0x8ff0),
      0x48, 0xb9, ...le64(entry.rip), 0xff, 0xe1]
    : [...segs, 0xbb, ...le32(entry.rbx), 0xb8, ...le32(entry.rax), 0xbe, ...le32(entry.rsi),
      0xbc, ...le32(entry.rsp || 0x8ff0), 0x31, 0xff, 0x31, 0xed, 0xb9, ...le32(entry.rip), 0xff, 0xe1];
  put(REAL_STUB, real);
  put(STUB, stub);
  put(GDTR, [...le16(entry.gdt.limit), ...le32(entry.gdt.base)]);
  put(0xffff0, [0xea, ...le16(REAL_STUB - 0xf0000), ...le16(0xf000)]);     // reset vector: jmp f000:e000
  return rom;
}
