// smoke.test.ts — core.wasm instantiates on a shared memory in a Node worker_thread (the same
// smoke path the page runs in a Web Worker), and the version it reports is the built one.
import { describe, expect, it } from 'vitest';
import { smoke } from '../../src/cli/smoke.js';
import { formatVersion, instantiateCore } from '../../src/worker/core-module.js';
import { Kvm } from '../../src/vmm/kvm/index.js';
import { compileCore } from '../../src/cli/core-file.js';

describe('core smoke path', () => {
  it('reports the core version from a worker_thread on a shared pool', async () => {
    const reply = await smoke(8);
    expect(reply.error).toBeUndefined();
    expect(reply.ok).toBe(true);
    expect(reply.shared).toBe(true);
    expect(reply.poolBytes).toBe(8 * 1024 * 1024);
    const kvm = await Kvm.create(await compileCore(), 8);
    expect(reply.version).toBe(formatVersion((kvm.core as unknown as { core_version(): number }).core_version()));
    expect(reply.poolFrames).toBe(kvm.poolStats().totalFrames);
    expect(reply.heapBase).toBeGreaterThan(0);
  });

  it('refuses a memory that is not shared', async () => {
    const plain = new WebAssembly.Memory({ initial: 64 });
    await expect(instantiateCore(await compileCore(), plain)).rejects.toThrow(/shared WebAssembly.Memory/);
  });

  it('formats libvirt-style encoded versions', () => {
    expect(formatVersion(1_002_003)).toBe('1.2.3');
    expect(formatVersion(0)).toBe('0.0.0');
  });
});
