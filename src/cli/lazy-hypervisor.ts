// lazy-hypervisor.ts — the hypervisor of `wasmvirt virsh` in Node: the VMM's WorkerHypervisor
// (node-hypervisor.ts), created on first use so that commands which never touch a VM
// (list, define, vol-*) do not allocate the host memory pool. If the VMM cannot be set up
// (core.wasm not built), host facts still come from the real host and starting a domain
// fails with the reason.
import { HostOnlyHypervisor } from '../virt/env-node.js';
import type { NetworkDef } from '../virt/conf/network/types.js';
import { VirError } from '../virt/error.js';
import type {
  HostDhcpLease, HostInfo, HostNeighbour, Hypervisor, RunningVm, StartOptions, VmHooks,
} from '../virt/hypervisor.js';
import type { DomainDef } from '../virt/conf/domain/types.js';

interface NetworkAware extends Hypervisor {
  lookupNetwork?: (name: string) => NetworkDef | undefined;
}

export class LazyHypervisor implements Hypervisor {
  readonly type = 'wasmvirt';
  private real: Promise<NetworkAware> | undefined;
  private failure: string | undefined;
  private resolved: NetworkAware | undefined;
  private readonly fallback = new HostOnlyHypervisor();
  /** Active network definitions by name, for the VMM's switches (set by the owner of the Connect). */
  lookupNetwork: (name: string) => NetworkDef | undefined = () => undefined;

  constructor(private readonly make: () => Promise<NetworkAware>) {}

  private vmm(): Promise<NetworkAware> {
    this.real ??= this.make().then((h) => {
      h.lookupNetwork = (name) => this.lookupNetwork(name);
      this.resolved = h;
      return h;
    }).catch((e: unknown) => {
      this.failure = e instanceof Error ? e.message : String(e);
      return this.fallback;
    });
    return this.real;
  }

  async version(): Promise<number> {
    return (await this.vmm()).version();
  }

  async host(): Promise<HostInfo> {
    return (await this.vmm()).host();
  }

  async start(def: DomainDef, options: StartOptions, hooks: VmHooks): Promise<RunningVm> {
    const h = await this.vmm();
    if (h === this.fallback && this.failure) {
      throw new VirError('VIR_ERR_OPERATION_FAILED', `the VMM is not available: ${this.failure}`, 'VIR_FROM_DOMAIN');
    }
    return h.start(def, options, hooks);
  }

  networkStarted(def: NetworkDef): void {
    this.resolved?.networkStarted?.(def);
  }

  networkStopped(name: string): void {
    this.resolved?.networkStopped?.(name);
  }

  networkLeases(network: string): HostDhcpLease[] | undefined {
    return this.resolved?.networkLeases?.(network);
  }

  networkNeighbours(network: string): HostNeighbour[] | undefined {
    return this.resolved?.networkNeighbours?.(network);
  }
}
