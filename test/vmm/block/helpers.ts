// Test helpers for the block layer: deterministic pseudo-random data, temp
// directories, and the qemu-img wrapper (tests that need it fail with a clear
// message when Debian's qemu-utils is missing).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** xorshift32 bytes: the same seed gives the same bytes. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `wasmvirt-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function requireQemuImg(): void {
  try {
    execFileSync('qemu-img', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('qemu-img is not installed: these interop tests need Debian\'s qemu-utils ' +
      '(apt-get install -y qemu-utils)');
  }
}

/** Runs qemu-img; returns stdout. Throws with stderr on a non-zero exit unless allowFail. */
export function qemuImg(args: string[], opts: { allowFail?: boolean } = {}): { code: number; out: string; err: string } {
  try {
    const out = execFileSync('qemu-img', args, { stdio: 'pipe', encoding: 'utf8', timeout: 60_000 });
    return { code: 0, out, err: '' };
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    if (!opts.allowFail) throw new Error(`qemu-img ${args.join(' ')} failed (${x.status}): ${x.stderr ?? ''}${x.stdout ?? ''}`);
    return { code: x.status ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

export interface QemuCheck {
  'check-errors': number;
  'leaks'?: number;
  'corruptions'?: number;
  'image-end-offset'?: number;
}

/** `qemu-img check --output=json` (exit 0 clean, 2 corruptions, 3 leaks). */
export function qemuCheck(file: string): QemuCheck & { code: number } {
  const r = qemuImg(['check', '--output=json', '-f', 'qcow2', file], { allowFail: true });
  if (r.code !== 0 && r.code !== 2 && r.code !== 3) throw new Error(`qemu-img check ${file}: ${r.err}`);
  return { ...(JSON.parse(r.out) as QemuCheck), code: r.code };
}

/** Asserts equal bytes without handing megabytes to the test runner's differ. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length)
    .equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  let j = i;
  while (j < actual.length && actual[j] !== expected[j]) j++;
  throw new Error(`${what}: first difference at byte ${i} (0x${i.toString(16)}): got ${actual[i]}, ` +
    `expected ${expected[i]}; differing run ends at ${j}`);
}
