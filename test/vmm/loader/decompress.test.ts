// Host-side payload decompression: CRC-32, XZ with the x86 BCJ filter (vs the xz CLI), gzip, corruption.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { crc32 } from '../../../src/vmm/loader/xz-bcj.js';
import { decompressPayload, detectCompression } from '../../../src/vmm/loader/decompress.js';
import { KernelLoadError } from '../../../src/vmm/loader/errors.js';

describe('payload decompression', () => {
  it('computes the CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('undoes the x86 BCJ filter on real x86 machine code (xz --x86, like the kernel)', async () => {
    const code = new Uint8Array(readFileSync(process.execPath).subarray(0x100000, 0x100000 + 2 * 1024 * 1024));
    const xz = new Uint8Array(execFileSync('xz', ['--format=xz', '--check=crc32', '--x86', '--lzma2=dict=8MiB', '-c'], { input: code, maxBuffer: 64 << 20 }));
    expect(detectCompression(xz)).toBe('xz');
    const out = await decompressPayload(xz);
    expect(out.length).toBe(code.length);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(code))).toBe(0);
  });

  it('decodes plain XZ and gzip and reports corruption as a decompress failure', async () => {
    const data = new TextEncoder().encode('wasmvirt '.repeat(1000));
    const xz = new Uint8Array(execFileSync('xz', ['-c'], { input: data }));
    expect(new TextDecoder().decode(await decompressPayload(xz))).toBe('wasmvirt '.repeat(1000));
    expect(new TextDecoder().decode(await decompressPayload(gzipSync(data)))).toBe('wasmvirt '.repeat(1000));
    const gzWithSize = new Uint8Array([...gzipSync(data), 0x28, 0x23, 0, 0]); // older kernels appended the size
    expect(new TextDecoder().decode(await decompressPayload(gzWithSize))).toBe('wasmvirt '.repeat(1000));
    const bad = xz.slice();
    bad[bad.length >> 1] ^= 0xff;
    const e = await decompressPayload(bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KernelLoadError);
    expect((e as KernelLoadError).check).toBe('decompress');
    const bz = await decompressPayload(Uint8Array.of(0x42, 0x5a, 0x68, 0x39)).catch((x: unknown) => x);
    expect((bz as KernelLoadError).message).toMatch(/bzip2-compressed; the host decompresses gzip and XZ/);
  });
});
