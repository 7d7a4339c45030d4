// Differential check against a reference VMM, Debian's QEMU (package qemu-system-x86), when it is
// installed: the project's Multiboot test kernel boots under QEMU's own Multiboot loader and ends
// through isa-debug-exit with (code << 1) | 1 — the fixture is right independently of our loader.
// (test/vmm/machine/qemu-boot-structures.test.ts boots our loaders' output under QEMU.)
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMultibootTestKernel } from '../../fixtures/multiboot/kernel.js';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync('sh', ['-c', `command -v ${QEMU}`], { stdio: 'ignore' }).status === 0;

/** Runs QEMU under `timeout`; resolves with console output and exit status once `until` matches or QEMU exits. */
function qemu(args: string[], seconds: number, until?: RegExp): Promise<{ out: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('timeout', ['-k', '5', String(seconds), QEMU, '-accel', 'tcg', '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (status: number | null) => { if (!done) { done = true; resolve({ out, status }); } };
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('latin1');
      if (until && until.test(out)) { child.kill('SIGTERM') /* to `timeout`, which passes it on to QEMU (SIGKILL would orphan QEMU) */; finish(null); }
    });
    child.stderr.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    child.on('exit', (code) => finish(code));
  });
}

describe.skipIf(!haveQemu)(`reference boots under ${QEMU} (install qemu-system-x86 to run)`, () => {
  it('boots the Multiboot test kernel: COM1 output and isa-debug-exit status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbq-'));
    try {
      const k = join(dir, 'mb.elf');
      writeFileSync(k, buildMultibootTestKernel({ exitCode: 0x2a }));
      const r = await qemu(['-m', '64', '-kernel', k, '-append', 'from-qemu', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], 60);
      expect(r.out).toMatch(/wasmvirt multiboot: ok, cmdline: \S*mb\.elf from-qemu\n/);
      expect(r.status).toBe((0x2a << 1) | 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

});
