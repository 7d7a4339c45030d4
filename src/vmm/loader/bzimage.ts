// Linux/x86 boot protocol loader for bzImage (Documentation/arch/x86/boot.rst): copies the
// protected-mode kernel to its preferred address, the initrd as high as initrd_addr_max and RAM
// allow, the command line, and builds boot_params (the "zero page": setup header copied from the
// file, type_of_loader 0xFF, cmd_line_ptr, ramdisk_image/size, e820_table, acpi_rsdp_addr). Entry:
// 64-bit (startup_64 at load address + 0x200, RSI = boot_params, identity paging, __BOOT_CS/DS)
// when XLF_KERNEL_64 is set, else 32-bit at code32_start (ESI = boot_params, paging off).
// Invariant: every check runs before the first byte is written to guest memory.

import { BOOT } from '../machine/layout.js';
import { flatEntryState, writeBootGdt, writeIdentityPageTables } from './gdt.js';
import { fail } from './errors.js';
import { ramEndBelow, type E820Entry } from './e820.js';
import { parseBzImage, versionString, SETUP_HEADER_OFFSET, XLF_KERNEL_64, CAN_USE_HEAP, type SetupHeader } from './bzimage-header.js';
import type { KernelLoadInput, LoadedKernel } from './types.js';
import type { BootMode } from './boot-state.js';

const ZP_ACPI_RSDP_ADDR = 0x070;
const ZP_EXT_RAMDISK_IMAGE = 0x0c0;
const ZP_EXT_RAMDISK_SIZE = 0x0c4;
const ZP_EXT_CMD_LINE_PTR = 0x0c8;
const ZP_E820_ENTRIES = 0x1e8;
const ZP_E820_TABLE = 0x2d0;
const E820_MAX_ENTRIES_ZEROPAGE = 128;
const HDR_TYPE_OF_LOADER = 0x210;
const HDR_LOADFLAGS = 0x211;
const HDR_CODE32_START = 0x214;
const HDR_RAMDISK_IMAGE = 0x218;
const HDR_RAMDISK_SIZE = 0x21c;
const HDR_HEAP_END_PTR = 0x224;
const HDR_CMD_LINE_PTR = 0x228;
const PAGE = 0x1000;

export interface BzImageOptions {
  /** Force the 32-bit entry even if the kernel has a 64-bit one. */
  entry32?: boolean;
}

export function loadBzImage(input: KernelLoadInput, opts: BzImageOptions = {}): LoadedKernel {
  const { mem, kernel, initrd, cmdline, e820 } = input;
  const h = parseBzImage(kernel);
  const mode: BootMode = h.xloadflags & XLF_KERNEL_64 && !opts.entry32 ? 'long64' : 'protected32';
  const cmdBytes = new TextEncoder().encode(cmdline);
  const cmdMax = Math.min(h.cmdlineSize, BOOT.cmdlineMax - 1);
  if (cmdBytes.length > cmdMax) fail('cmdline-too-long', `command line is ${cmdBytes.length} bytes, the kernel accepts at most ${h.cmdlineSize}`);

  const protectedMode = kernel.subarray(h.kernelOffset);
  const load = loadAddress(h);
  const need = Math.max(h.initSize, protectedMode.length);
  const ramTop = ramEndBelow(e820, 2 ** 32);
  if (!inRam(e820, load, load + need)) {
    fail('segment-outside-ram', `kernel needs 0x${need.toString(16)} bytes at 0x${load.toString(16)} (init_size), beyond guest RAM ending at 0x${ramTop.toString(16)}`);
  }
  const kernelEnd = load + need;
  const initrdRange = initrd ? placeInitrd(h, initrd.length, e820, kernelEnd) : undefined;

  // ---- all checks passed: write guest memory ----
  mem.write(load, protectedMode);
  mem.write(BOOT.cmdline, concatNul(cmdBytes));
  if (initrd && initrdRange) mem.write(initrdRange.start, initrd);
  mem.write(BOOT.zeroPage, buildZeroPage(kernel, h, { load, initrd: initrdRange, e820, rsdp: input.rsdp }));
  writeBootGdt(mem, mode);
  if (mode === 'long64') writeIdentityPageTables(mem);

  const rip = mode === 'long64' ? load + 0x200 : load;
  return {
    format: 'bzimage',
    entry: flatEntryState(mode, rip, { rsi: BOOT.zeroPage }),
    description: `bzImage (boot protocol ${versionString(h.version)}) at 0x${load.toString(16)}, ${mode === 'long64' ? '64' : '32'}-bit entry 0x${rip.toString(16)}`,
    kernel: { start: load, end: kernelEnd },
    initrd: initrdRange,
  };
}

/** pref_address for a relocatable kernel (aligned to kernel_alignment), else the fixed 1 MiB address. */
function loadAddress(h: SetupHeader): number {
  if (!h.relocatable) return h.prefAddress || h.code32Start || 0x100000;
  const a = h.prefAddress || 0x1000000;
  return Math.ceil(a / h.kernelAlignment) * h.kernelAlignment;
}

function inRam(e820: readonly E820Entry[], start: number, end: number): boolean {
  return e820.some((e) => e.type === 1 && start >= e.addr && end <= e.addr + e.size);
}

/** Highest page-aligned spot below min(initrd_addr_max + 1, RAM end below 4 GiB) that is above the kernel. */
function placeInitrd(h: SetupHeader, size: number, e820: readonly E820Entry[], kernelEnd: number): { start: number; end: number } {
  const limit = Math.min(h.initrdAddrMax + 1, 2 ** 32);
  const top = ramEndBelow(e820, limit);
  const start = Math.floor((top - size) / PAGE) * PAGE;
  if (size === 0 || start < kernelEnd || !inRam(e820, start, start + size)) {
    fail('initrd-too-big', `initrd of ${size} bytes does not fit between the kernel end 0x${kernelEnd.toString(16)} and 0x${top.toString(16)} (RAM end / initrd_addr_max 0x${h.initrdAddrMax.toString(16)})`);
  }
  return { start, end: start + size };
}

function concatNul(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function buildZeroPage(kernel: Uint8Array, h: SetupHeader, p: { load: number; initrd?: { start: number; end: number }; e820: readonly E820Entry[]; rsdp?: number }): Uint8Array {
  const zp = new Uint8Array(PAGE);
  const v = new DataView(zp.buffer);
  zp.set(kernel.subarray(SETUP_HEADER_OFFSET, SETUP_HEADER_OFFSET + h.headerLength), SETUP_HEADER_OFFSET);
  zp[HDR_TYPE_OF_LOADER] = 0xff;
  zp[HDR_LOADFLAGS] = (zp[HDR_LOADFLAGS]! | CAN_USE_HEAP) & 0xff;
  v.setUint16(HDR_HEAP_END_PTR, 0xfe00, true);
  v.setUint32(HDR_CODE32_START, p.load, true);
  v.setUint32(HDR_CMD_LINE_PTR, BOOT.cmdline, true);
  v.setUint32(ZP_EXT_CMD_LINE_PTR, 0, true);
  if (p.initrd) {
    v.setUint32(HDR_RAMDISK_IMAGE, p.initrd.start, true);
    v.setUint32(HDR_RAMDISK_SIZE, p.initrd.end - p.initrd.start, true);
    v.setUint32(ZP_EXT_RAMDISK_IMAGE, 0, true);
    v.setUint32(ZP_EXT_RAMDISK_SIZE, 0, true);
  }
  if (p.rsdp) v.setBigUint64(ZP_ACPI_RSDP_ADDR, BigInt(p.rsdp), true);
  const entries = p.e820.slice(0, E820_MAX_ENTRIES_ZEROPAGE);
  zp[ZP_E820_ENTRIES] = entries.length;
  entries.forEach((e, i) => {
    v.setBigUint64(ZP_E820_TABLE + i * 20, BigInt(e.addr), true);
    v.setBigUint64(ZP_E820_TABLE + i * 20 + 8, BigInt(e.size), true);
    v.setUint32(ZP_E820_TABLE + i * 20 + 16, e.type, true);
  });
  return zp;
}
