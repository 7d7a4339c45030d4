// The boot GDT and identity-mapped page tables the loaders set up (Linux boot protocol
// "64-bit boot protocol": flat __BOOT_CS = 0x10 and __BOOT_DS = 0x18; Intel SDM vol. 3 §4.5 for
// 4-level paging with 2 MiB pages). The GDT holds: 0 null, 0x08 null, 0x10 code (64-bit or 32-bit),
// 0x18 data, 0x20 a 32-bit TSS descriptor (base 0, limit 0x67) for PVH's %tr requirement.
// Invariant: the page tables identity-map the first 4 GiB, read/write, supervisor.

import { BOOT } from '../machine/layout.js';
import type { GuestMemoryWriter } from './guest-memory.js';
import {
  ATTR_CODE32, ATTR_CODE64, ATTR_DATA, ATTR_LDT, ATTR_TSS32, CR0_ET, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME,
  RFLAGS_RESERVED, type BootCpuState, type BootMode, type SegmentState,
} from './boot-state.js';

export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;
export const BOOT_TSS = 0x20;
const GDT_ENTRIES = 5;

/** An 8-byte segment descriptor from base/limit/access-rights (SDM vol. 3 §3.4.5). */
export function descriptor(base: number, limit: number, attributes: number): bigint {
  const lim = BigInt(limit);
  const b = BigInt(base);
  const access = BigInt(attributes & 0xff);
  const flags = BigInt((attributes >> 12) & 0xf);
  return (lim & 0xffffn) | ((b & 0xffffffn) << 16n) | (access << 40n) | (((lim >> 16n) & 0xfn) << 48n) | (flags << 52n) | (((b >> 24n) & 0xffn) << 56n);
}

export function writeBootGdt(mem: GuestMemoryWriter, mode: BootMode): void {
  const gdt = new DataView(new ArrayBuffer(GDT_ENTRIES * 8));
  gdt.setBigUint64(BOOT_CS, descriptor(0, 0xfffff, mode === 'long64' ? ATTR_CODE64 : ATTR_CODE32), true);
  gdt.setBigUint64(BOOT_DS, descriptor(0, 0xfffff, ATTR_DATA), true);
  gdt.setBigUint64(BOOT_TSS, descriptor(0, 0x67, ATTR_TSS32), true);
  mem.write(BOOT.gdt, new Uint8Array(gdt.buffer));
}

/** PML4 -> PDPT -> 4 page directories of 2 MiB pages: identity map of [0, 4 GiB). */
export function writeIdentityPageTables(mem: GuestMemoryWriter): number {
  const P = 1n, RW = 2n, PS = 0x80n;
  const table = (fill: (i: number) => bigint, n = 512) => {
    const v = new DataView(new ArrayBuffer(4096));
    for (let i = 0; i < n; i++) v.setBigUint64(i * 8, fill(i), true);
    return new Uint8Array(v.buffer);
  };
  mem.write(BOOT.pml4, table(() => BigInt(BOOT.pdpt) | P | RW, 1));
  mem.write(BOOT.pdpt, table((i) => BigInt(BOOT.pd + i * 4096) | P | RW, 4));
  for (let d = 0; d < 4; d++) mem.write(BOOT.pd + d * 4096, table((i) => (BigInt(d * 512 + i) << 21n) | P | RW | PS));
  return BOOT.pml4;
}

const seg = (selector: number, attributes: number, limit = 0xffffffff): SegmentState => ({ selector, base: 0, limit, attributes });

/** Register state for a flat entry: 64-bit long mode with paging, or 32-bit protected mode without. */
export function flatEntryState(mode: BootMode, rip: number, args: { rsi?: number; rbx?: number; rax?: number; rsp?: number } = {}): BootCpuState {
  const long = mode === 'long64';
  const data = seg(BOOT_DS, ATTR_DATA);
  return {
    mode, rip, rsp: args.rsp ?? 0, rflags: RFLAGS_RESERVED,
    rax: args.rax ?? 0, rbx: args.rbx ?? 0, rsi: args.rsi ?? 0,
    cr0: long ? CR0_PG | CR0_ET | CR0_PE : CR0_ET | CR0_PE,
    cr3: long ? BOOT.pml4 : 0,
    cr4: long ? CR4_PAE : 0,
    efer: long ? EFER_LME | EFER_LMA : 0,
    gdt: { base: BOOT.gdt, limit: GDT_ENTRIES * 8 - 1 },
    idt: { base: 0, limit: 0 },
    cs: seg(BOOT_CS, long ? ATTR_CODE64 : ATTR_CODE32),
    ds: data, es: data, ss: data, fs: data, gs: data,
    tr: seg(BOOT_TSS, ATTR_TSS32, 0x67),
    ldtr: seg(0, ATTR_LDT, 0xffff),
  };
}
