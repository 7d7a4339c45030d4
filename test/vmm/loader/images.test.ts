// The loaders against the real images of `npm run images` (public/images/{debian,tiny}), when
// present: Debian's stock bzImage (XZ payload, PVH note in the vmlinux: FACTS.md) and the
// project's tiny kernel. Without the images these tests are skipped with the command to make them.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadKernel } from '../../../src/vmm/loader/index.js';
import { inspectFastPath } from '../../../src/vmm/loader/fast-path.js';
import { parseBzImage } from '../../../src/vmm/loader/bzimage-header.js';
import { FlatGuestRam } from '../../../src/vmm/loader/guest-memory.js';
import { buildE820 } from '../../../src/vmm/loader/e820.js';
import { memoryLayout, BOOT, MiB } from '../../../src/vmm/machine/layout.js';

const root = fileURLToPath(new URL('../../../public/images/', import.meta.url));
const RAM = 256 * MiB;

for (const name of ['debian', 'tiny'] as const) {
  const dir = `${root}${name}/`;
  const present = existsSync(`${dir}manifest.json`) && existsSync(`${dir}vmlinuz`);
  describe.skipIf(!present)(`image ${name} (run \`npm run images\` to build it)`, () => {
    const manifest = present ? JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) : undefined;
    const kernel = present ? new Uint8Array(readFileSync(`${dir}${manifest.kernel.file}`)) : new Uint8Array();
    const initrd = present ? new Uint8Array(readFileSync(`${dir}${manifest.initramfs.file}`)) : new Uint8Array();
    const input = () => {
      const layout = memoryLayout(RAM);
      return { mem: new FlatGuestRam(RAM), kernel, initrd, cmdline: manifest.cmdline as string, layout, e820: buildE820(layout), rsdp: 0xe0000 };
    };

    it('has the setup header the manifest describes', () => {
      const h = parseBzImage(kernel);
      expect(`${h.version >> 8}.${(h.version & 0xff).toString().padStart(2, '0')}`).toBe(manifest.kernel.bootProtocol);
      expect(h.xloadflags & 1).toBe(1);
    });

    it('finds the PVH note in the decompressed payload (fast path)', async () => {
      const r = await inspectFastPath(kernel);
      if (!r.ok) throw new Error(`fast path does not apply to ${name}: ${r.reason}`);
      expect(r.compression).toBe(manifest.kernel.payload);
      expect(r.entry).toBeGreaterThanOrEqual(0x1000000);
      expect(r.entry).toBeLessThan(0x1000000 + r.vmlinux.length);
    }, 60_000);

    it('loads through PVH by default with the initramfs as module 0', async () => {
      const i = input();
      const r = await loadKernel(i);
      expect(r.format).toBe('pvh');
      expect(r.entry.rbx).toBe(BOOT.startInfo);
      const v = new DataView(i.mem.bytes.buffer);
      expect(v.getUint32(BOOT.startInfo, true)).toBe(0x336ec578);
      const mod = Number(v.getBigUint64(BOOT.startInfo + 16, true));
      const start = Number(v.getBigUint64(mod, true));
      expect(Number(v.getBigUint64(mod + 8, true))).toBe(initrd.length);
      expect([...i.mem.bytes.subarray(start, start + 2)]).toEqual([0x1f, 0x8b]);
      expect(r.kernel.start).toBe(0x1000000);
    }, 60_000);

    it('loads through the Linux boot protocol when asked (64-bit entry at pref_address + 0x200)', async () => {
      const i = input();
      const r = await loadKernel(i, { bootPath: 'bzimage' });
      expect(r.format).toBe('bzimage');
      expect(r.entry.mode).toBe('long64');
      expect(r.entry.rip).toBe(0x1000200);
      expect(r.initrd!.end).toBeLessThanOrEqual(RAM);
      expect(r.initrd!.start).toBeGreaterThanOrEqual(r.kernel.end);
    });
  });
}
