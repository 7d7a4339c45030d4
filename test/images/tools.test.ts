// ensureTools (scripts/images/tools.ts): present tools pass; a missing one, for a
// user who is not root, fails with the exact apt-get command to run.
import { describe, expect, it } from 'vitest';
import { ensureTools } from '../../scripts/images/tools.js';

describe('ensureTools', () => {
  it('passes when every tool is present', () => {
    expect(() => ensureTools([{ pkg: 'coreutils', check: { cmd: 'ls' } }, { pkg: 'base-files', check: { file: '/etc' } }], 'test', false)).not.toThrow();
  });

  it('names the packages and the apt-get command when not root', () => {
    const missing = [
      { pkg: 'wasmvirt-missing-b', check: { cmd: 'wasmvirt-no-such-command' } },
      { pkg: 'wasmvirt-missing-a', check: { file: '/nonexistent/wasmvirt.h' } },
      { pkg: 'coreutils', check: { cmd: 'ls' } },
    ];
    expect(() => ensureTools(missing, 'the tiny kernel', false)).toThrow(
      /the tiny kernel needs Debian packages that are not installed: wasmvirt-missing-a, wasmvirt-missing-b\.\nRun as root:\n {2}apt-get update && apt-get install -y wasmvirt-missing-a wasmvirt-missing-b/,
    );
  });
});
