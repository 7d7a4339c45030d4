// Tests for the deterministic gzip writer (scripts/images/gzip.ts): CRC-32 check
// value, round trip through zlib and gzip(1), fixed header, identical output per input.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, gzip } from '../../scripts/images/gzip.js';

function pseudoRandom(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const inputs: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['text', new TextEncoder().encode('WASMVIRT-READY 1.23\n'.repeat(1000))],
  ['random', pseudoRandom(300_000)],
];

describe('gzip writer', () => {
  it('computes the CRC-32 check value of "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it.each(inputs)('round-trips %s through zlib with a fixed header and trailer', (_, data) => {
    const gz = gzip(data);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    expect(Buffer.from(gunzipSync(gz)).equals(Buffer.from(data))).toBe(true);
    const view = new DataView(gz.buffer, gz.byteOffset, gz.byteLength);
    expect(view.getUint32(gz.length - 4, true)).toBe(data.length);
    expect(view.getUint32(gz.length - 8, true)).toBe(crc32(data));
  });

  it('passes gzip -t and is identical on every run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-gz-'));
    try {
      const data = inputs[2][1];
      const a = gzip(data);
      writeFileSync(join(dir, 'a.gz'), a);
      execFileSync('gzip', ['-t', join(dir, 'a.gz')]);
      expect(Buffer.from(gzip(data)).equals(Buffer.from(a))).toBe(true);
      expect(gzip(inputs[1][1]).length).toBeLessThan(inputs[1][1].length / 50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
