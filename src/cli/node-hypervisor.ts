// node-hypervisor.ts — the Node platform of the WorkerHypervisor: one shared host memory pool in
// this process, each VM in a worker_thread (TypeScript through tsx), boot files read from paths.
import * as os from 'node:os';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Kvm, DEFAULT_POOL_MIB } from '../vmm/kvm/index.js';
import { WorkerHypervisor, type VmWorkerHandle } from '../worker/hypervisor.js';
import type { VmControl, MachineSpec } from '../worker/vm-protocol.js';
import { compileCore } from './core-file.js';
import { startTsWorker } from './ts-worker.js';

export interface NodeHypervisorOptions {
  poolMiB?: number;
  clock?: MachineSpec['clock'];
}

export async function createNodeHypervisor(opts: NodeHypervisorOptions = {}): Promise<WorkerHypervisor> {
  const kvm = await Kvm.create(await compileCore(), opts.poolMiB ?? DEFAULT_POOL_MIB);
  return new WorkerHypervisor(kvm, {
    spawnVmWorker: (name) => spawnVmWorker(name),
    resolveBootFile: (path) => ({ path }),
    hostname: () => os.hostname(),
    cpus: () => os.cpus().length,
    clock: opts.clock,
  });
}

const VM_WORKER = new URL('../worker/vm-worker-node.ts', import.meta.url);

/** A VM's worker_thread (`entry`: the VM worker module; tests pass one with a fault built in). */
export function spawnVmWorker(name: string, entry: URL = VM_WORKER): VmWorkerHandle {
  const worker = startTsWorker(entry, { name });
  const died = new Promise<string>((resolve) => {
    worker.once('error', (e) => resolve(e.message));
    worker.once('exit', (code) => resolve(`exited with code ${code}`));
  });
  worker.unref();
  return {
    control: Comlink.wrap<VmControl>(nodeEndpoint(worker)),
    died,
    terminate: () => worker.terminate().then(() => undefined), // resolves when the thread has exited
  };
}
