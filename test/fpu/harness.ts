// test/fpu/harness.ts — builds the two sides of the softfloat differential test: the AS test
// entry (core-wasm/test-entry/fpu.ts, compiled with asc into a temp dir) and the native oracle
// (test/fpu/oracle.c, compiled with gcc), and runs batches of cases through the oracle.
// Invariant: everything is built into the OS temp directory, under a name derived from a hash
// of the sources (so the three test files share one build); nothing in the tree is written.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export type FpuExports = Record<string, (...args: (number | bigint)[]) => number | bigint> & {
  memory: WebAssembly.Memory;
};

let tmp: string | undefined;
function tempDir(): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'wasmvirt-fpu-'));
  return tmp;
}

/** Hash of every input of the two builds. */
function sourceHash(): string {
  const h = createHash('sha256');
  const fpuDir = join(root, 'core-wasm/assembly/fpu');
  for (const f of readdirSync(fpuDir).sort()) h.update(f).update(readFileSync(join(fpuDir, f)));
  h.update(readFileSync(join(root, 'core-wasm/test-entry/fpu.ts')));
  h.update(readFileSync(join(here, 'oracle.c')));
  return h.digest('hex').slice(0, 16);
}

/** Build `name` once per source hash: `make(tmpPath)` writes it, then it is renamed into place. */
function cached(name: string, make: (path: string) => void): string {
  const dir = join(tmpdir(), `wasmvirt-fpu-cache-${sourceHash()}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  if (!existsSync(path)) {
    const part = join(tempDir(), name);
    make(part);
    renameSync(part, path);
  }
  return path;
}

/** Compile the softfloat test entry with asc and instantiate it. */
export async function loadFpu(): Promise<FpuExports> {
  const asc = join(root, 'node_modules', '.bin', 'asc');
  const out = cached('fpu.wasm', (path) => execFileSync(asc, [join(root, 'core-wasm/test-entry/fpu.ts'), '-o', path,
    '--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', '1', '--enable', 'simd'], { cwd: root, stdio: 'pipe' }));
  const { instance } = await WebAssembly.instantiate(readFileSync(out), {
    env: { abort: (_m: number, _f: number, line: number) => { throw new Error(`abort at line ${line}`); } },
  });
  return instance.exports as unknown as FpuExports;
}

/** Compile the native oracle; returns a function running one batch of input lines. */
export function buildOracle(): (lines: string[]) => string[] {
  const exe = cached('oracle', (path) => execFileSync('gcc', ['-O1', '-o', path, join(here, 'oracle.c')], { stdio: 'pipe' }));
  return (lines: string[]) => {
    const r = spawnSync(exe, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 28, timeout: 60_000 });
    if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr?.toString() ?? r.error}`);
    const outLines = r.stdout.toString().trimEnd().split('\n');
    if (outLines.length !== lines.length) throw new Error(`oracle returned ${outLines.length} lines for ${lines.length}`);
    for (let i = 0; i < outLines.length; i++) {
      if (outLines[i].startsWith('error')) throw new Error(`oracle: ${outLines[i]} for "${lines[i]}"`);
    }
    return outLines;
  };
}

/** xorshift64* — seeded, reproducible. */
export class Rng {
  private s: bigint;
  constructor(seed: number) { this.s = BigInt(seed) * 0x9E3779B97F4A7C15n | 1n; this.s &= (1n << 64n) - 1n; }
  u64(): bigint {
    let x = this.s;
    x ^= x >> 12n; x ^= (x << 25n) & 0xFFFFFFFFFFFFFFFFn; x ^= x >> 27n;
    this.s = x;
    return (x * 0x2545F4914F6CDD1Dn) & 0xFFFFFFFFFFFFFFFFn;
  }
  int(n: number): number { return Number(this.u64() % BigInt(n)); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

export const hex = (v: bigint | number): string => v.toString(16);
export const FULL = process.env.FPU_FULL === '1';
export const SEED = Number(process.env.FPU_SEED ?? 20261122);
