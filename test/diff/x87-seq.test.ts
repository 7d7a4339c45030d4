// test/diff/x87-seq.test.ts — the CI run of x87-seq.ts (fixed seed): x87 instruction sequences
// ending in FNSTENV against the real CPU, so FOP/FIP/FDP, full tags and deferred #MF are compared.
import { describe, expect, it } from 'vitest';
import { runSequences } from './x87-seq.js';

describe('x87 instruction sequences vs. the real CPU', () => {
  it('matches the host on random sequences (fixed seed)', () => {
    const r = runSequences(400, 1, 1);
    expect(r.report.slice(0, 10)).toEqual([]);
    expect(r.mismatches).toBe(0);
  }, 900_000);
});
