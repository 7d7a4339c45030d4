// isolation.test.ts — a VM reaches only its own frames; the pool survives exhaustion with only the
// failing VM stopped ("host out of memory"); the frame allocator is correct across worker threads.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GuestMemoryError } from '../../../src/vmm/kvm/index.js';
import { MiB, PAGE, makeKvm } from './helpers.js';

const SECRET = new TextEncoder().encode('VM-A SECRET 5f3c9d2e');

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    if (hay[i] !== needle[0]) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('isolation between VMs', () => {
  it("a VM scanning its whole physical space never sees another VM's secret", async () => {
    const kvm = await makeKvm(64);
    const a = kvm.createVm();
    const b = kvm.createVm();
    a.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 16 * MiB });
    for (let p = 0; p < 16 * MiB; p += 64 * PAGE) a.memory.write(p + 100, SECRET);
    b.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 8 * MiB });
    b.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0xfffc0000, memorySize: 256 * 1024, kind: 'rom' });
    // b touches all of its RAM (the guest's scan allocates), then reads every page it can reach
    const framesOfA = new Set<number>();
    for (let p = 0; p < 16 * MiB; p += PAGE) framesOfA.add(a.hostAddress(p));
    let reachable = 0;
    for (let gpa = 0; gpa < 2 ** 32; gpa += PAGE) {
      const hpa = kvm.core.ept_translate(b.pointer, gpa, 1 | 4);
      if (hpa < 0) {
        expect(hpa).toBe(-1); // outside b's slots: an MMIO exit, never someone else's frame
        if (gpa === 8 * MiB) gpa = 0xfffc0000 - PAGE; // skip the hole quickly
        continue;
      }
      reachable++;
      expect(framesOfA.has(hpa)).toBe(false);
      expect(contains(b.memory.read(gpa, PAGE), SECRET)).toBe(false);
    }
    expect(reachable).toBe((8 * MiB + 256 * 1024) / PAGE);
    expect(contains(a.memory.read(64 * PAGE, PAGE), SECRET)).toBe(true);
    // and after a frees its memory, b's new frames come back zeroed, not with a's data
    a.destroy();
    b.setUserMemoryRegion({ slot: 2, guestPhysAddr: 64 * MiB, memorySize: 16 * MiB });
    for (let p = 0; p < 16 * MiB; p += PAGE) kvm.core.ept_translate(b.pointer, 64 * MiB + p, 2);
    expect(contains(b.memory.read(64 * MiB, 16 * MiB), SECRET)).toBe(false);
  });
});

describe('host out of memory', () => {
  it('stops only the VM whose allocation failed; the others keep their memory and run on', async () => {
    const kvm = await makeKvm(8);
    const a = kvm.createVm();
    a.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    a.memory.write(0x1000, SECRET);
    const b = kvm.createVm();
    b.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 64 * MiB });
    let error: unknown;
    let gpa = 0;
    try {
      for (; gpa < 64 * MiB; gpa += PAGE) b.memory.writeU8(gpa, 0x55);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuestMemoryError);
    expect(String(error)).toMatch(/host out of memory/);
    expect(b.stats().state).toBe('oom');
    expect(b.stats().oomGpa).toBe(gpa);
    expect(kvm.core.ept_translate(b.pointer, gpa, 2)).toBe(-2);
    expect(kvm.poolStats().oomEvents).toBeGreaterThan(0);
    expect(kvm.poolStats().freeFrames).toBe(0);
    // a is unharmed: its data is intact and its mapped pages stay usable
    expect(a.stats().state).toBe('running');
    expect(a.memory.read(0x1000, SECRET.length)).toEqual(SECRET);
    a.memory.writeU32(0x1000, 0x12345678);
    expect(a.memory.readU32(0x1000)).toBe(0x12345678);
    // b's pages written before the failure are intact
    expect(b.memory.readU8(gpa - PAGE)).toBe(0x55);
    // once b is gone, a can grow again
    b.destroy();
    a.memory.writeU32(32 * MiB, 9);
    expect(a.memory.readU32(32 * MiB)).toBe(9);
    expect(a.stats().state).toBe('running');
  });
});

const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, pool, rounds } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); }, hostMonotonicNs: () => 0 } });
const c = inst.exports;
const mem = new Uint32Array(memory.buffer);
const held = [];
let errors = 0;
for (let r = 0; r < rounds; r++) {
  const f = c.pool_alloc(pool, 1) >>> 0;
  if (f === 0) { errors++; continue; }
  // a frame handed to two owners at once would show the other owner's tag
  if (mem[f >>> 2] !== 0) errors++;
  mem[f >>> 2] = workerData.tag;
  held.push(f);
  if (held.length > 8 || (r & 3) === 0) {
    const g = held.shift();
    if (mem[g >>> 2] !== workerData.tag) errors++;
    mem[g >>> 2] = 0;
    c.pool_free(pool, g, 1);
  }
}
for (const g of held) { if (mem[g >>> 2] !== workerData.tag) errors++; mem[g >>> 2] = 0; c.pool_free(pool, g, 1); }
parentPort.postMessage(errors);
`;

describe('frame allocator across workers', () => {
  it('never hands one frame to two workers and balances its counters', async () => {
    const kvm = await makeKvm(16);
    const before = kvm.poolStats().usedFrames;
    const run = (tag: number) =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(WORKER_SRC, {
          eval: true,
          workerData: { module: kvm.module, memory: kvm.memory, pool: kvm.pool, rounds: 20000, tag },
        });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const errors = await Promise.all([run(1), run(2), run(3)]);
    expect(errors).toEqual([0, 0, 0]);
    expect(kvm.poolStats().usedFrames).toBe(before);
    const s = kvm.poolStats();
    expect(s.freeFrames + s.usedFrames).toBe(s.totalFrames);
  });
});

const FAULT_WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, vm, pages } = workerData;
const c = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); }, hostMonotonicNs: () => 0 } }).exports;
const seen = [];
for (let round = 0; round < 4; round++)
  for (let p = 0; p < pages; p++) seen.push(c.ept_translate(vm, p * 4096, round & 1 ? 2 : 1));
parentPort.postMessage(seen.slice(0, pages));
`;

describe('EPT faults from several vCPU threads at once', () => {
  it('maps each page once: racing first touches agree on the frame and leak nothing', async () => {
    const kvm = await makeKvm(32);
    const vm = kvm.createVm();
    const pages = 2048;
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: pages * PAGE });
    const before = kvm.poolStats().usedFrames;
    const run = () =>
      new Promise<number[]>((resolve, reject) => {
        const w = new Worker(FAULT_WORKER_SRC, {
          eval: true,
          workerData: { module: kvm.module, memory: kvm.memory, vm: vm.pointer, pages },
        });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const [a, b, c] = await Promise.all([run(), run(), run()]);
    expect(a).toEqual(b);
    expect(a).toEqual(c);
    expect(new Set(a).size).toBe(pages);
    const s = vm.stats();
    expect(s.guestFrames).toBe(pages);
    expect(kvm.poolStats().usedFrames - before).toBe(pages + s.eptFrames - 1);
  });
});
