// Loaders on synthetic images: Linux boot protocol (64/32-bit entry), PVH, the fast path, and refusals.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { loadKernel, KernelLoadError } from '../../../src/vmm/loader/index.js';
import { FlatGuestRam } from '../../../src/vmm/loader/guest-memory.js';
import { buildE820 } from '../../../src/vmm/loader/e820.js';
import { memoryLayout, BOOT, MiB } from '../../../src/vmm/machine/layout.js';
import type { KernelLoadInput } from '../../../src/vmm/loader/types.js';
import { makeBzImage, makeElf64, pvhNote } from './builders.js';

const RAM = 64 * MiB;

function input(kernel: Uint8Array, extra: Partial<KernelLoadInput> = {}): KernelLoadInput & { mem: FlatGuestRam } {
  const layout = memoryLayout(RAM);
  return { mem: new FlatGuestRam(RAM), kernel, cmdline: 'console=ttyS0', layout, e820: buildE820(layout), rsdp: 0xe0000, ...extra } as KernelLoadInput & { mem: FlatGuestRam };
}

const u32 = (m: FlatGuestRam, a: number) => new DataView(m.bytes.buffer).getUint32(a, true);
const u64 = (m: FlatGuestRam, a: number) => Number(new DataView(m.bytes.buffer).getBigUint64(a, true));
const cstr = (m: FlatGuestRam, a: number) => { let e = a; while (m.bytes[e]) e++; return new TextDecoder().decode(m.bytes.subarray(a, e)); };

async function rejects(p: Promise<unknown>, check: string, msg: RegExp) {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(KernelLoadError);
  expect((e as KernelLoadError).check).toBe(check);
  expect((e as Error).message).toMatch(msg);
}

describe('bzImage (Linux boot protocol)', () => {
  it('loads at pref_address, builds boot_params and a 64-bit entry', async () => {
    const initrd = new Uint8Array(3 * 4096 + 5).fill(0xab);
    const k = makeBzImage({ prefix: Uint8Array.of(0xfa, 0xf4) });
    const i = input(k, { initrd });
    const r = await loadKernel(i, { bootPath: 'bzimage' });
    expect(r.format).toBe('bzimage');
    expect(i.mem.bytes[0x1000000]).toBe(0xfa);
    const zp = BOOT.zeroPage;
    expect(i.mem.bytes[zp + 0x210]).toBe(0xff); // type_of_loader
    expect(u32(i.mem, zp + 0x202)).toBe(0x53726448); // header copied
    expect(u32(i.mem, zp + 0x228)).toBe(BOOT.cmdline);
    expect(cstr(i.mem, BOOT.cmdline)).toBe('console=ttyS0');
    const rdImage = u32(i.mem, zp + 0x218);
    expect(u32(i.mem, zp + 0x21c)).toBe(initrd.length);
    expect(rdImage % 4096).toBe(0);
    expect(rdImage + initrd.length).toBeLessThanOrEqual(RAM);
    expect(rdImage + initrd.length).toBeGreaterThan(RAM - 4096);
    expect(i.mem.bytes[rdImage]).toBe(0xab);
    expect(u64(i.mem, zp + 0x070)).toBe(0xe0000); // acpi_rsdp_addr
    expect(i.mem.bytes[zp + 0x1e8]).toBe(4); // e820 entries (no RAM above 4 GiB)
    expect(u64(i.mem, zp + 0x2d0 + 3 * 20)).toBe(0x100000);
    expect(u64(i.mem, zp + 0x2d0 + 3 * 20 + 8)).toBe(RAM - 0x100000);
    const s = r.entry;
    expect(s.mode).toBe('long64');
    expect(s.rip).toBe(0x1000200);
    expect(s.rsi).toBe(zp);
    expect(s.cs.selector).toBe(0x10);
    expect(s.ds.selector).toBe(0x18);
    expect(s.efer & 0x500).toBe(0x500);
    expect(s.cr3).toBe(BOOT.pml4);
    // GDT: 64-bit flat code at 0x10, flat data at 0x18
    expect(u64(i.mem, BOOT.gdt + 0x10)).toBe(Number(0x00af9b000000ffffn));
    expect(u64(i.mem, BOOT.gdt + 0x18)).toBe(Number(0x00cf93000000ffffn));
    // identity map: PML4[0] -> PDPT, PDPT[1] -> PD #2, PD entry for 0x40200000 is a 2 MiB page at itself
    expect(u64(i.mem, BOOT.pml4) & ~0xfff).toBe(BOOT.pdpt);
    const pd1 = u64(i.mem, BOOT.pdpt + 8) & ~0xfff;
    expect(u64(i.mem, pd1 + 8)).toBe(0x40200000 | 0x83);
  });

  it('uses the 32-bit entry at code32_start without paging when asked or when XLF_KERNEL_64 is clear', async () => {
    for (const [k, opts] of [[makeBzImage({ xloadflags: 0 }), {}], [makeBzImage(), { entry32: true }]] as const) {
      const i = input(k);
      const r = await loadKernel(i, { bootPath: 'bzimage', ...opts });
      expect(r.entry.mode).toBe('protected32');
      expect(r.entry.rip).toBe(0x1000000);
      expect(r.entry.rsi).toBe(BOOT.zeroPage);
      expect(r.entry.cr0 & 0x80000001).toBe(1);
      expect(u64(i.mem, BOOT.gdt + 0x10)).toBe(Number(0x00cf9b000000ffffn));
    }
  });

  it('places the initrd below initrd_addr_max', async () => {
    const i = input(makeBzImage({ initrdAddrMax: 0x2000000 - 1 }), { initrd: new Uint8Array(100) });
    const r = await loadKernel(i, { bootPath: 'bzimage' });
    expect(r.initrd!.start).toBe(0x2000000 - 4096);
  });

  it('refuses bad input with the failed check named, before writing memory', async () => {
    const good = makeBzImage();
    const bad = good.slice(); bad[0x202] = 0;
    await rejects(loadKernel(input(bad), { bootPath: 'bzimage' }), 'bad-magic', /HdrS/);
    await rejects(loadKernel(input(good.subarray(0, 0x300))), 'truncated', /past the end/);
    await rejects(loadKernel(input(good.subarray(0, good.length - 64))), 'truncated', /syssize/);
    await rejects(loadKernel(input(makeBzImage({ version: 0x0206 })), { bootPath: 'bzimage' }), 'unsupported', /2\.06 is older than the minimum 2\.10/);
    await rejects(loadKernel(input(good, { cmdline: 'x'.repeat(3000) }), { bootPath: 'bzimage' }), 'cmdline-too-long', /3000 bytes/);
    await rejects(loadKernel(input(makeBzImage({ initSize: 60 * MiB })), { bootPath: 'bzimage' }), 'segment-outside-ram', /init_size/);
    const i = input(good, { initrd: new Uint8Array(50 * MiB) });
    await rejects(loadKernel(i, { bootPath: 'bzimage' }), 'initrd-too-big', /52428800 bytes/);
    expect(i.mem.bytes.some((b) => b !== 0)).toBe(false);
    await rejects(loadKernel(input(new Uint8Array(1000).fill(7))), 'unknown-format', /not a kernel/);
  });
});

describe('PVH (ELF with XEN_ELFNOTE_PHYS32_ENTRY)', () => {
  const elf = makeElf64({ entry: 0xffffffff81000000, segments: [{ paddr: 0x1000000, data: Uint8Array.of(1, 2, 3), memsz: 0x2000 }], notes: [{ name: 'GNU', type: 3, desc: new Uint8Array(20) }, pvhNote(0x1000123)] });

  it('loads segments at their physical addresses and builds hvm_start_info', async () => {
    const i = input(elf, { initrd: new Uint8Array(8192).fill(5) });
    i.mem.bytes.fill(0xee, 0x1000003, 0x1002000);
    const r = await loadKernel(i);
    expect(r.format).toBe('pvh');
    expect([...i.mem.bytes.subarray(0x1000000, 0x1000004)]).toEqual([1, 2, 3, 0]);
    expect(i.mem.bytes[0x1001fff]).toBe(0); // bss zeroed
    const si = BOOT.startInfo;
    expect(u32(i.mem, si)).toBe(0x336ec578);
    expect(u32(i.mem, si + 4)).toBe(1);
    expect(u32(i.mem, si + 12)).toBe(1);
    expect(cstr(i.mem, u64(i.mem, si + 24))).toBe('console=ttyS0');
    expect(u64(i.mem, si + 32)).toBe(0xe0000);
    const mods = u64(i.mem, si + 16);
    expect(u64(i.mem, mods + 8)).toBe(8192);
    expect(i.mem.bytes[u64(i.mem, mods)]).toBe(5);
    const mm = u64(i.mem, si + 40);
    expect(u32(i.mem, si + 48)).toBe(4);
    expect(u64(i.mem, mm + 3 * 24)).toBe(0x100000);
    expect(u32(i.mem, mm + 3 * 24 + 16)).toBe(1);
    expect(r.entry.mode).toBe('protected32');
    expect(r.entry.rip).toBe(0x1000123);
    expect(r.entry.rbx).toBe(si);
    expect(r.entry.cr0 & 0x80000001).toBe(1);
    expect(r.entry.tr.limit).toBe(0x67);
  });

  it('refuses segments outside RAM and ELF files without a PVH note', async () => {
    const far = makeElf64({ entry: 0, segments: [{ paddr: 0x8000000, data: new Uint8Array(16) }], notes: [pvhNote(0x8000000)] });
    await rejects(loadKernel(input(far)), 'segment-outside-ram', /0x8000000.*outside guest RAM/);
    const plain = makeElf64({ entry: 0x100000, segments: [{ paddr: 0x100000, data: new Uint8Array(16) }] });
    await rejects(loadKernel(input(plain)), 'no-pvh-note', /PVH note/);
    await rejects(loadKernel(input(elf.subarray(0, 100))), 'truncated', /run past the end/);
  });
});

describe('fast path: bzImage payload decompressed on the host, entered through PVH', () => {
  const vmlinux = makeElf64({ entry: 0, segments: [{ paddr: 0x1000000, data: new Uint8Array(4096).fill(0x42) }], notes: [pvhNote(0x1000040)] });

  it('boots a gzip payload through PVH by default and through the boot protocol on request', async () => {
    const k = makeBzImage({ payload: gzipSync(vmlinux) });
    const i = input(k);
    const r = await loadKernel(i);
    expect(r.format).toBe('pvh');
    expect(r.entry.rip).toBe(0x1000040);
    expect(i.mem.bytes[0x1000fff]).toBe(0x42);
    const b = await loadKernel(input(k), { bootPath: 'bzimage' });
    expect(b.format).toBe('bzimage');
  });

  it('boots an XZ payload made like the kernel\'s (x86 BCJ + LZMA2, CRC32, size appended)', async () => {
    const xz = new Uint8Array(execFileSync('xz', ['--format=xz', '--check=crc32', '--x86', '--lzma2=dict=1MiB', '-c'], { input: vmlinux }));
    const withSize = new Uint8Array(xz.length + 4);
    withSize.set(xz);
    new DataView(withSize.buffer).setUint32(xz.length, vmlinux.length, true);
    const r = await loadKernel(input(makeBzImage({ payload: withSize })));
    expect(r.format).toBe('pvh');
    expect(r.entry.rip).toBe(0x1000040);
  });

  it('falls back to the boot protocol when the vmlinux has no PVH note, and fails on a corrupt payload', async () => {
    const noNote = makeElf64({ entry: 0, segments: [{ paddr: 0x1000000, data: new Uint8Array(16) }] });
    const r = await loadKernel(input(makeBzImage({ payload: gzipSync(noNote) })));
    expect(r.format).toBe('bzimage');
    expect(r.fastPathSkipped).toMatch(/no PVH note/);
    await rejects(loadKernel(input(makeBzImage({ payload: gzipSync(noNote) })), { bootPath: 'pvh' }), 'no-pvh-note', /fast path does not apply/);
    const gz = gzipSync(vmlinux);
    gz.fill(0xff, 20, 60);
    await rejects(loadKernel(input(makeBzImage({ payload: gz }))), 'decompress', /gzip payload fails to decompress/);
  });
});
