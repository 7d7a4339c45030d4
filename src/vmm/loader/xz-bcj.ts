// XZ streams with the x86 BCJ filter, as the kernel's scripts/xz_wrap.sh makes them (--x86
// --lzma2, CRC32 check). The `xz-decompress` wasm decoder has LZMA2 but no BCJ filter, so:
//  1. parse the .xz container (XZ file format 1.1.0: stream header §2.1.1, block header §3.1,
//     index §4, stream footer §2.1.2) of a one-block stream whose filter chain is x86 BCJ + LZMA2;
//  2. re-wrap the block's LZMA2 data in a new stream with only the LZMA2 filter and no check;
//  3. decode that with the wasm LZMA2 decoder, undo the BCJ x86 transform here (the E8/E9
//     CALL/JMP relative->absolute conversion, reversed), and verify the original CRC32 check.
// Invariant: the output is only returned when the original block's CRC32 matches it.

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FILTER_X86 = 0x04;
const FILTER_LZMA2 = 0x21;
const CHECK_NONE = 0x00;
const CHECK_CRC32 = 0x01;

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), slicing-by-8 tables: T[k][b] = CRC of b followed by k zero bytes. */
const CRC_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  return t;
})();

export function crc32(b: Uint8Array): number {
  const t = CRC_TABLES;
  let c = 0xffffffff;
  let i = 0;
  const n8 = b.length & ~7;
  for (; i < n8; i += 8) {
    const lo = (c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) >>> 0;
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + b[i + 4]!]! ^ t[512 + b[i + 5]!]! ^ t[256 + b[i + 6]!]! ^ t[b[i + 7]!]!;
  }
  for (; i < b.length; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class Reader {
  constructor(private readonly b: Uint8Array, public o: number) {}
  vli(): number {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      const x = this.b[this.o++];
      if (x === undefined) throw new Error('truncated variable-length integer');
      v += (x & 0x7f) * 2 ** (7 * i);
      if (!(x & 0x80)) return v;
    }
    throw new Error('variable-length integer too long');
  }
}

function vli(v: number): number[] {
  const out: number[] = [];
  do {
    const low = v % 128;
    v = Math.floor(v / 128);
    out.push(v ? low | 0x80 : low);
  } while (v);
  return out;
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

export interface BcjXzPlan {
  /** A stream the plain LZMA2 decoder accepts. */
  lzma2Stream: Uint8Array;
  /** BCJ start offset (filter property, usually 0). */
  bcjStart: number;
  uncompressedSize?: number;
  /** CRC32 of the uncompressed data, when the stream has a CRC32 check. */
  crc?: number;
}

/** Returns a plan when `x` is a one-block x86-BCJ + LZMA2 stream, else undefined. Throws on a malformed container. */
export function planBcjX86(x: Uint8Array): BcjXzPlan | undefined {
  if (x.length < 32 || !MAGIC.every((m, i) => x[i] === m)) return undefined;
  const checkType = x[7]! & 0x0f;
  if (x[6] !== 0 || crc32(x.subarray(6, 8)) !== new DataView(x.buffer, x.byteOffset + 8, 4).getUint32(0, true)) throw new Error('bad stream header');
  const headerStart = 12;
  const headerSize = (x[headerStart]! + 1) * 4;
  if (x[headerStart] === 0) return undefined; // no block (empty stream)
  const hdr = x.subarray(headerStart, headerStart + headerSize);
  if (crc32(hdr.subarray(0, headerSize - 4)) !== new DataView(hdr.buffer, hdr.byteOffset + headerSize - 4, 4).getUint32(0, true)) throw new Error('bad block header CRC32');
  const flags = hdr[1]!;
  const r = new Reader(hdr, 2);
  const compressedSize = flags & 0x40 ? r.vli() : undefined;
  const uncompressedSize = flags & 0x80 ? r.vli() : undefined;
  const filters: { id: number; props: Uint8Array }[] = [];
  for (let i = 0; i <= (flags & 3); i++) {
    const id = r.vli();
    const n = r.vli();
    filters.push({ id, props: hdr.slice(r.o, r.o + n) });
    r.o += n;
  }
  if (filters.length !== 2 || filters[0]!.id !== FILTER_X86 || filters[1]!.id !== FILTER_LZMA2) return undefined;
  const bcjProps = filters[0]!.props;
  const bcjStart = bcjProps.length === 4 ? new DataView(bcjProps.buffer).getUint32(0, true) : 0;
  // The block's data runs to the index; find its end from the footer's backward size.
  const footer = x.length - 12;
  if (x[footer + 10] !== 0x59 || x[footer + 11] !== 0x5a) throw new Error('no stream footer');
  const backward = (new DataView(x.buffer, x.byteOffset + footer + 4, 4).getUint32(0, true) + 1) * 4;
  const indexStart = footer - backward;
  const checkSize = checkType === CHECK_NONE ? 0 : checkType === CHECK_CRC32 ? 4 : checkType === 4 ? 8 : checkType === 0x0a ? 32 : -1;
  if (checkSize < 0) throw new Error(`unsupported check type ${checkType}`);
  const ir = new Reader(x, indexStart + 1);
  if (x[indexStart] !== 0 || ir.vli() !== 1) return undefined; // more than one block
  const unpadded = ir.vli();
  const uncompressed = ir.vli();
  const dataStart = headerStart + headerSize;
  const dataLen = compressedSize ?? unpadded - headerSize - checkSize;
  const data = x.subarray(dataStart, dataStart + dataLen);
  const checkAt = dataStart + ((dataLen + 3) & ~3);
  const crc = checkType === CHECK_CRC32 ? new DataView(x.buffer, x.byteOffset + checkAt, 4).getUint32(0, true) : undefined;

  // ---- the re-wrapped stream: LZMA2 only, no check ----
  const lz = filters[1]!;
  const bh: number[] = [0, 0x00 /* one filter, no sizes */, ...vli(FILTER_LZMA2), ...vli(lz.props.length), ...lz.props];
  while ((bh.length + 4) % 4) bh.push(0);
  bh[0] = (bh.length + 4) / 4 - 1;
  const blockHeader = [...bh, ...le32(crc32(Uint8Array.from(bh)))];
  const padding = (4 - (dataLen % 4)) % 4;
  const idx: number[] = [0x00, ...vli(1), ...vli(blockHeader.length + dataLen), ...vli(uncompressed)];
  while (idx.length % 4) idx.push(0);
  const index = [...idx, ...le32(crc32(Uint8Array.from(idx)))];
  const streamFlags = [0x00, CHECK_NONE];
  const streamHeader = [...MAGIC, ...streamFlags, ...le32(crc32(Uint8Array.from(streamFlags)))];
  const fb = [...le32(index.length / 4 - 1), ...streamFlags];
  const streamFooter = [...le32(crc32(Uint8Array.from(fb))), ...fb, 0x59, 0x5a];
  const out = new Uint8Array(streamHeader.length + blockHeader.length + dataLen + padding + index.length + streamFooter.length);
  let o = 0;
  for (const part of [streamHeader, blockHeader]) { out.set(part, o); o += part.length; }
  out.set(data, o); o += dataLen + padding;
  for (const part of [index, streamFooter]) { out.set(part, o); o += part.length; }
  return { lzma2Stream: out, bcjStart, uncompressedSize: uncompressedSize ?? uncompressed, crc };
}

const isMsbyteOk = (b: number) => b === 0x00 || b === 0xff;
const MASK_ALLOWED = [true, true, true, false, true, false, false, false];
const MASK_BIT = [0, 1, 2, 2, 3, 3, 3, 3];

/** Undo the x86 BCJ filter in place: E8/E9 operands absolute -> relative (in the decoder's direction). */
export function bcjX86Decode(buf: Uint8Array, startOffset = 0): void {
  if (buf.length <= 4) return;
  const end = buf.length - 4;
  let prevPos = -1;
  let prevMask = 0;
  for (let i = 0; i < end; i++) {
    if ((buf[i]! & 0xfe) !== 0xe8) continue;
    const gap = i - prevPos;
    if (gap > 3) {
      prevMask = 0;
    } else {
      prevMask = (prevMask << (gap - 1)) & 7;
      if (prevMask !== 0) {
        const b = buf[i + 4 - MASK_BIT[prevMask]!]!;
        if (!MASK_ALLOWED[prevMask] || isMsbyteOk(b)) {
          prevPos = i;
          prevMask = ((prevMask << 1) | 1) & 0xff;
          continue;
        }
      }
    }
    prevPos = i;
    if (!isMsbyteOk(buf[i + 4]!)) {
      prevMask = ((prevMask << 1) | 1) & 0xff;
      continue;
    }
    let src = (buf[i + 1]! | (buf[i + 2]! << 8) | (buf[i + 3]! << 16) | (buf[i + 4]! << 24)) >>> 0;
    let dest: number;
    for (;;) {
      dest = (src - (startOffset + i + 5)) >>> 0;
      if (prevMask === 0) break;
      const j = MASK_BIT[prevMask]! * 8;
      const b = (dest >>> (24 - j)) & 0xff;
      if (!isMsbyteOk(b)) break;
      src = (dest ^ (2 ** (32 - j) - 1)) >>> 0;
    }
    dest &= 0x01ffffff;
    if (dest & 0x01000000) dest |= 0xfe000000;
    buf[i + 1] = dest & 0xff;
    buf[i + 2] = (dest >>> 8) & 0xff;
    buf[i + 3] = (dest >>> 16) & 0xff;
    buf[i + 4] = (dest >>> 24) & 0xff;
    i += 4;
  }
}
