// guest-memory.ts — the VMM's only window on guest RAM: byte and little-endian accesses at
// guest-physical addresses, translated page by page through the VM's EPT (hv's eptTranslate), so
// first touch allocates, writes to shared frames copy, and the dirty log sees VMM writes too.
// Invariants: an access may cross pages (each page is translated on its own); reads of pages the
// guest never touched return zeros without allocating; an access that reaches an MMIO hole or
// finds the pool exhausted throws GuestMemoryError and changes nothing past the failing page.
// `writeRom` is the VMM's way to fill ROM slots (guest writes to ROM are ignored).

import { GuestMemoryError, type GuestMemoryAccess } from '../virtio/memory.js';
import type { HvExports } from './exports.js';

const PAGE = 4096;
const ACCESS_READ = 1;
const ACCESS_WRITE = 2;
const ACCESS_HOST = 0x100;
const ACCESS_NO_ALLOC = 0x200;
const EPT_MMIO = -1;
const EPT_OOM = -2;
const EPT_ROM_WRITE = -3;
const EPT_UNMAPPED = -4;

export { GuestMemoryError };

export class GuestMemory implements GuestMemoryAccess {
  constructor(
    private readonly core: HvExports,
    private readonly memory: WebAssembly.Memory,
    private readonly vm: number,
  ) {}

  private get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Host address of gpa for `access`, or -4 (never touched, reads as zero) for a non-allocating read. */
  translate(gpa: number, access: number): number {
    if (!Number.isSafeInteger(gpa) || gpa < 0) throw new GuestMemoryError(`invalid guest-physical address ${gpa}`);
    const hpa = this.core.ept_translate(this.vm, gpa, access);
    if (hpa >= 0 || hpa === EPT_UNMAPPED) return hpa;
    const where = `guest-physical 0x${gpa.toString(16)}`;
    if (hpa === EPT_MMIO) throw new GuestMemoryError(`${where} is not guest RAM (MMIO hole)`);
    if (hpa === EPT_OOM) throw new GuestMemoryError(`${where}: host out of memory (pool exhausted)`);
    if (hpa === EPT_ROM_WRITE) throw new GuestMemoryError(`${where} is ROM (use writeRom)`);
    throw new GuestMemoryError(`${where}: EPT error ${hpa}`);
  }

  /** Copies `length` bytes out of guest memory. */
  read(gpa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.copyOut(gpa, out);
    return out;
  }

  /** Fills `out` from guest memory starting at gpa. */
  copyOut(gpa: number, out: Uint8Array): void {
    const mem = this.bytes;
    let done = 0;
    while (done < out.length) {
      const g = gpa + done;
      const n = Math.min(PAGE - (g % PAGE), out.length - done);
      const hpa = this.translate(g, ACCESS_READ | ACCESS_NO_ALLOC);
      if (hpa === EPT_UNMAPPED) out.fill(0, done, done + n);
      else out.set(mem.subarray(hpa, hpa + n), done);
      done += n;
    }
  }

  /** Copies bytes into guest memory (allocating and copying-on-write as the guest would). */
  write(gpa: number, data: Uint8Array): void {
    this.copyIn(gpa, data, ACCESS_WRITE);
  }

  /** Fills a ROM slot (or RAM) with bytes: the VMM's firmware load path. */
  writeRom(gpa: number, data: Uint8Array): void {
    this.copyIn(gpa, data, ACCESS_WRITE | ACCESS_HOST);
  }

  private copyIn(gpa: number, data: Uint8Array, access: number): void {
    const mem = this.bytes;
    let done = 0;
    while (done < data.length) {
      const g = gpa + done;
      const n = Math.min(PAGE - (g % PAGE), data.length - done);
      const hpa = this.translate(g, access);
      mem.set(data.subarray(done, done + n), hpa);
      done += n;
    }
  }

  /** Sets `length` bytes to `value`. */
  fill(gpa: number, length: number, value = 0): void {
    const mem = this.bytes;
    let done = 0;
    while (done < length) {
      const g = gpa + done;
      const n = Math.min(PAGE - (g % PAGE), length - done);
      const hpa = this.translate(g, ACCESS_WRITE);
      mem.fill(value, hpa, hpa + n);
      done += n;
    }
  }

  private view(gpa: number, size: number, access: number): DataView | null {
    if (gpa % PAGE > PAGE - size) return null; // crosses a page: take the byte path
    const hpa = this.translate(gpa, access);
    if (hpa === EPT_UNMAPPED) return new DataView(new ArrayBuffer(size));
    return new DataView(this.memory.buffer, hpa, size);
  }

  readU8(gpa: number): number { return this.read(gpa, 1)[0]; }
  readU16(gpa: number): number {
    const v = this.view(gpa, 2, ACCESS_READ | ACCESS_NO_ALLOC);
    return v ? v.getUint16(0, true) : new DataView(this.read(gpa, 2).buffer).getUint16(0, true);
  }
  readU32(gpa: number): number {
    const v = this.view(gpa, 4, ACCESS_READ | ACCESS_NO_ALLOC);
    return v ? v.getUint32(0, true) : new DataView(this.read(gpa, 4).buffer).getUint32(0, true);
  }
  readU64(gpa: number): bigint {
    const v = this.view(gpa, 8, ACCESS_READ | ACCESS_NO_ALLOC);
    return v ? v.getBigUint64(0, true) : new DataView(this.read(gpa, 8).buffer).getBigUint64(0, true);
  }
  writeU8(gpa: number, value: number): void { this.write(gpa, Uint8Array.of(value & 0xff)); }
  writeU16(gpa: number, value: number): void { this.writeLe(gpa, 2, (d) => d.setUint16(0, value, true)); }
  writeU32(gpa: number, value: number): void { this.writeLe(gpa, 4, (d) => d.setUint32(0, value >>> 0, true)); }
  writeU64(gpa: number, value: bigint): void { this.writeLe(gpa, 8, (d) => d.setBigUint64(0, BigInt.asUintN(64, value), true)); }

  private writeLe(gpa: number, size: number, put: (d: DataView) => void): void {
    const v = this.view(gpa, size, ACCESS_WRITE);
    if (v) { put(v); return; }
    const tmp = new Uint8Array(size);
    put(new DataView(tmp.buffer));
    this.write(gpa, tmp);
  }
}
