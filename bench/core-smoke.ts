// core-smoke.ts — how long it takes to compile core.wasm, create a shared pool and instantiate the
// core in a worker_thread, and how fast a call into the core is. Summary: {"bench":"core-smoke",...}.
import { performance } from 'node:perf_hooks';
import { compileCore } from '../src/cli/core-file.js';
import { smoke } from '../src/cli/smoke.js';
import { Kvm } from '../src/vmm/kvm/index.js';
import { emit } from './_emit.js';

export async function run(): Promise<void> {
  let t = performance.now();
  const module = await compileCore();
  const compileMs = performance.now() - t;

  t = performance.now();
  const core = (await Kvm.create(module, 1024)).core as unknown as { core_version(): number };
  const instantiateMs = performance.now() - t;

  const calls = 10_000_000;
  t = performance.now();
  let sink = 0;
  for (let i = 0; i < calls; i++) sink ^= core.core_version();
  const callNs = ((performance.now() - t) * 1e6) / calls;

  t = performance.now();
  const reply = await smoke(64);
  const workerMs = performance.now() - t;
  if (!reply.ok) throw new Error(reply.error);

  emit({ bench: 'core-smoke', compile_ms: round(compileMs), instantiate_1gib_pool_ms: round(instantiateMs),
    call_ns: round(callNs), worker_roundtrip_ms: round(workerMs), version: reply.version, sink: sink & 1 });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
