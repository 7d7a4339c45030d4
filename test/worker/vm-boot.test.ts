// vm-boot.test.ts — the whole Node VM path with a guest small enough for today's core: a Multiboot
// kernel (a.out kludge) that prints on COM1 and exits through isa-debug-exit. It goes host
// (WorkerHypervisor) -> worker_thread (VmWorker) -> pc machine (Multiboot loader, UART, debug-exit)
// -> core.wasm (OUT exits) -> console ring -> the host's console stream and stop hook.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeHypervisor } from '../../src/cli/node-hypervisor.js';
import { commandLineDomainXml, parseRunArgs } from '../../src/cli/run.js';
import { parseDomainXML } from '../../src/virt/conf/index.js';
import { debugExitStatus } from '../../src/worker/vm-protocol.js';
import { tinyMultibootKernel } from './fixtures/multiboot.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-vmboot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a VM in a worker_thread', () => {
  it('prints on its serial console and ends through isa-debug-exit with (v<<1)|1', async () => {
    const kernel = join(dir, 'mb.bin');
    writeFileSync(kernel, tinyMultibootKernel('hello from the guest\n', 0x2a));
    const def = parseDomainXML(commandLineDomainXml(parseRunArgs(['--kernel', kernel, '--memory', '32M', '--append', 'x'])));
    const hv = await createNodeHypervisor({ poolMiB: 64 });
    const stopped = new Promise<{ cause: string; detail?: string }>((resolve) => {
      void hv.start(def, { disks: [], interfaces: [], noReboot: true, paused: false }, {
        stopped: (cause, detail) => resolve({ cause, detail }), reset: () => {},
      }).then((vm) => {
        vm.openConsole('serial0').onData((b) => { output += new TextDecoder().decode(b); });
      }, (e) => resolve({ cause: 'start-failed', detail: String(e) }));
    });
    let output = '';
    const end = await stopped;
    await new Promise((r) => setTimeout(r, 300)); // the console backlog drains after the stop
    expect(end.detail).toMatch(/isa-debug-exit/);
    expect(debugExitStatus(end.detail)).toBe(0x55);
    expect(end.cause).toBe('guest-poweroff');
    expect(output).toBe('hello from the guest\n');
    expect(hv.kvm.poolStats().vmCount).toBe(0); // the worker destroyed its VM: frames back in the pool
  }, 60_000);

  it('refuses a file that is no kernel before the VM starts, naming the check, and keeps no VM', async () => {
    const bogus = join(dir, 'bogus.bin');
    writeFileSync(bogus, new Uint8Array(4096).fill(0x90));
    const def = parseDomainXML(commandLineDomainXml(parseRunArgs(['--kernel', bogus, '--memory', '32M'])));
    const hv = await createNodeHypervisor({ poolMiB: 64 });
    await expect(hv.start(def, { disks: [], interfaces: [], noReboot: true, paused: false }, { stopped: () => {}, reset: () => {} }))
      .rejects.toThrow(/kernel|magic|Multiboot|ELF|bzImage/i);
    expect(hv.kvm.poolStats().vmCount).toBe(0); // the VM made for it is gone again
  }, 60_000);
});
