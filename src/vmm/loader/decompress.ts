// Decompression of a bzImage payload (arch/x86/boot/compressed: vmlinux.bin.{gz,xz,...}) on the
// host. gzip: the platform's DecompressionStream (native zlib, ~5x faster than JS; it checks the
// member's CRC-32 and refuses trailing bytes), falling back to fflate on the deflate stream after
// the RFC 1952 header (trailing bytes ignored, as older kernels appended the size). XZ: the .xz container (BCJ x86 + LZMA2, as the kernel's xz_wrap.sh makes it) with
// the `xz-decompress` package; the kernel appends the uncompressed size (4 bytes, little-endian)
// after the XZ stream, which is cut off before decoding.
// Invariant: a failure is KernelLoadError('decompress') naming the format and the cause.

import { inflateSync } from 'fflate';
import * as xzModule from 'xz-decompress';
import { fail } from './errors.js';
import { bcjX86Decode, crc32, planBcjX86 } from './xz-bcj.js';

export type PayloadCompression = 'gzip' | 'xz' | 'bzip2' | 'lzma' | 'lzo' | 'lz4' | 'zstd' | 'unknown';

export function detectCompression(p: Uint8Array): PayloadCompression {
  const m = (...b: number[]) => b.every((x, i) => p[i] === x);
  if (m(0x1f, 0x8b)) return 'gzip';
  if (m(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (m(0x42, 0x5a, 0x68)) return 'bzip2';
  if (m(0x5d, 0x00)) return 'lzma';
  if (m(0x89, 0x4c, 0x5a, 0x4f)) return 'lzo';
  if (m(0x02, 0x21, 0x4c, 0x18)) return 'lz4';
  if (m(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  return 'unknown';
}

export async function decompressPayload(p: Uint8Array): Promise<Uint8Array> {
  const kind = detectCompression(p);
  if (kind === 'gzip') return (await nativeGunzip(p)) ?? gunzip(p);
  if (kind === 'xz') return unxz(p);
  fail('unsupported', `bzImage payload is ${kind === 'unknown' ? 'in an unknown format' : kind + '-compressed'}; the host decompresses gzip and XZ`);
}

/** Length of the gzip member header (RFC 1952 §2.3). */
function gzipHeaderLength(p: Uint8Array): number {
  if (p.length < 18 || p[2] !== 8) fail('decompress', 'gzip payload: bad header (compression method is not deflate or file too short)');
  const flg = p[3]!;
  let o = 10;
  if (flg & 0x04) o += 2 + (p[o]! | (p[o + 1]! << 8)); // FEXTRA
  const skipZ = () => { while (o < p.length && p[o] !== 0) o++; o++; };
  if (flg & 0x08) skipZ(); // FNAME
  if (flg & 0x10) skipZ(); // FCOMMENT
  if (flg & 0x02) o += 2;  // FHCRC
  if (o >= p.length) fail('decompress', 'gzip payload: header runs past the end');
  return o;
}

/** The platform's gzip decoder, or undefined when it is missing or refuses the input. */
async function nativeGunzip(p: Uint8Array): Promise<Uint8Array | undefined> {
  if (typeof DecompressionStream === 'undefined') return undefined;
  try {
    const input = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(p.slice()); c.close(); } });
    const gunzip = new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
    return new Uint8Array(await new Response(input.pipeThrough(gunzip)).arrayBuffer());
  } catch {
    return undefined;
  }
}

function gunzip(p: Uint8Array): Uint8Array {
  const start = gzipHeaderLength(p);
  let out: Uint8Array;
  try {
    out = inflateSync(p.subarray(start));
  } catch (e) {
    fail('decompress', `gzip payload fails to decompress: ${(e as Error).message}`);
  }
  return out;
}

async function unxz(p: Uint8Array): Promise<Uint8Array> {
  // An XZ stream ends with the footer magic "YZ"; Linux appends 4 size bytes after it.
  const endsYZ = (n: number) => p[n - 2] === 0x59 && p[n - 1] === 0x5a;
  const stream = endsYZ(p.length) ? p : endsYZ(p.length - 4) ? p.subarray(0, p.length - 4) : p;
  try {
    const plan = planBcjX86(stream);
    if (!plan) return await lzma2Decode(stream);
    const out = await lzma2Decode(plan.lzma2Stream);
    if (plan.uncompressedSize !== undefined && out.length !== plan.uncompressedSize) throw new Error(`decoded ${out.length} bytes, the index says ${plan.uncompressedSize}`);
    bcjX86Decode(out, plan.bcjStart);
    if (plan.crc !== undefined && crc32(out) !== plan.crc) throw new Error('CRC32 of the decoded data does not match the block check');
    return out;
  } catch (e) {
    fail('decompress', `XZ payload fails to decompress: ${(e as Error).message ?? String(e)}`);
  }
}

async function lzma2Decode(stream: Uint8Array): Promise<Uint8Array> {
  const input = new ReadableStream<Uint8Array>({
    start(c) { c.enqueue(stream.slice()); c.close(); },
  });
  // The package is a UMD bundle: named export under ESM bundlers, default export under Node's CJS interop.
  const mod = xzModule as unknown as { XzReadableStream?: typeof xzModule.XzReadableStream; default?: typeof xzModule };
  const Xz = mod.XzReadableStream ?? mod.default!.XzReadableStream;
  const buf = await new Response(new Xz(input)).arrayBuffer();
  if (buf.byteLength === 0) throw new Error('empty output');
  return new Uint8Array(buf);
}
