// A PCI function's 256-byte configuration space (type 0 header), PCI Local Bus Spec 3.0 §6.1-§6.2.
// Guest writes go through per-byte write masks: identity registers are read-only, status error
// bits are RW1C, BAR low bits are hard-wired so that writing all-ones and reading back yields
// the size mask (§6.2.5.1), and capabilities are chained from 0x34 (§6.7).
// Invariants: `bytes` is the architectural state; only write() applies guest semantics, the
// set*/get* helpers are the device's own (unmasked) view. Capabilities live in 0x40..0xFF,
// dword-aligned, each linked from the previous one.

import type { AccessSize } from '../bus/types.js';
import type { PciBarDef } from './device.js';

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 1 << 0;
export const PCI_COMMAND_MEMORY = 1 << 1;
export const PCI_COMMAND_MASTER = 1 << 2;
export const PCI_COMMAND_INTX_DISABLE = 1 << 10;
export const PCI_STATUS_INTERRUPT = 1 << 3;
export const PCI_STATUS_CAP_LIST = 1 << 4;

export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_VNDR = 0x09;
export const PCI_CAP_ID_MSIX = 0x11;

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  /** class << 16 | subclass << 8 | prog-if */
  classCode: number;
  revision?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** Header type byte; bit 7 = multi-function. Default 0. */
  headerType?: number;
  /** 0 = no INTx, 1..4 = INTA#..INTD#. */
  interruptPin?: number;
}

export interface PciCapabilityHooks {
  /** Serve a read inside the capability (offset from the capability start); undefined = stored bytes. */
  onRead?(offset: number, size: AccessSize): number | undefined;
  /** Observe a guest write inside the capability, after the masked bytes were stored. */
  onWrite?(offset: number, size: AccessSize, value: number): void;
}

interface Capability {
  id: number;
  offset: number;
  length: number;
  hooks: PciCapabilityHooks;
}

export class PciConfigSpace {
  readonly bytes = new Uint8Array(256);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly wmask = new Uint8Array(256);
  private readonly w1cmask = new Uint8Array(256);
  readonly bars: (PciBarDef | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private readonly caps: Capability[] = [];
  private nextCap = 0x40;
  /** Called after every guest write, with the offset/size/value as written (the bridge remaps BARs here). */
  onWrite: ((offset: number, size: AccessSize, value: number) => void) | undefined;

  constructor(id: PciIdentity) {
    this.setU16(PCI_VENDOR_ID, id.vendorId);
    this.setU16(PCI_DEVICE_ID, id.deviceId);
    this.setU8(PCI_REVISION_ID, id.revision ?? 0);
    this.setU8(PCI_CLASS_PROG, id.classCode & 0xff);
    this.setU16(PCI_CLASS_PROG + 1, (id.classCode >>> 8) & 0xffff);
    this.setU8(PCI_HEADER_TYPE, id.headerType ?? 0);
    this.setU16(PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendorId ?? 0);
    this.setU16(PCI_SUBSYSTEM_ID, id.subsystemId ?? 0);
    this.setU8(PCI_INTERRUPT_PIN, id.interruptPin ?? 0);
    this.setWriteMask(PCI_COMMAND, 2, 0x0547); // IO, MEM, MASTER, PARITY, SERR, INTX_DISABLE
    this.w1cmask[PCI_STATUS + 1] = 0xf9; // status bits 15..11 and 8 are RW1C
    this.setWriteMask(PCI_INTERRUPT_LINE, 1, 0xff);
    this.setWriteMask(0x0c, 1, 0xff); // cache line size
    this.setWriteMask(0x0d, 1, 0xff); // latency timer
  }

  // ---- the device's own view (no guest semantics) ----
  getU8(off: number): number { return this.bytes[off]!; }
  getU16(off: number): number { return this.view.getUint16(off, true); }
  getU32(off: number): number { return this.view.getUint32(off, true); }
  setU8(off: number, v: number): void { this.bytes[off] = v; }
  setU16(off: number, v: number): void { this.view.setUint16(off, v, true); }
  setU32(off: number, v: number): void { this.view.setUint32(off, v >>> 0, true); }

  /** Make `length` bytes at `offset` guest-writable through `mask` (little-endian, per byte). */
  setWriteMask(offset: number, length: number, mask: number): void {
    for (let i = 0; i < length; i++) this.wmask[offset + i] = length > 4 ? mask & 0xff : (mask >>> (8 * i)) & 0xff;
  }

  get command(): number { return this.getU16(PCI_COMMAND); }
  get interruptPin(): number { return this.getU8(PCI_INTERRUPT_PIN); }
  get intxDisabled(): boolean { return (this.command & PCI_COMMAND_INTX_DISABLE) !== 0; }
  get busMaster(): boolean { return (this.command & PCI_COMMAND_MASTER) !== 0; }

  /** Reflect the INTx level in STATUS.Interrupt Status (bit 3). */
  setInterruptStatus(asserted: boolean): void {
    const s = this.getU16(PCI_STATUS);
    this.setU16(PCI_STATUS, asserted ? s | PCI_STATUS_INTERRUPT : s & ~PCI_STATUS_INTERRUPT);
  }

  // ---- BARs (§6.2.5) ----
  addBar(def: PciBarDef): void {
    const { index, kind, size } = def;
    const minSize = kind === 'io' ? 4 : 16;
    if (index < 0 || index > 5 || (kind === 'mem64' && index > 4)) throw new RangeError(`PCI BAR index ${index} out of range for ${kind}`);
    if (!(size >= minSize) || !Number.isInteger(Math.log2(size))) throw new RangeError(`PCI BAR${index} size ${size} is not a power of two >= ${minSize}`);
    if (this.bars[index] || (kind === 'mem64' && this.bars[index + 1])) throw new Error(`PCI BAR${index} already defined`);
    if (kind === 'io' && size > 256) throw new RangeError(`PCI I/O BAR${index} larger than 256 bytes`);
    this.bars[index] = def;
    const off = PCI_BAR0 + 4 * index;
    const low = kind === 'io' ? 0x1 : (kind === 'mem64' ? 0x4 : 0) | (def.prefetchable ? 0x8 : 0);
    const flagBits = kind === 'io' ? 0x3 : 0xf;
    this.setU32(off, low);
    this.setWriteMask(off, 4, size >= 2 ** 32 ? 0 : ~(size - 1) & ~flagBits);
    if (kind === 'mem64') {
      this.setU32(off + 4, 0);
      this.setWriteMask(off + 4, 4, size > 2 ** 32 ? ~(size / 2 ** 32 - 1) : 0xffffffff);
    }
  }

  /** The guest-programmed base of BAR `index`, or undefined while it holds no usable address. */
  barAddress(index: number): number | undefined {
    const def = this.bars[index];
    if (!def) return undefined;
    const lo = this.getU32(PCI_BAR0 + 4 * index);
    if (def.kind === 'io') {
      const a = (lo & ~3) >>> 0;
      return a === 0 || a + def.size > 0x10000 ? undefined : a;
    }
    const a = (lo & ~0xf) >>> 0;
    if (def.kind === 'mem32') return a === 0 || a + def.size > 2 ** 32 ? undefined : a;
    const hi = this.getU32(PCI_BAR0 + 4 * index + 4);
    const full = hi * 2 ** 32 + a;
    if (full === 0 || hi === 0xffffffff || (def.size < 2 ** 32 && a === (~(def.size - 1) & ~0xf) >>> 0)) return undefined;
    return full + def.size > 2 ** 52 ? undefined : full;
  }

  /** Program a BAR from the host side (firmware-style assignment). */
  setBarAddress(index: number, address: number): void {
    const def = this.bars[index];
    if (!def) throw new Error(`PCI BAR${index} not defined`);
    const off = PCI_BAR0 + 4 * index;
    const flags = this.getU32(off) & (def.kind === 'io' ? 0x3 : 0xf);
    this.setU32(off, (address % 2 ** 32) | flags);
    if (def.kind === 'mem64') this.setU32(off + 4, Math.floor(address / 2 ** 32));
  }

  // ---- capabilities (§6.7) ----
  /** Append a capability of `length` bytes (including its ID/next header); returns its offset. */
  addCapability(id: number, length: number, hooks: PciCapabilityHooks = {}): number {
    const offset = this.nextCap;
    if (length < 2 || offset + length > 0x100) throw new RangeError(`PCI capability 0x${id.toString(16)} (${length} bytes) does not fit in configuration space`);
    this.setU8(offset, id);
    this.setU8(offset + 1, 0);
    const prev = this.caps[this.caps.length - 1];
    if (prev) this.setU8(prev.offset + 1, offset);
    else {
      this.setU8(PCI_CAPABILITY_LIST, offset);
      this.setU16(PCI_STATUS, this.getU16(PCI_STATUS) | PCI_STATUS_CAP_LIST);
    }
    this.caps.push({ id, offset, length, hooks });
    this.nextCap = (offset + length + 3) & ~3;
    return offset;
  }

  /** Offsets of the capabilities with `id`, in list order. */
  findCapabilities(id: number): number[] {
    return this.caps.filter((c) => c.id === id).map((c) => c.offset);
  }

  // ---- guest accesses ----
  read(offset: number, size: AccessSize): number {
    if (offset < 0 || offset + size > 256) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    const cap = this.capAt(offset);
    if (cap?.hooks.onRead) {
      const v = cap.hooks.onRead(offset - cap.offset, size);
      if (v !== undefined) return v;
    }
    if (size === 1) return this.getU8(offset);
    if (size === 2) return this.getU16(offset);
    return this.getU32(offset);
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset < 0 || offset + size > 256) return;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      const b = (value >>> (8 * i)) & 0xff;
      const w = this.wmask[o]!;
      const c = this.w1cmask[o]!;
      this.bytes[o] = ((this.bytes[o]! & ~w) | (b & w)) & ~(b & c);
    }
    const cap = this.capAt(offset);
    cap?.hooks.onWrite?.(offset - cap.offset, size, value);
    this.onWrite?.(offset, size, value);
  }

  private capAt(offset: number): Capability | undefined {
    for (const c of this.caps) if (offset >= c.offset && offset < c.offset + c.length) return c;
    return undefined;
  }
}
