// Round-trip tests over the corpus: each document normalises to its reviewed
// .out.xml, and the normalised document is a fixed point (define -> dumpxml ->
// define -> dumpxml gives the same text).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusInputs, expectedPath, normalise } from './corpus.js';

describe('XML corpus round trip', () => {
  const files = corpusInputs();

  it('has documents of every kind', () => {
    for (const kind of ['domain-', 'pool-', 'vol-', 'net-']) {
      expect(files.some((f) => f.startsWith(kind))).toBe(true);
    }
  });

  it('a document as libvirt itself prints it comes back unchanged', () => {
    const f = 'domain-libvirt-dump.xml';
    const text = readFileSync(join(CORPUS_DIR, f), 'utf8');
    expect(normalise(f, text)).toBe(text);
  });

  for (const f of files) {
    it(`${f} normalises to ${f.replace(/\.xml$/, '.out.xml')}`, () => {
      const out = normalise(f, readFileSync(join(CORPUS_DIR, f), 'utf8'));
      expect(out).toBe(readFileSync(expectedPath(f), 'utf8'));
    });

    it(`${f} is stable once normalised`, () => {
      const expected = readFileSync(expectedPath(f), 'utf8');
      expect(normalise(f, expected)).toBe(expected);
    });
  }
});
