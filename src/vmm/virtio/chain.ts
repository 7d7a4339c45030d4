// chain.ts — a descriptor chain as the device sees it: the device-readable buffers, then the
// device-writable ones (virtio 2.7.4: "device-readable ... before device-writable"), with a
// Reader and a Writer that walk them as one byte stream each. Devices use only these; they never
// see descriptor tables or ring offsets.
import type { GuestMemoryAccess } from './memory.js';

export interface Buffer {
  /** guest-physical address */
  addr: number;
  len: number;
}

export class DescriptorChain {
  readonly readableLength: number;
  readonly writableLength: number;

  constructor(
    /** the head descriptor index: the id returned in the used ring */
    readonly head: number,
    readonly readable: readonly Buffer[],
    readonly writable: readonly Buffer[],
  ) {
    this.readableLength = sum(readable);
    this.writableLength = sum(writable);
  }
}

function sum(bufs: readonly Buffer[]): number {
  return bufs.reduce((n, b) => n + b.len, 0);
}

/** Sequential reads over the device-readable part of a chain. */
export class ChainReader {
  private index = 0;
  private offset = 0;
  private consumed = 0;

  constructor(private readonly mem: GuestMemoryAccess, private readonly chain: DescriptorChain) {}

  get remaining(): number {
    return this.chain.readableLength - this.consumed;
  }

  /** Reads exactly `length` bytes; throws if the chain has fewer left. */
  read(length: number): Uint8Array {
    if (length > this.remaining) {
      throw new RangeError(`descriptor chain has ${this.remaining} readable bytes, ${length} needed`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const buf = this.chain.readable[this.index]!;
      const n = Math.min(buf.len - this.offset, length - done);
      this.mem.copyOut(buf.addr + this.offset, out.subarray(done, done + n));
      this.advance(n, buf.len);
      done += n;
    }
    return out;
  }

  readU32(): number {
    return new DataView(this.read(4).buffer).getUint32(0, true);
  }

  readU64(): bigint {
    return new DataView(this.read(8).buffer).getBigUint64(0, true);
  }

  /** Skips `length` readable bytes. */
  skip(length: number): void {
    this.read(length);
  }

  private advance(n: number, bufLen: number): void {
    this.offset += n;
    this.consumed += n;
    if (this.offset === bufLen) {
      this.index++;
      this.offset = 0;
    }
  }
}

/** Sequential writes over the device-writable part of a chain. */
export class ChainWriter {
  private index = 0;
  private offset = 0;
  /** bytes written so far: the `len` the device reports in the used ring */
  written = 0;

  constructor(private readonly mem: GuestMemoryAccess, private readonly chain: DescriptorChain) {}

  get remaining(): number {
    return this.chain.writableLength - this.written;
  }

  /** Writes all of `data`; throws if the chain has less room. */
  write(data: Uint8Array): void {
    if (data.length > this.remaining) {
      throw new RangeError(`descriptor chain has ${this.remaining} writable bytes, ${data.length} needed`);
    }
    let done = 0;
    while (done < data.length) {
      const buf = this.chain.writable[this.index]!;
      const n = Math.min(buf.len - this.offset, data.length - done);
      this.mem.write(buf.addr + this.offset, data.subarray(done, done + n));
      this.offset += n;
      this.written += n;
      done += n;
      if (this.offset === buf.len) {
        this.index++;
        this.offset = 0;
      }
    }
  }

  writeU8(value: number): void {
    this.write(Uint8Array.of(value));
  }
}
