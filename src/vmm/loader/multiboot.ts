// Multiboot Specification 0.6.96 (version 1): the header (magic 0x1BADB002, flags, checksum,
// 4-byte aligned within the first 8192 bytes), loading by the a.out kludge addresses (flag 16)
// or by ELF PT_LOAD segments, the multiboot_info structure (mem_lower/mem_upper, cmdline,
// modules, memory map, boot loader name) and the entry state: 32-bit flat protected mode,
// paging off, EAX = 0x2BADB002, EBX = multiboot_info.
// Invariant: checks (header, checksum, unknown required flags, segments in RAM, module fit,
// cmdline length) all run before guest memory is written.

import { BOOT } from '../machine/layout.js';
import { fail } from './errors.js';
import { ramEndBelow, type E820Entry } from './e820.js';
import { isElf, parseElf, PT_LOAD } from './elf.js';
import { flatEntryState, writeBootGdt } from './gdt.js';
import type { KernelLoadInput, LoadedKernel } from './types.js';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
const SEARCH_LIMIT = 8192;
const F_PAGE_ALIGN = 1 << 0, F_MEMORY_INFO = 1 << 1, F_VIDEO_MODE = 1 << 2, F_AOUT_KLUDGE = 1 << 16;
const KNOWN_REQUIRED = F_PAGE_ALIGN | F_MEMORY_INFO | F_VIDEO_MODE;
const INFO_MEMORY = 1 << 0, INFO_CMDLINE = 1 << 2, INFO_MODS = 1 << 3, INFO_MEM_MAP = 1 << 6, INFO_LOADER_NAME = 1 << 9;
const INFO_SIZE = 88;
const PAGE = 0x1000;
const CMDLINE_MAX = 4095;

export interface MultibootHeader {
  offset: number;
  flags: number;
  aout?: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number };
}

/** The Multiboot header, if the first 8 KiB hold one (any checksum: validate with parseMultibootHeader). */
export function findMultibootHeader(f: Uint8Array): number | undefined {
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  for (let o = 0; o + 12 <= Math.min(f.length, SEARCH_LIMIT); o += 4) if (v.getUint32(o, true) === MULTIBOOT_HEADER_MAGIC) return o;
  return undefined;
}

export function parseMultibootHeader(f: Uint8Array): MultibootHeader {
  const offset = findMultibootHeader(f);
  if (offset === undefined) fail('bad-magic', 'Multiboot: no header magic 0x1BADB002 in the first 8 KiB');
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const flags = v.getUint32(offset + 4, true);
  const sum = (MULTIBOOT_HEADER_MAGIC + flags + v.getUint32(offset + 8, true)) >>> 0;
  if (sum !== 0) fail('bad-checksum', `Multiboot: header checksum does not make magic+flags+checksum zero (sum 0x${sum.toString(16)})`);
  const unknown = flags & 0xffff & ~KNOWN_REQUIRED;
  if (unknown) fail('unsupported', `Multiboot: header requires unknown features (flags 0x${unknown.toString(16)})`);
  if (!(flags & F_AOUT_KLUDGE)) return { offset, flags };
  if (offset + 32 > f.length) fail('truncated', 'Multiboot: a.out kludge fields run past the end of the file');
  const w = (i: number) => v.getUint32(offset + 12 + 4 * i, true);
  return { offset, flags, aout: { headerAddr: w(0), loadAddr: w(1), loadEndAddr: w(2), bssEndAddr: w(3), entryAddr: w(4) } };
}

interface Segment { paddr: number; data: Uint8Array; memsz: number }

function segmentsOf(f: Uint8Array, h: MultibootHeader): { segments: Segment[]; entry: number } {
  if (h.aout) {
    const a = h.aout;
    const fileStart = h.offset - (a.headerAddr - a.loadAddr);
    if (a.headerAddr < a.loadAddr || fileStart < 0) fail('unsupported', 'Multiboot: header_addr lies below load_addr');
    const loadLen = a.loadEndAddr ? a.loadEndAddr - a.loadAddr : f.length - fileStart;
    if (loadLen < 0 || fileStart + loadLen > f.length) fail('truncated', `Multiboot: load_end_addr needs ${loadLen} bytes from file offset ${fileStart}, file has ${f.length}`);
    const end = a.bssEndAddr ? Math.max(a.bssEndAddr, a.loadAddr + loadLen) : a.loadAddr + loadLen;
    return { segments: [{ paddr: a.loadAddr, data: f.subarray(fileStart, fileStart + loadLen), memsz: end - a.loadAddr }], entry: a.entryAddr };
  }
  if (!isElf(f)) fail('unsupported', 'Multiboot: not ELF and no a.out kludge addresses (flag 16)');
  const elf = parseElf(f, 'Multiboot ELF');
  const segments = elf.segments.filter((s) => s.type === PT_LOAD && s.memsz > 0)
    .map((s) => ({ paddr: s.paddr, data: f.subarray(s.offset, s.offset + s.filesz), memsz: s.memsz }));
  return { segments, entry: elf.entry };
}

export function loadMultiboot(input: KernelLoadInput): LoadedKernel {
  const { mem, kernel, initrd, cmdline, e820, layout } = input;
  const h = parseMultibootHeader(kernel);
  const { segments, entry } = segmentsOf(kernel, h);
  const cmdBytes = new TextEncoder().encode(cmdline);
  if (cmdBytes.length > CMDLINE_MAX) fail('cmdline-too-long', `command line is ${cmdBytes.length} bytes, at most ${CMDLINE_MAX}`);
  if (entry >= 2 ** 32) fail('unsupported', `Multiboot: entry 0x${entry.toString(16)} is above 4 GiB`);
  let kStart = Infinity;
  let kEnd = 0;
  for (const s of segments) {
    if (!e820.some((e) => e.type === 1 && s.paddr >= e.addr && s.paddr + s.memsz <= e.addr + e.size)) {
      fail('segment-outside-ram', `Multiboot: segment at 0x${s.paddr.toString(16)}-0x${(s.paddr + s.memsz).toString(16)} lies outside guest RAM`);
    }
    kStart = Math.min(kStart, s.paddr);
    kEnd = Math.max(kEnd, s.paddr + s.memsz);
  }
  let mod: { start: number; end: number } | undefined;
  if (initrd) {
    const start = Math.ceil(kEnd / PAGE) * PAGE;
    const top = ramEndBelow(e820, 2 ** 32);
    if (start + initrd.length > top) fail('initrd-too-big', `Multiboot module of ${initrd.length} bytes does not fit between 0x${start.toString(16)} and the RAM end 0x${top.toString(16)}`);
    mod = { start, end: start + initrd.length };
  }

  for (const s of segments) {
    mem.write(s.paddr, s.data);
    if (s.memsz > s.data.length) mem.write(s.paddr + s.data.length, new Uint8Array(s.memsz - s.data.length));
  }
  if (initrd && mod) mem.write(mod.start, initrd);
  const cmd = new Uint8Array(cmdBytes.length + 1);
  cmd.set(cmdBytes);
  mem.write(BOOT.cmdline, cmd);
  mem.write(BOOT.startInfo, buildInfo(layout.lowMemory, e820, mod));
  writeBootGdt(mem, 'protected32');
  return {
    format: 'multiboot',
    entry: flatEntryState('protected32', entry, { rax: MULTIBOOT_BOOTLOADER_MAGIC, rbx: BOOT.startInfo }),
    description: `Multiboot ${h.aout ? 'a.out-kludge' : 'ELF'} kernel at 0x${kStart.toString(16)}-0x${kEnd.toString(16)}, entry 0x${entry.toString(16)}`,
    kernel: { start: kStart, end: kEnd },
    initrd: mod,
  };
}

function buildInfo(lowMemory: number, e820: readonly E820Entry[], mod?: { start: number; end: number }): Uint8Array {
  const base = BOOT.startInfo;
  const mmapOff = INFO_SIZE;
  const modsOff = mmapOff + e820.length * 24;
  const strOff = modsOff + 16;
  const loaderName = new TextEncoder().encode('wasmvirt\0');
  const modName = new TextEncoder().encode('initrd\0');
  const b = new Uint8Array(strOff + loaderName.length + modName.length);
  const v = new DataView(b.buffer);
  let flags = INFO_MEMORY | INFO_CMDLINE | INFO_MEM_MAP | INFO_LOADER_NAME;
  v.setUint32(4, 640, true);
  v.setUint32(8, Math.floor((lowMemory - 0x100000) / 1024), true);
  v.setUint32(16, BOOT.cmdline, true);
  v.setUint32(44, e820.length * 24, true);
  v.setUint32(48, base + mmapOff, true);
  v.setUint32(64, base + strOff, true);
  e820.forEach((e, i) => {
    const o = mmapOff + i * 24;
    v.setUint32(o, 20, true);
    v.setBigUint64(o + 4, BigInt(e.addr), true);
    v.setBigUint64(o + 12, BigInt(e.size), true);
    v.setUint32(o + 20, e.type, true);
  });
  b.set(loaderName, strOff);
  b.set(modName, strOff + loaderName.length);
  if (mod) {
    flags |= INFO_MODS;
    v.setUint32(20, 1, true);
    v.setUint32(24, base + modsOff, true);
    v.setUint32(modsOff, mod.start, true);
    v.setUint32(modsOff + 4, mod.end, true);
    v.setUint32(modsOff + 8, base + strOff + loaderName.length, true);
  }
  v.setUint32(0, flags, true);
  return b;
}
