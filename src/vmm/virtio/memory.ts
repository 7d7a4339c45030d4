// memory.ts — what virtio needs of guest memory: little-endian loads/stores and byte copies at
// guest-physical addresses. The VMM's GuestMemory (src/vmm/kvm/, through the EPT) provides it;
// tests use a flat buffer. An access outside guest RAM throws GuestMemoryError, which the queue
// turns into DEVICE_NEEDS_RESET.

export interface GuestMemoryAccess {
  readU16(gpa: number): number;
  readU32(gpa: number): number;
  readU64(gpa: number): bigint;
  writeU16(gpa: number, value: number): void;
  writeU32(gpa: number, value: number): void;
  /** Copies `length` bytes from guest memory. */
  read(gpa: number, length: number): Uint8Array;
  /** Fills `out` from guest memory (no allocation: the bulk path of devices). */
  copyOut(gpa: number, out: Uint8Array): void;
  /** Copies bytes into guest memory. */
  write(gpa: number, data: Uint8Array): void;
}

export class GuestMemoryError extends Error {}

/** Guest memory as one flat little-endian buffer starting at guest-physical 0. */
export class FlatGuestMemory implements GuestMemoryAccess {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(sizeOrBuffer: number | Uint8Array) {
    this.bytes = typeof sizeOrBuffer === 'number' ? new Uint8Array(sizeOrBuffer) : sizeOrBuffer;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  private check(gpa: number, length: number): void {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || length < 0 || gpa + length > this.bytes.length) {
      throw new GuestMemoryError(`guest-physical range 0x${gpa.toString(16)}+${length} is outside guest RAM`);
    }
  }

  readU16(gpa: number): number { this.check(gpa, 2); return this.view.getUint16(gpa, true); }
  readU32(gpa: number): number { this.check(gpa, 4); return this.view.getUint32(gpa, true); }
  readU64(gpa: number): bigint { this.check(gpa, 8); return this.view.getBigUint64(gpa, true); }
  writeU16(gpa: number, v: number): void { this.check(gpa, 2); this.view.setUint16(gpa, v, true); }
  writeU32(gpa: number, v: number): void { this.check(gpa, 4); this.view.setUint32(gpa, v, true); }
  read(gpa: number, length: number): Uint8Array { this.check(gpa, length); return this.bytes.slice(gpa, gpa + length); }
  copyOut(gpa: number, out: Uint8Array): void { this.check(gpa, out.length); out.set(this.bytes.subarray(gpa, gpa + out.length)); }
  write(gpa: number, data: Uint8Array): void { this.check(gpa, data.length); this.bytes.set(data, gpa); }
}
