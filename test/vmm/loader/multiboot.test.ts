// Multiboot v1 loader with the project's test kernel (ELF and a.out kludge), its refusals, its machine code.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKernel, KernelLoadError } from '../../../src/vmm/loader/index.js';
import { FlatGuestRam } from '../../../src/vmm/loader/guest-memory.js';
import { buildE820 } from '../../../src/vmm/loader/e820.js';
import { memoryLayout, BOOT, MiB } from '../../../src/vmm/machine/layout.js';
import { buildMultibootTestKernel } from '../../fixtures/multiboot/kernel.js';

const RAM = 32 * MiB;
function input(kernel: Uint8Array, initrd?: Uint8Array) {
  const layout = memoryLayout(RAM);
  return { mem: new FlatGuestRam(RAM), kernel, initrd, cmdline: 'hello multiboot', layout, e820: buildE820(layout) };
}
const u32 = (m: FlatGuestRam, a: number) => new DataView(m.bytes.buffer).getUint32(a, true);

describe('Multiboot v1', () => {
  for (const aout of [false, true]) {
    it(`loads the project's test kernel (${aout ? 'a.out kludge' : 'ELF'}) with multiboot_info`, async () => {
      const k = buildMultibootTestKernel({ exitCode: 0x2a, aout });
      const i = input(k, new Uint8Array(5000).fill(9));
      const r = await loadKernel(i);
      expect(r.format).toBe('multiboot');
      expect(r.entry.rip).toBe(0x100080);
      expect(r.entry.rax).toBe(0x2badb002);
      expect(r.entry.rbx).toBe(BOOT.startInfo);
      expect(r.entry.mode).toBe('protected32');
      expect([...i.mem.bytes.subarray(0x100080, 0x100081)]).toEqual([0xbc]); // mov esp, imm32
      const info = BOOT.startInfo;
      const flags = u32(i.mem, info);
      expect(flags & 0x24d).toBe(0x24d); // mem, cmdline, mods, mmap, loader name
      expect(u32(i.mem, info + 4)).toBe(640);
      expect(u32(i.mem, info + 8)).toBe((RAM - MiB) / 1024);
      expect(u32(i.mem, info + 20)).toBe(1);
      const mod = u32(i.mem, info + 24);
      const modStart = u32(i.mem, mod);
      expect(modStart % 4096).toBe(0);
      expect(modStart).toBeGreaterThanOrEqual(r.kernel.end);
      expect(u32(i.mem, mod + 4) - modStart).toBe(5000);
      expect(i.mem.bytes[modStart]).toBe(9);
      expect(u32(i.mem, info + 44)).toBe(4 * 24);
      const mmap = u32(i.mem, info + 48);
      expect(u32(i.mem, mmap)).toBe(20);
      expect(u32(i.mem, mmap + 20)).toBe(1);
      const cmd = u32(i.mem, info + 16);
      expect(new TextDecoder().decode(i.mem.bytes.subarray(cmd, cmd + 15))).toBe('hello multiboot');
    });
  }

  it('refuses a bad checksum and segments outside RAM, naming the check', async () => {
    const k = buildMultibootTestKernel();
    k[0x68] ^= 1;
    const e = await loadKernel(input(k)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KernelLoadError);
    expect((e as KernelLoadError).check).toBe('bad-checksum');
    const big = buildMultibootTestKernel();
    new DataView(big.buffer).setUint32(64, 0x4000000, true); // p_paddr = 64 MiB
    const e2 = await loadKernel(input(big)).catch((x: unknown) => x);
    expect((e2 as KernelLoadError).check).toBe('segment-outside-ram');
  });

  it('is valid 32-bit code (disassembled by objdump from binutils)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mb-'));
    try {
      const f = join(dir, 'k.elf');
      writeFileSync(f, buildMultibootTestKernel({ exitCode: 0x2a }));
      const r = spawnSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', '-M', 'intel', '--adjust-vma=0x100000', '--start-address=0x100080', '--stop-address=0x1000f7', f], { encoding: 'utf8' });
      if (r.error) throw new Error('objdump not found: install Debian package binutils');
      expect(r.status, r.stderr).toBe(0);
      const text = r.stdout;
      expect(text).toMatch(/100080:.*mov\s+esp,0x[0-9a-f]+\s*\n.*cmp\s+eax,0x2badb002/);
      expect(text).toMatch(/mov\s+esi,DWORD PTR \[ebx\+0x10\]/);
      expect(text).toMatch(/mov\s+al,0x2a\s*\n.*out\s+0xf4,al/);
      expect(text).toMatch(/in\s+al,dx\s*\n.*test\s+al,0x20/);
      expect(text).toMatch(/out\s+dx,al/);
      expect(text).toMatch(/ret\s*$/m);
      expect(text).not.toMatch(/\(bad\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
