// ACPI System Description Table header (ACPI 6.5 §5.2.6) and checksum: every table starts with
// the 36-byte header, and all bytes of the table sum to 0 mod 256.
// Invariant: finish() writes Length and Checksum last, over the final bytes.

export const OEM_ID = 'WASMVT';
export const OEM_TABLE_ID = 'WASMVIRT';
export const CREATOR_ID = 'WVMM';
export const SDT_HEADER_SIZE = 36;

export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + bytes[i]!) & 0xff;
  return (0x100 - s) & 0xff;
}

/** A little-endian byte writer for table bodies. */
export class TableWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this { this.grow(1); this.buf[this.length++] = v & 0xff; return this; }
  u16(v: number): this { this.grow(2); this.view.setUint16(this.length, v, true); this.length += 2; return this; }
  u32(v: number): this { this.grow(4); this.view.setUint32(this.length, v >>> 0, true); this.length += 4; return this; }
  u64(v: number | bigint): this { this.grow(8); this.view.setBigUint64(this.length, BigInt(v), true); this.length += 8; return this; }
  ascii(s: string, n: number): this { for (let i = 0; i < n; i++) this.u8(i < s.length ? s.charCodeAt(i) : 0x20); return this; }
  bytes(b: Uint8Array): this { this.grow(b.length); this.buf.set(b, this.length); this.length += b.length; return this; }
  zeros(n: number): this { this.grow(n); this.length += n; return this; }
  /** Generic Address Structure (§5.2.3.2). */
  gas(spaceId: number, bitWidth: number, bitOffset: number, accessSize: number, address: number): this {
    return this.u8(spaceId).u8(bitWidth).u8(bitOffset).u8(accessSize).u64(address);
  }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}

/** Start a table: the header with Length/Checksum placeholders. */
export function sdtHeader(signature: string, revision: number): TableWriter {
  return new TableWriter()
    .ascii(signature, 4).u32(0).u8(revision).u8(0)
    .ascii(OEM_ID, 6).ascii(OEM_TABLE_ID, 8).u32(1)
    .ascii(CREATOR_ID, 4).u32(1);
}

/** Fill in Length (offset 4) and Checksum (offset 9). */
export function finish(w: TableWriter): Uint8Array {
  const t = w.result();
  new DataView(t.buffer).setUint32(4, t.length, true);
  t[9] = 0;
  t[9] = checksum(t);
  return t;
}
