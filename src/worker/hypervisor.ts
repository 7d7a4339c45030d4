// hypervisor.ts — the real Hypervisor behind the management layer: each VM runs in its own worker
// (Web Worker in the page, worker_thread in Node) on the one shared host memory pool; the host side
// keeps its consoles, its NICs' switch ports, and relays control calls through comlink. What differs
// between the page and Node is only the HypervisorPlatform.
import * as Comlink from 'comlink';
import type { DomainDef } from '../virt/conf/domain/types.js';
import type { NetworkDef } from '../virt/conf/network/types.js';
import type { ConsoleStream, HostInfo, Hypervisor, RunningVm, StartOptions, VmHooks } from '../virt/hypervisor.js';
import type { Kvm } from '../vmm/kvm/index.js';
import { HostConsole } from './console-stream.js';
import { machineSpecFromDomain, type BootFileResolver } from './machine-spec.js';
import { NetworkFabric, NicBridge } from './network-fabric.js';
import type { MachineSpec, VmControl, VmEvents, VmInit } from './vm-protocol.js';

export interface VmWorkerHandle {
  control: Comlink.Remote<VmControl>;
  /** Resolves with a reason if the worker dies (uncaught error, out of memory). */
  died: Promise<string>;
  terminate(): void;
}

export interface HypervisorPlatform {
  spawnVmWorker(name: string): VmWorkerHandle;
  resolveBootFile: BootFileResolver;
  hostname(): string;
  cpus(): number;
  /** The guest clock to use: deterministic in tests and benchmarks. */
  clock?: MachineSpec['clock'];
}

export class WorkerHypervisor implements Hypervisor {
  readonly type = 'wasmvirt';
  readonly fabric = new NetworkFabric();
  /** How a network name becomes its definition (set by whoever owns the Connect). */
  lookupNetwork: (name: string) => NetworkDef | undefined = () => undefined;

  constructor(readonly kvm: Kvm, private readonly platform: HypervisorPlatform) {}

  async version(): Promise<number> {
    return (this.kvm.core as unknown as { core_version(): number }).core_version();
  }

  async host(): Promise<HostInfo> {
    const pool = this.kvm.poolStats();
    const cpus = this.platform.cpus();
    return {
      hostname: this.platform.hostname(), model: 'x86_64', cpus, mhz: 0, sockets: 1, cores: cpus, threads: 1, nodes: 1,
      memoryKiB: pool.totalBytes / 1024, freeKiB: (pool.freeFrames * 4096) / 1024, buffersKiB: 0, cachedKiB: 0,
    };
  }

  async start(def: DomainDef, options: StartOptions, hooks: VmHooks): Promise<RunningVm> {
    const machine = machineSpecFromDomain(def, options, this.platform.resolveBootFile, this.platform.clock);
    const doorbell = new SharedArrayBuffer(16);
    const ring = () => { const a = new Int32Array(doorbell); Atomics.add(a, 0, 1); Atomics.notify(a, 0); };
    const consoles = ['serial0', ...(machine.channels.length || def.devices.consoles?.some((c) => c.target?.type === 'virtio') ? ['console0'] : [])]
      .map((d) => new HostConsole(d, ring));
    const nics = options.interfaces.map((i) => {
      const netDef = i.network ? this.lookupNetwork(i.network) : undefined;
      if (i.network && !netDef) throw new Error(`network '${i.network}' is not active`);
      const net = netDef ? this.fabric.ensure(netDef) : undefined;
      return { spec: i, bridge: net ? new NicBridge(net.sw, i.target) : undefined };
    });
    const worker = this.platform.spawnVmWorker(def.name);
    const vm = new WorkerVm(worker, consoles, nics.flatMap((n) => (n.bridge ? [n.bridge] : [])), ring);
    const init: VmInit = {
      attach: this.kvm.attachInfo(), machine, doorbell, paused: options.paused, noReboot: options.noReboot,
      consoles: consoles.map((c) => c.spec),
      nics: nics.flatMap((n) => (n.bridge ? [{ target: n.spec.target, mac: n.spec.mac, linkUp: n.spec.linkUp,
        tx: n.bridge.tx.buffer, rx: n.bridge.rx.buffer }] : [])),
    };
    const events: VmEvents = {
      stopped: (cause, detail) => { vm.cleanup(); hooks.stopped(cause, detail); },
      reset: () => hooks.reset(),
      log: (line) => console.debug(`[${def.name}] ${line}`),
    };
    void worker.died.then((reason) => {
      if (vm.cleanup()) hooks.stopped('crash', `VM worker died: ${reason}`);
    });
    try {
      await worker.control.start(init, Comlink.proxy(events));
    } catch (e) {
      vm.cleanup();
      throw e;
    }
    return vm;
  }
}

/** The host's handle on one running VM. */
class WorkerVm implements RunningVm {
  private done = false;

  constructor(private readonly worker: VmWorkerHandle, private readonly consoles: HostConsole[],
    private readonly nics: NicBridge[], private readonly ring: () => void) {}

  /** Tears down the host side once; true the first time. */
  cleanup(): boolean {
    if (this.done) return false;
    this.done = true;
    for (const c of this.consoles) c.stop();
    for (const n of this.nics) n.stop();
    setTimeout(() => this.worker.terminate(), 0);
    return true;
  }

  private call<T>(fn: (c: Comlink.Remote<VmControl>) => Promise<T>): Promise<T> {
    this.ring(); // an idle worker sleeps in Atomics.wait: wake it for the call
    return fn(this.worker.control);
  }

  pause() { return this.call((c) => c.pause()); }
  resume() { return this.call((c) => c.resume()); }
  powerButton() { return this.call((c) => c.powerButton()); }
  reboot() { return this.call((c) => c.reboot()); }
  stats() { return this.call((c) => c.stats()); }
  setVcpus(n: number) { return this.call((c) => c.setVcpus(n)); }
  setMemory(kib: number) { return this.call((c) => c.setMemory(kib)); }
  setMemoryStatsPeriod(s: number) { return this.call((c) => c.setMemoryStatsPeriod(s)); }
  setBlockIoTune(t: string, tune: Parameters<VmControl['setBlockIoTune']>[1]) { return this.call((c) => c.setBlockIoTune(t, tune)); }

  async destroy(): Promise<void> {
    if (this.done) return;
    await Promise.race([this.call((c) => c.destroy()), new Promise((r) => setTimeout(r, 2000))]).catch(() => undefined);
    this.cleanup();
  }

  openConsole(device = 'serial0'): ConsoleStream {
    const c = this.consoles.find((x) => x.spec.device === device);
    if (!c) throw new Error(`no console device '${device}'`);
    return c.open();
  }
}
