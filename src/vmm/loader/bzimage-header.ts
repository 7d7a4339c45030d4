// Parsing of the Linux/x86 boot protocol setup header (Documentation/arch/x86/boot.rst,
// "The Real-Mode Kernel Header", offsets from the start of the bzImage file).
// Invariant: parseBzImage either returns a header whose declared sizes lie inside the file, or
// throws KernelLoadError naming the failed check.

import { fail } from './errors.js';

export const SETUP_HEADER_OFFSET = 0x1f1;
export const HDRS_MAGIC = 0x53726448; // "HdrS"
/** 2.10 brings pref_address and init_size, which this loader honours; 64-bit entry needs 2.12. */
export const MIN_BOOT_PROTOCOL = 0x020a;
export const LOADED_HIGH = 0x01;
export const CAN_USE_HEAP = 0x80;
export const XLF_KERNEL_64 = 1 << 0;
export const XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;

export interface SetupHeader {
  setupSects: number;
  version: number;
  loadflags: number;
  code32Start: number;
  initrdAddrMax: number;
  kernelAlignment: number;
  relocatable: boolean;
  xloadflags: number;
  cmdlineSize: number;
  payloadOffset: number;
  payloadLength: number;
  prefAddress: number;
  initSize: number;
  /** Byte offset of the protected-mode kernel in the file: (setup_sects + 1) * 512. */
  kernelOffset: number;
  /** Bytes of the setup header in the file from 0x1F1 (to copy into boot_params). */
  headerLength: number;
}

export function versionString(v: number): string {
  return `${v >> 8}.${(v & 0xff).toString().padStart(2, '0')}`;
}

/** True when the file looks like a bzImage (boot sector signature and HdrS). */
export function isBzImage(f: Uint8Array): boolean {
  if (f.length < 0x206) return false;
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  return v.getUint16(0x1fe, true) === 0xaa55 && v.getUint32(0x202, true) === HDRS_MAGIC;
}

export function parseBzImage(f: Uint8Array): SetupHeader {
  if (f.length < 0x270) fail('truncated', `bzImage: file is ${f.length} bytes, too short for a setup header (needs 0x270)`);
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  if (v.getUint16(0x1fe, true) !== 0xaa55) fail('bad-magic', `bzImage: boot flag at 0x1FE is 0x${v.getUint16(0x1fe, true).toString(16)}, expected 0xAA55`);
  if (v.getUint32(0x202, true) !== HDRS_MAGIC) fail('bad-magic', 'bzImage: no "HdrS" signature at 0x202');
  const version = v.getUint16(0x206, true);
  if (version < MIN_BOOT_PROTOCOL) fail('unsupported', `bzImage: boot protocol ${versionString(version)} is older than the minimum ${versionString(MIN_BOOT_PROTOCOL)}`);
  const loadflags = v.getUint8(0x211);
  if (!(loadflags & LOADED_HIGH)) fail('unsupported', 'bzImage: zImage (loadflags.LOADED_HIGH clear) is not supported');
  const setupSects = v.getUint8(0x1f1) || 4;
  const kernelOffset = (setupSects + 1) * 512;
  if (kernelOffset >= f.length) fail('truncated', `bzImage: setup_sects ${setupSects} puts the kernel at ${kernelOffset}, past the end of the ${f.length}-byte file`);
  const syssize = v.getUint32(0x1f4, true) * 16;
  // syssize is rounded up to 16-byte paragraphs; the last paragraph may be partial.
  if (kernelOffset + syssize > f.length + 15) fail('truncated', `bzImage: syssize says ${syssize} bytes of kernel, file has ${f.length - kernelOffset}`);
  const h: SetupHeader = {
    setupSects, version, loadflags,
    code32Start: v.getUint32(0x214, true),
    initrdAddrMax: v.getUint32(0x22c, true),
    kernelAlignment: v.getUint32(0x230, true),
    relocatable: v.getUint8(0x234) !== 0,
    xloadflags: v.getUint16(0x236, true),
    cmdlineSize: v.getUint32(0x238, true),
    payloadOffset: v.getUint32(0x248, true),
    payloadLength: v.getUint32(0x24c, true),
    prefAddress: Number(v.getBigUint64(0x258, true)),
    initSize: v.getUint32(0x260, true),
    kernelOffset,
    headerLength: 0x202 + v.getUint8(0x201) - SETUP_HEADER_OFFSET,
  };
  if (h.payloadLength && kernelOffset + h.payloadOffset + h.payloadLength > f.length) {
    fail('truncated', `bzImage: payload (offset ${h.payloadOffset}, length ${h.payloadLength}) runs past the end of the file`);
  }
  if (h.relocatable && (h.kernelAlignment === 0 || (h.kernelAlignment & (h.kernelAlignment - 1)) !== 0)) {
    fail('unsupported', `bzImage: kernel_alignment 0x${h.kernelAlignment.toString(16)} is not a power of two`);
  }
  return h;
}

/** The compressed payload (vmlinux.bin.*) inside the protected-mode kernel, per payload_offset/length. */
export function bzImagePayload(f: Uint8Array, h: SetupHeader): Uint8Array {
  const start = h.kernelOffset + h.payloadOffset;
  return f.subarray(start, start + h.payloadLength);
}
