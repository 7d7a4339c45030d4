// test/diff/diff.test.ts — the CI subset of the differential test (fixed seed): every implemented
// form of the opcode table against the real CPU; any mismatch fails, with the first reports shown.
import { describe, expect, it } from 'vitest';
import { runDiff } from './run.js';

describe('x86-64 interpreter vs. the real CPU', () => {
  it('matches the host CPU on every implemented form (fixed seed)', () => {
    const s = runDiff({ full: false, seed: 1, perForm: 6, optimize: 1 });
    expect(s.forms).toBeGreaterThan(900);
    expect(s.report.filter((l) => l.startsWith('MISMATCH')).slice(0, 10)).toEqual([]);
    expect(s.mismatches).toBe(0);
  }, 600_000);
});
