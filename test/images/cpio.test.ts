// Tests for the newc cpio writer/reader (scripts/images/cpio.ts): round trip through
// our reader and through GNU cpio, deterministic bytes, and clear refusals of bad input.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CpioArchive, readCpio } from '../../scripts/images/cpio.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function sample(order: 'forward' | 'reverse'): CpioArchive {
  const steps: ((a: CpioArchive) => void)[] = [
    (a) => a.file('init', enc('#!/bin/sh\necho hi\n'), 0o755),
    (a) => a.chardev('dev/console', 5, 1, 0o600),
    (a) => a.symlink('bin/sh', '/bin/busybox'),
    (a) => a.file('bin/busybox', new Uint8Array([1, 2, 3, 4, 5])),
    (a) => a.dir('tmp', 0o1777),
    (a) => a.file('etc/wasmvirt/modules', enc('/lib/a.ko\n')),
  ];
  const a = new CpioArchive();
  for (const s of order === 'forward' ? steps : [...steps].reverse()) s(a);
  return a;
}

describe('cpio newc writer', () => {
  it('round-trips through its own reader with fixed owners, times and sorted paths', () => {
    const members = readCpio(sample('forward').toBytes());
    expect(members.map((m) => m.path)).toEqual([
      'bin', 'bin/busybox', 'bin/sh', 'dev', 'dev/console', 'etc', 'etc/wasmvirt', 'etc/wasmvirt/modules', 'init', 'tmp',
    ]);
    for (const m of members) expect([m.uid, m.gid, m.mtime]).toEqual([0, 0, 0]);
    const by = new Map(members.map((m) => [m.path, m]));
    expect(by.get('init')).toMatchObject({ kind: 'file', perm: 0o755 });
    expect(new TextDecoder().decode(by.get('init')!.data)).toBe('#!/bin/sh\necho hi\n');
    expect(by.get('bin/sh')).toMatchObject({ kind: 'symlink', target: '/bin/busybox' });
    expect(by.get('dev/console')).toMatchObject({ kind: 'chardev', perm: 0o600, rdev: { major: 5, minor: 1 } });
    expect(by.get('tmp')).toMatchObject({ kind: 'dir', perm: 0o1777 });
    expect(by.get('etc/wasmvirt')).toMatchObject({ kind: 'dir', perm: 0o755 });
    expect(members.map((m) => m.ino)).toEqual(members.map((_, i) => i + 1));
  });

  it('gives byte-identical output regardless of insertion order, padded to 512', () => {
    const a = sample('forward').toBytes();
    const b = sample('reverse').toBytes();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.length % 512).toBe(0);
  });

  it('is read by GNU cpio with the same listing', () => {
    if (spawnSync('cpio', ['--version']).error) throw new Error('GNU cpio is not installed: apt-get install cpio');
    const listing = execFileSync('cpio', ['-it', '--quiet'], { input: sample('forward').toBytes(), encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual(readCpio(sample('forward').toBytes()).map((m) => m.path));
    const verbose = execFileSync('cpio', ['-itv', '--quiet'], { input: sample('forward').toBytes(), encoding: 'utf8' });
    expect(verbose).toMatch(/^crw------- +1 root +root +5, +1 .* dev\/console$/m);
    expect(verbose).toMatch(/^lrwxrwxrwx .* bin\/sh -> \/bin\/busybox$/m);
  });

  it('refuses bad paths, duplicates and entries under a file', () => {
    const a = new CpioArchive().file('x', enc('1'));
    expect(() => a.file('x', enc('2'))).toThrow(/duplicate path "x"/);
    expect(() => a.file('x/y', enc('2'))).toThrow(/lies under "x", which is not a directory/);
    expect(() => a.file('/abs', enc(''))).toThrow(/bad path "\/abs"/);
    expect(() => a.file('a/../b', enc(''))).toThrow(/'\.\.'/);
    expect(() => a.file('f', enc(''), 0o100644)).toThrow(/non-permission bits/);
    expect(() => a.add({ path: 's', kind: 'symlink', perm: 0o777 })).toThrow(/symlink without a target/);
  });

  it('reports malformed archives', () => {
    const bytes = sample('forward').toBytes();
    const bad = bytes.slice();
    bad[0] = 0x39;
    expect(() => readCpio(bad)).toThrow(/bad magic "970701" at offset 0/);
    expect(() => readCpio(bytes.subarray(0, 200))).toThrow(/runs past the end|truncated/);
  });
});
