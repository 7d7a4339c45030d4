// memory.ts — memory overcommit: a 1024 MiB guest that touches 10 MiB should cost the host pool
// about 10 MiB (guest frames + EPT tables + the VM's structs), not 1 GiB. Also measures the
// first-touch (EPT violation + frame allocation) and mapped-access rates of eptTranslate.
// The vCPU is created but never runs: its decoded-block cache (a fixed BLK_CACHE_BYTES per vCPU,
// taken from the pool at its first run) is reported on the pool line, not in the summary.
// Summary: {"bench":"memory","guest_mib":1024,"touched_mib":10,"pool_used_mib":X}.
import { performance } from 'node:perf_hooks';
import { compileCore } from '../src/cli/core-file.js';
import { Kvm, coreConst } from '../src/vmm/kvm/index.js';
import { emit } from './_emit.js';

const MiB = 1024 * 1024;
const PAGE = 4096;
const GUEST_MIB = 1024;
const TOUCHED_MIB = 10;

export async function run(): Promise<void> {
  const kvm = await Kvm.create(await compileCore(), 1024);
  const before = kvm.poolStats().usedFrames;
  const vm = kvm.createVm();
  vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: GUEST_MIB * MiB });
  vm.createVcpu(0);

  // touch 10 MiB spread over the guest: 1 MiB in each of 10 places, as a guest's kernel, page
  // cache and heap would be (each place needs its own EPT page table)
  const chunk = new Uint8Array(MiB).fill(0xa5);
  let t = performance.now();
  for (let i = 0; i < TOUCHED_MIB; i++) vm.memory.write(i * 100 * MiB + 3 * MiB, chunk);
  const touchMs = performance.now() - t;
  const frames = (TOUCHED_MIB * MiB) / PAGE;
  emit({ bench: 'memory', phase: 'first-touch', frames, ms: round(touchMs), frames_per_s: Math.round(frames / (touchMs / 1000)) });

  // the translation itself, mapped pages (what a TLB miss costs), through the exported wrapper
  const core = kvm.core;
  const lookups = 2_000_000;
  t = performance.now();
  let sink = 0;
  for (let i = 0; i < lookups; i++) sink ^= core.ept_translate(vm.pointer, ((i % 256) * PAGE) + 3 * MiB, 1);
  const lookupNs = ((performance.now() - t) * 1e6) / lookups;
  emit({ bench: 'memory', phase: 'ept-translate-mapped', lookups, ns_per_lookup: round(lookupNs), sink: sink & 1 });

  const stats = kvm.poolStats();
  const vmStats = vm.stats();
  const usedMiB = ((stats.usedFrames - before) * PAGE) / MiB;
  emit({ bench: 'memory', phase: 'pool', guest_frames: vmStats.guestFrames, ept_frames: vmStats.eptFrames,
    other_frames: stats.usedFrames - before - vmStats.guestFrames - vmStats.eptFrames, pool_total_mib: stats.totalBytes / MiB,
    vcpu_decode_cache_mib_when_running: coreConst(core, 'BLK_CACHE_BYTES') / MiB });
  emit({ bench: 'memory', guest_mib: GUEST_MIB, touched_mib: TOUCHED_MIB, pool_used_mib: round(usedMiB) });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
