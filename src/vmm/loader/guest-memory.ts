// What the loaders need of guest memory: copy bytes in and out at guest-physical addresses.
// The VMM's GuestMemory (src/vmm/kvm/, through the EPT) implements it; tests use FlatGuestRam.
// Invariant: an access outside guest RAM throws (loaders check ranges first, so that is a bug).

export interface GuestMemoryWriter {
  write(gpa: number, bytes: Uint8Array): void;
  read(gpa: number, length: number): Uint8Array;
}

/** Guest RAM as one flat buffer from guest-physical 0 (tests, and hosts without an EPT). */
export class FlatGuestRam implements GuestMemoryWriter {
  readonly bytes: Uint8Array;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  private check(gpa: number, length: number): void {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || gpa + length > this.bytes.length) {
      throw new RangeError(`guest-physical 0x${gpa.toString(16)}+0x${length.toString(16)} is outside guest RAM`);
    }
  }
  write(gpa: number, bytes: Uint8Array): void {
    this.check(gpa, bytes.length);
    this.bytes.set(bytes, gpa);
  }
  read(gpa: number, length: number): Uint8Array {
    this.check(gpa, length);
    return this.bytes.slice(gpa, gpa + length);
  }
}
