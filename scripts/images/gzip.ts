// Deterministic gzip member writer (RFC 1952) over fflate's raw DEFLATE (RFC 1951).
//
// Invariants: MTIME = 0, no FNAME/FCOMMENT/FEXTRA, OS = 3 (Unix), XFL from the
// level, so the output depends only on the input bytes and the level. The CRC-32
// is the RFC 1952 section 8 polynomial (0xEDB88320, reflected). Linux's
// initramfs unpacker (lib/decompress_inflate.c) accepts exactly this form.

import { deflateSync } from 'fflate';

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** CRC-32 of `data` as stored in a gzip trailer. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export type GzipLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Compresses `data` into one gzip member with a fixed header. */
export function gzip(data: Uint8Array, level: GzipLevel = 9): Uint8Array {
  const body = deflateSync(data, { level });
  const out = new Uint8Array(10 + body.length + 8);
  const xfl = level === 9 ? 2 : level === 1 ? 4 : 0;
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3], 0);
  out.set(body, 10);
  const view = new DataView(out.buffer);
  view.setUint32(10 + body.length, crc32(data), true);
  view.setUint32(14 + body.length, data.length >>> 0, true);
  return out;
}
