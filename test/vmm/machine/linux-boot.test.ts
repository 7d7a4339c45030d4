// linux-boot.test.ts — the guest images boot on the real core in Node (issue 5's proof): each
// image reaches WASMVIRT-READY with its default cmdline, answers a command typed into its serial
// console (uname -m; the processor count), and `poweroff -f` ends the VM through ACPI with the
// power-off state; debian also with page-table isolation on. Skipped when the images are missing
// (npm run images makes them).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileCore } from '../../../src/cli/core-file.js';
import { Kvm } from '../../../src/vmm/kvm/index.js';
import { createPcMachine, type PcMachine } from '../../../src/vmm/machine/pc.js';
import { BufferCharBackend } from '../../../src/vmm/chardev/backend.js';
import { describeEndState, type VmEndState } from '../../../src/vmm/machine/end-state.js';
import { MiB } from '../../../src/vmm/machine/layout.js';

const IMAGES = fileURLToPath(new URL('../../../public/images/', import.meta.url));

/** Runs the machine until `until` holds for the console text, or the VM ends (a failure). */
function runUntil(m: PcMachine, com1: BufferCharBackend, until: (text: string) => boolean, what: string, seconds: number): void {
  const stop = Date.now() + seconds * 1000;
  while (!until(com1.text())) {
    const end = m.run({ sliceMs: 200 });
    if (end) throw new Error(`the VM ended (${describeEndState(end)}) before ${what}; console:\n${com1.text().slice(-3000)}`);
    if (Date.now() > stop) throw new Error(`no ${what} after ${seconds} s; console:\n${com1.text().slice(-3000)}`);
  }
}

// debian again with page-table isolation forced on: every entry from user mode then switches CR3
// (with PCIDs) and runs on the entry trampoline's stack in the cpu_entry_area.
for (const [image, extra] of [['tiny', ''], ['debian', ''], ['debian', ' pti=on']] as const) {
  const dir = join(IMAGES, image);
  describe.skipIf(!existsSync(join(dir, 'manifest.json')))(`${image}${extra} boots on the core`, () => {
    it('to WASMVIRT-READY, answers a command on its console, and powers off', async () => {
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      const kvm = await Kvm.create(await compileCore(), 512);
      const com1 = new BufferCharBackend();
      const m = await createPcMachine(kvm.createVm(), {
        memory: 256 * MiB, vcpus: 1, cmdline: manifest.cmdline + extra, serial: [com1],
        kernel: new Uint8Array(readFileSync(join(dir, manifest.kernel.file))),
        initrd: new Uint8Array(readFileSync(join(dir, manifest.initramfs.file))),
      });
      runUntil(m, com1, (t) => /WASMVIRT-READY/.test(t), 'WASMVIRT-READY', 900);
      runUntil(m, com1, (t) => /WASMVIRT-READY[^]*wasmvirt:\S*# /.test(t), 'a shell prompt', 300); // ash may follow it with ESC[6n
      if (extra.includes('pti=on')) expect(com1.text()).toContain('Kernel/User page tables isolation: enabled');
      // an invariant TSC with TSC_ADJUST: Linux keeps it as its clocksource without a watchdog
      if (image === 'debian') expect(com1.text()).toMatch(/clocksource: Switched to clocksource tsc\r?\n/);
      const before = com1.text().length;
      com1.type('uname -m; grep -c processor /proc/cpuinfo\n');
      runUntil(m, com1, (t) => /x86_64\r?\n1\r?\n/.test(t.slice(before)), 'the answer to uname -m', 300);
      com1.type('poweroff -f\n');
      let end: VmEndState | undefined;
      const stop = Date.now() + 300_000;
      while (!(end = m.run({ sliceMs: 200 })) && Date.now() < stop);
      expect(end, com1.text().slice(-2000)).toEqual({ kind: 'poweroff' });
    }, 1_800_000);
  });
}
