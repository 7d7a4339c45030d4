// test/diff/native.ts — the oracle side: compiles runner.c with the machine's gcc into a temp
// dir and runs a batch of cases through it (one process, cases on stdin, results on stdout).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './core.js';
import type { Case } from './cases.js';
import { fpToken, parseFpOut, type FpOut } from './sse-cases.js';

export interface NativeResult {
  vector: number; error: number; cr2: bigint; rip: bigint; rflags: bigint; regs: bigint[]; changes: Map<number, number>;
  fp?: FpOut; // x87/SSE state after the case (sse-cases.ts)
}

const hex = (v: bigint) => BigInt.asUintN(64, v).toString(16);

let compatUsable: boolean | undefined;

/**
 * Whether this host can run 32-bit compatibility-mode code at all: some virtualised hosts refuse
 * the return to the 32-bit user code segment (#GP with the selector as error code on a NOP), so
 * every 32-bit case would fail there whatever the form.
 */
export function compatModeUsable(): boolean {
  if (compatUsable !== undefined) return compatUsable;
  const probe = { form: { mode: 32 }, id: 0, seed: 1, rflags: 0x202n, regs: new Array<bigint>(16).fill(0n),
    code: Uint8Array.from([0x90, 0x0f, 0x0b]), pokes: [] } as unknown as Case;
  const r = runNative([probe]).get(0);
  compatUsable = r !== undefined && r.vector === 6 && r.rip === 0x1000_0001n;
  return compatUsable;
}

export function runNative(cases: Case[]): Map<number, NativeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-diff-'));
  try {
    const exe = join(dir, 'runner');
    execFileSync('gcc', ['-O1', '-o', exe, join(ROOT, 'test', 'diff', 'runner.c')], { stdio: ['ignore', 'inherit', 'inherit'] });
    const input = cases.map((c) => [c.id.toString(16), c.form.mode.toString(16), (c.seed >>> 0).toString(16), hex(c.rflags),
      ...c.regs.map(hex), Buffer.from(c.code).toString('hex'),
      ...(c.pokes.length ? [c.pokes.map(([o, b]) => `${o.toString(16)}=${Buffer.from(b).toString('hex')}`).join(',')] : []), ...fpToken(c.fp)].join(' ')).join('\n') + '\n';
    const out = execFileSync(exe, { input, maxBuffer: 1 << 30, timeout: 600_000 }).toString();
    const results = new Map<number, NativeResult>();
    for (const line of out.split('\n')) {
      if (!line) continue;
      const t = line.split(' ');
      const n = (i: number) => BigInt('0x' + t[i]);
      const changes = new Map<number, number>();
      const count = parseInt(t[22], 16);
      for (let i = 0; i < count; i++) {
        const [o, v] = t[23 + i].split(':');
        changes.set(parseInt(o, 16), parseInt(v, 16));
      }
      results.set(parseInt(t[0], 16), {
        vector: Number(n(1)), error: Number(n(2)), cr2: n(3), rip: n(4), rflags: n(5),
        regs: Array.from({ length: 16 }, (_, i) => n(6 + i)), changes, fp: parseFpOut(t, 23 + count),
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

