// The deterministic workload of the crash test: operation i of round r is a
// pure function of (r, i), so the parent can replay what the killed child did.
import { pattern } from './helpers.js';

export const FLUSH_EVERY = 5;

export interface CrashOp { kind: 'write' | 'zero'; offset: number; length: number; data?: Uint8Array; }

function rng(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

export function crashOp(round: number, i: number, capacity: number): CrashOp {
  const r = rng(round * 1_000_003 + i + 1);
  const kind = r() < 0.15 ? 'zero' : 'write';
  const length = 1 + Math.floor(r() * (kind === 'zero' ? 300_000 : 150_000));
  const offset = Math.floor(r() * (capacity - length));
  return kind === 'zero' ? { kind, offset, length } : { kind, offset, length, data: pattern(length, round * 100_000 + i) };
}
