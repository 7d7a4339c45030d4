// The PVH boot ABI (Xen docs/misc/pvh.pandoc; xen/include/public/arch-x86/hvm/start_info.h) for ELF
// kernels carrying XEN_ELFNOTE_PHYS32_ENTRY (note "Xen", type 18): PT_LOAD segments go to their
// physical addresses, hvm_start_info (magic 0x336ec578, version 1) carries the command line, the
// initrd as module 0, the RSDP and the e820 memory map; entry is 32-bit flat protected mode with
// paging off, EBX = hvm_start_info, CS/DS/ES/SS flat, TR a 32-bit TSS (base 0, limit 0x67).
// Invariant: every check (note present, segments inside RAM, initrd fits, cmdline length) runs
// before guest memory is written.

import { BOOT } from '../machine/layout.js';
import { fail } from './errors.js';
import { ramEndBelow, type E820Entry } from './e820.js';
import { elfNotes, parseElf, PT_LOAD, type ElfImage } from './elf.js';
import { flatEntryState, writeBootGdt } from './gdt.js';
import type { KernelLoadInput, LoadedKernel } from './types.js';

export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
export const HVM_START_MAGIC = 0x336ec578;
const START_INFO_SIZE = 56;
const MODLIST_ENTRY_SIZE = 32;
const MEMMAP_ENTRY_SIZE = 24;
const PAGE = 0x1000;
/** Linux's PVH kernels accept up to COMMAND_LINE_SIZE (2048) bytes; we allow what our buffer holds. */
const PVH_CMDLINE_MAX = 2048 - 1;

/** The PVH entry point of an ELF kernel, or undefined if it has no XEN_ELFNOTE_PHYS32_ENTRY note. */
export function pvhEntry(f: Uint8Array, elf: ElfImage = parseElf(f)): number | undefined {
  for (const n of elfNotes(f, elf)) {
    if (n.name !== 'Xen' || n.type !== XEN_ELFNOTE_PHYS32_ENTRY) continue;
    const v = new DataView(n.desc.buffer, n.desc.byteOffset, n.desc.byteLength);
    if (n.desc.length >= 8) return Number(v.getBigUint64(0, true) & 0xffffffffn);
    if (n.desc.length >= 4) return v.getUint32(0, true);
  }
  return undefined;
}

export function loadPvh(input: KernelLoadInput, elfBytes: Uint8Array = input.kernel, what = 'PVH kernel'): LoadedKernel {
  const { mem, initrd, cmdline, e820 } = input;
  const elf = parseElf(elfBytes, what);
  const entry = pvhEntry(elfBytes, elf);
  if (entry === undefined) fail('no-pvh-note', `${what}: ELF has no Xen PVH note (XEN_ELFNOTE_PHYS32_ENTRY, type 18)`);
  const cmdBytes = new TextEncoder().encode(cmdline);
  if (cmdBytes.length > PVH_CMDLINE_MAX) fail('cmdline-too-long', `command line is ${cmdBytes.length} bytes, a PVH kernel accepts at most ${PVH_CMDLINE_MAX}`);

  const loads = elf.segments.filter((s) => s.type === PT_LOAD && s.memsz > 0);
  let kStart = Infinity;
  let kEnd = 0;
  for (const s of loads) {
    if (!inRam(e820, s.paddr, s.paddr + s.memsz)) {
      fail('segment-outside-ram', `${what}: segment at 0x${s.paddr.toString(16)}-0x${(s.paddr + s.memsz).toString(16)} lies outside guest RAM`);
    }
    kStart = Math.min(kStart, s.paddr);
    kEnd = Math.max(kEnd, s.paddr + s.memsz);
  }
  const initrdRange = initrd ? placeHigh(initrd.length, e820, kEnd) : undefined;

  for (const s of loads) {
    mem.write(s.paddr, elfBytes.subarray(s.offset, s.offset + s.filesz));
    if (s.memsz > s.filesz) mem.write(s.paddr + s.filesz, new Uint8Array(s.memsz - s.filesz));
  }
  if (initrd && initrdRange) mem.write(initrdRange.start, initrd);
  const cmd = new Uint8Array(cmdBytes.length + 1);
  cmd.set(cmdBytes);
  mem.write(BOOT.cmdline, cmd);
  mem.write(BOOT.startInfo, buildStartInfo(initrdRange, e820, input.rsdp));
  writeBootGdt(mem, 'protected32');
  return {
    format: 'pvh',
    entry: flatEntryState('protected32', entry, { rbx: BOOT.startInfo }),
    description: `${what}: ELF${elf.class} at 0x${kStart.toString(16)}-0x${kEnd.toString(16)}, PVH entry 0x${entry.toString(16)}`,
    kernel: { start: kStart, end: kEnd },
    initrd: initrdRange,
  };
}

function inRam(e820: readonly E820Entry[], start: number, end: number): boolean {
  return e820.some((e) => e.type === 1 && start >= e.addr && end <= e.addr + e.size);
}

/** The initrd goes page-aligned at the top of RAM below 4 GiB, above the kernel image. */
export function placeHigh(size: number, e820: readonly E820Entry[], above: number): { start: number; end: number } {
  const top = ramEndBelow(e820, 2 ** 32);
  const start = Math.floor((top - size) / PAGE) * PAGE;
  if (size === 0 || start < above || !inRam(e820, start, start + size)) {
    fail('initrd-too-big', `initrd of ${size} bytes does not fit between the kernel end 0x${above.toString(16)} and the RAM end 0x${top.toString(16)}`);
  }
  return { start, end: start + size };
}

/** hvm_start_info, then the module list, then the memory map, all in the start-info page. */
function buildStartInfo(initrd: { start: number; end: number } | undefined, e820: readonly E820Entry[], rsdp?: number): Uint8Array {
  const modlist = BOOT.startInfo + START_INFO_SIZE + 8;
  const memmap = modlist + MODLIST_ENTRY_SIZE;
  const size = memmap - BOOT.startInfo + e820.length * MEMMAP_ENTRY_SIZE;
  if (size > PAGE) throw new Error('PVH start info does not fit its page');
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, HVM_START_MAGIC, true);
  v.setUint32(4, 1, true); // version
  v.setUint32(8, 0, true); // flags
  v.setUint32(12, initrd ? 1 : 0, true);
  v.setBigUint64(16, BigInt(initrd ? modlist : 0), true);
  v.setBigUint64(24, BigInt(BOOT.cmdline), true);
  v.setBigUint64(32, BigInt(rsdp ?? 0), true);
  v.setBigUint64(40, BigInt(memmap), true);
  v.setUint32(48, e820.length, true);
  if (initrd) {
    const o = modlist - BOOT.startInfo;
    v.setBigUint64(o, BigInt(initrd.start), true);
    v.setBigUint64(o + 8, BigInt(initrd.end - initrd.start), true);
  }
  e820.forEach((e, i) => {
    const o = memmap - BOOT.startInfo + i * MEMMAP_ENTRY_SIZE;
    v.setBigUint64(o, BigInt(e.addr), true);
    v.setBigUint64(o + 8, BigInt(e.size), true);
    v.setUint32(o + 16, e.type, true);
  });
  return b;
}
