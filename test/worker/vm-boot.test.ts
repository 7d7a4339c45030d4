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

const LOAD = 0x100000;

/** Multiboot v1 header (a.out kludge: flag 16) + code: print `text` on COM1, write `code` to port 0xF4. */
export function tinyMultibootKernel(text: string, code: number): Uint8Array {
  const prog: number[] = [0x66, 0xba, 0xf8, 0x03]; // mov dx, 0x3f8
  for (const ch of new TextEncoder().encode(text)) prog.push(0xb0, ch, 0xee); // mov al, ch; out dx, al
  prog.push(0xb0, code, 0xe6, 0xf4, 0xf4); // mov al, code; out 0xf4, al; hlt
  const header = new Uint32Array([0x1badb002, 0x00010000, 0, LOAD, LOAD, 0, 0, LOAD + 32]);
  header[2] = (-(header[0]! + header[1]!)) >>> 0;
  const headerBytes = new Uint8Array(header.buffer);
  const image = new Uint8Array(32 + prog.length);
  image.set(headerBytes);
  image.set(prog, 32);
  new DataView(image.buffer).setUint32(20, LOAD + image.length, true); // load_end_addr
  new DataView(image.buffer).setUint32(24, LOAD + image.length, true); // bss_end_addr
  return image;
}

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

  it('refuses a file that is no kernel before the VM starts, naming the check', async () => {
    const bogus = join(dir, 'bogus.bin');
    writeFileSync(bogus, new Uint8Array(4096).fill(0x90));
    const def = parseDomainXML(commandLineDomainXml(parseRunArgs(['--kernel', bogus, '--memory', '32M'])));
    const hv = await createNodeHypervisor({ poolMiB: 64 });
    await expect(hv.start(def, { disks: [], interfaces: [], noReboot: true, paused: false }, { stopped: () => {}, reset: () => {} }))
      .rejects.toThrow(/kernel|magic|Multiboot|ELF|bzImage/i);
  }, 60_000);
});
