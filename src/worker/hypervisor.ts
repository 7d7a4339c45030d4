// hypervisor.ts — the real Hypervisor behind the management layer: each VM runs in its own worker
// (Web Worker in the page, worker_thread in Node) on the one shared host memory pool; the host side
// keeps its consoles, its NICs' switch ports, and relays control calls through comlink. What differs
// between the page and Node is only the HypervisorPlatform.
import * as Comlink from 'comlink';
import type { DomainDef } from '../virt/conf/domain/types.js';
import type { NetworkDef } from '../virt/conf/network/types.js';
import type { ConsoleStream, HostDhcpLease, HostInfo, HostNeighbour, Hypervisor, RunningVm, StartOptions, VmHooks } from '../virt/hypervisor.js';
import type { Kvm } from '../vmm/kvm/index.js';
import { HostConsole } from './console-stream.js';
import { machineSpecFromDomain, type BootFileResolver } from './machine-spec.js';
import { NetworkFabric, NicBridge } from './network-fabric.js';
import { HEARTBEAT_TIMEOUT_MS, type MachineSpec, type VmControl, type VmEvents, type VmIdentity, type VmInit } from './vm-protocol.js';

export interface VmWorkerHandle {
  control: Comlink.Remote<VmControl>;
  /** Resolves with a reason if the worker dies (uncaught error, out of memory). */
  died: Promise<string>;
  /**
   * Stops the worker; resolves once its thread runs no more (Node: the thread has exited; the browser
   * gives no such signal, so after a grace period). Only then may the host free what it left in the pool.
   */
  terminate(): Promise<void>;
}

export interface HypervisorPlatform {
  spawnVmWorker(name: string): VmWorkerHandle;
  /**
   * Takes exclusive locks for a VM's lifetime (the browser: Web Locks, so a second tab cannot run the
   * same domain or write the same disk); rejects naming what is held elsewhere. Resolves to a release.
   */
  lock?(names: string[]): Promise<() => void>;
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

  /** A network became active: its switch and gateway (DHCP, DNS) come up now, before any VM joins. */
  networkStarted(def: NetworkDef): void {
    this.fabric.ensure(def);
  }

  networkStopped(name: string): void {
    this.fabric.stop(name);
  }

  /** The leases of the network's DHCP server (what `virsh net-dhcp-leases` lists). */
  networkLeases(name: string): HostDhcpLease[] | undefined {
    return this.fabric.get(name)?.gateway?.dhcp?.activeLeases().map((l) => ({
      mac: l.mac, ip: l.ip, hostname: l.hostname, clientId: l.clientId, expiry: l.expiry,
    }));
  }

  /** The network gateway's neighbour table (what /proc/net/arp shows for virbrN). */
  networkNeighbours(name: string): HostNeighbour[] | undefined {
    return this.fabric.get(name)?.gateway?.neighbours();
  }

  async start(def: DomainDef, options: StartOptions, hooks: VmHooks): Promise<RunningVm> {
    const machine = machineSpecFromDomain(def, options, this.platform.resolveBootFile, this.platform.clock);
    const release = this.platform.lock
      ? await this.platform.lock([`domain:${def.uuid}`, ...options.disks.filter((d) => !d.readOnly).map((d) => `disk:${d.path}`)])
      : () => {};
    try {
      return await this.launch(def, options, hooks, machine, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  private async launch(def: DomainDef, options: StartOptions, hooks: VmHooks, machine: MachineSpec, release: () => void): Promise<RunningVm> {
    const heartbeat = new SharedArrayBuffer(16);
    let owned: VmIdentity | undefined; // the worker's VM and vCPU in the pool: kicking the vCPU wakes the worker (input, calls)
    const core = this.kvm.core;
    const ring = () => { if (owned) core.vcpu_kick(owned.vcpu); };
    // a worker that dies or hangs leaves its VM's frames in the pool: free them once its thread is gone
    const reclaim = () => {
      const o = owned;
      if (o && this.kvm.vmUsage().some((u) => u.pointer === o.vm && u.id === o.vmId)) this.kvm.openVm(o.vm).destroy();
    };
    const consoles = ['serial0', ...(machine.channels.length || def.devices.consoles?.some((c) => c.target?.type === 'virtio') ? ['console0'] : [])]
      .map((d) => new HostConsole(d, ring, (): Promise<void> => vm.sendBreak(d)));
    const nics = options.interfaces.map((i) => {
      const netDef = i.network ? this.lookupNetwork(i.network) : undefined;
      if (i.network && !netDef) throw new Error(`network '${i.network}' is not active`);
      const net = netDef ? this.fabric.ensure(netDef) : undefined;
      return { spec: i, bridge: net ? new NicBridge(net.sw, i.target, ring) : undefined };
    });
    const worker = this.platform.spawnVmWorker(def.name);
    const vm: WorkerVm = new WorkerVm(worker, consoles, nics.flatMap((n) => (n.bridge ? [n.bridge] : [])), ring, release, reclaim);
    const init: VmInit = {
      attach: this.kvm.attachInfo(), machine, heartbeat, paused: options.paused, noReboot: options.noReboot,
      consoles: consoles.map((c) => c.spec),
      nics: nics.flatMap((n) => (n.bridge ? [{ target: n.spec.target, mac: n.spec.mac, linkUp: n.spec.linkUp,
        tx: n.bridge.tx.buffer, rx: n.bridge.rx.buffer }] : [])),
    };
    const events: VmEvents = {
      stopped: (cause, detail) => { vm.cleanup(); hooks.stopped(cause, detail); },
      reset: (identity) => { owned = identity; hooks.reset(); },
      log: (line) => console.debug(`[${def.name}] ${line}`),
    };
    // a crash is reported once the worker's thread is gone and its VM freed (so on_crash restart finds the memory)
    const crashed = (reason: string) => { if (vm.cleanup()) void vm.gone.then(() => hooks.stopped('crash', reason)); };
    void worker.died.then((reason) => crashed(`VM worker died: ${reason}`));
    try {
      const died = worker.died.then((reason) => { throw new Error(`the VM worker died while starting: ${reason}`); });
      owned = await Promise.race([worker.control.start(init, Comlink.proxy(events)), died]);
    } catch (e) {
      vm.cleanup();
      throw e;
    }
    watchHeartbeat(heartbeat, vm, () => crashed(`VM worker hung: no heartbeat for ${HEARTBEAT_TIMEOUT_MS / 1000} s`));
    return vm;
  }
}

/** Declares the worker hung when its heartbeat stops moving while the VM is not paused. */
function watchHeartbeat(buffer: SharedArrayBuffer, vm: WorkerVm, hung: () => void): void {
  const beat = new Int32Array(buffer);
  let last = Atomics.load(beat, 0);
  let still = 0;
  const timer = setInterval(() => {
    if (vm.finished) return clearInterval(timer);
    const now = Atomics.load(beat, 0);
    still = now !== last || vm.paused ? 0 : still + HEARTBEAT_CHECK_MS;
    last = now;
    if (still >= HEARTBEAT_TIMEOUT_MS) {
      clearInterval(timer);
      hung();
    }
  }, HEARTBEAT_CHECK_MS);
  (timer as { unref?: () => void }).unref?.();
}

const HEARTBEAT_CHECK_MS = 500;

/** The host's handle on one running VM. */
class WorkerVm implements RunningVm {
  private done = false;
  /** Resolves when the worker's thread is gone and what it left in the pool is freed (after cleanup). */
  gone: Promise<void> = Promise.resolve();
  /** paused by the user: the heartbeat may stand still */
  paused = false;

  constructor(private readonly worker: VmWorkerHandle, private readonly consoles: HostConsole[],
    private readonly nics: NicBridge[], private readonly ring: () => void, private readonly release: () => void,
    private readonly reclaim: () => void) {}

  get finished(): boolean {
    return this.done;
  }

  /** Tears down the host side once; true the first time. */
  cleanup(): boolean {
    if (this.done) return false;
    this.done = true;
    this.release();
    for (const c of this.consoles) c.stop();
    for (const n of this.nics) n.stop();
    this.gone = new Promise<void>((resolve) => setTimeout(resolve, 0)) // the worker's last replies first
      .then(() => this.worker.terminate())
      .then(() => this.reclaim());
    return true;
  }

  private call<T>(fn: (c: Comlink.Remote<VmControl>) => Promise<T>): Promise<T> {
    this.ring(); // an idle worker sleeps in Atomics.wait: wake it for the call
    return fn(this.worker.control);
  }

  async pause() { await this.call((c) => c.pause()); this.paused = true; }
  async resume() { this.paused = false; await this.call((c) => c.resume()); }
  powerButton() { return this.call((c) => c.powerButton()); }
  reboot() { return this.call((c) => c.reboot()); }
  stats() { return this.call((c) => c.stats()); }
  sendBreak(device: string) { return this.call((c) => c.sendBreak(device)); }
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
