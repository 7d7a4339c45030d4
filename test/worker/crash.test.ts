// crash.test.ts — a VM worker that dies or hangs (issue 8): the host notices (the worker's exit; the
// heartbeat that stops moving), reports the VM crashed with the reason, and frees the frames the
// worker's VM still held in the shared pool, so the pool is as it was before the VM started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnVmWorker } from '../../src/cli/node-hypervisor.js';
import { compileCore } from '../../src/cli/core-file.js';
import { commandLineDomainXml, parseRunArgs } from '../../src/cli/run.js';
import { parseDomainXML } from '../../src/virt/conf/index.js';
import type { StopCause } from '../../src/virt/hypervisor.js';
import { Kvm } from '../../src/vmm/kvm/index.js';
import { WorkerHypervisor, type VmWorkerHandle } from '../../src/worker/hypervisor.js';
import { HEARTBEAT_TIMEOUT_MS } from '../../src/worker/vm-protocol.js';
import { spinningMultibootKernel } from './fixtures/multiboot.js';

const HANGING = new URL('./fixtures/hanging-vm-worker.ts', import.meta.url);
let dir: string;
let kernel: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasmvirt-crash-'));
  kernel = join(dir, 'spin.bin');
  writeFileSync(kernel, spinningMultibootKernel('spinning\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A hypervisor on its own pool whose VM workers come from `entry`; the last handle is kept. */
async function hypervisor(entry?: URL) {
  const kvm = await Kvm.create(await compileCore(), 64);
  const spawned: VmWorkerHandle[] = [];
  const hv = new WorkerHypervisor(kvm, {
    spawnVmWorker: (name) => { const h = spawnVmWorker(name, entry); spawned.push(h); return h; },
    resolveBootFile: (path) => ({ path }), hostname: () => 'test', cpus: () => 2,
  });
  return { kvm, hv, spawned };
}

/** Starts the spinning guest; resolves once it printed, with how it stops. */
async function startSpinning(hv: WorkerHypervisor) {
  const def = parseDomainXML(commandLineDomainXml(parseRunArgs(['--kernel', kernel, '--memory', '16M', '--append', 'x'])));
  let stop!: (s: { cause: StopCause; detail?: string; at: number }) => void;
  const stopped = new Promise<{ cause: StopCause; detail?: string; at: number }>((r) => { stop = r; });
  const vm = await hv.start(def, { disks: [], interfaces: [], noReboot: true, paused: false }, {
    stopped: (cause, detail) => stop({ cause, detail, at: Date.now() }), reset: () => {},
  });
  let out = '';
  vm.openConsole('serial0').onData((b) => { out += new TextDecoder().decode(b); });
  for (let i = 0; i < 200 && !out.includes('spinning'); i++) await new Promise((r) => setTimeout(r, 25));
  expect(out).toContain('spinning');
  return { vm, stopped };
}

describe('a VM worker that dies or hangs', () => {
  it('dies: reported crashed with the reason; its VM is freed from the pool', async () => {
    const { kvm, hv, spawned } = await hypervisor();
    const before = kvm.poolStats();
    const { stopped } = await startSpinning(hv);
    expect(kvm.poolStats().vmCount).toBe(1);
    await spawned[0]!.terminate(); // the thread ends under the VM, as an out-of-memory kill would end it
    const end = await stopped;
    expect(end.cause).toBe('crash');
    expect(end.detail).toMatch(/^VM worker died: exited with code \d+$/);
    const after = kvm.poolStats();
    expect(after.vmCount).toBe(0);
    expect(after.usedFrames).toBe(before.usedFrames);
  }, 30_000);

  it('hangs: its heartbeat stops, it is stopped, reported crashed with the reason, and its VM freed', async () => {
    const { kvm, hv } = await hypervisor(HANGING);
    const before = kvm.poolStats();
    const t0 = Date.now();
    const { stopped } = await startSpinning(hv);
    const end = await stopped;
    expect(end.cause).toBe('crash');
    expect(end.detail).toBe(`VM worker hung: no heartbeat for ${HEARTBEAT_TIMEOUT_MS / 1000} s`);
    expect(end.at - t0).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_MS);
    const after = kvm.poolStats();
    expect(after.vmCount).toBe(0);
    expect(after.usedFrames).toBe(before.usedFrames);
  }, 30_000);
});
