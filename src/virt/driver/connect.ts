/*
 * connect.ts — the connection object (libvirt's virConnect): one driver with its
 * domains, storage pools and volumes, and networks, over a StateStore, a
 * StorageHost and a Hypervisor. The same code runs in the page and in Node;
 * only those three backends differ (src/virt/env-node.ts and web/src/platform.ts choose them).
 *
 * URIs: wasmvirt:///system and wasmvirt:///session (one local driver each);
 * anything else is libvirt's "no connection driver available for URI".
 *
 * Invariant: definitions changed by another tab/process (store.onChange) are
 * reloaded before the next call sees them; running VMs are never touched by a
 * reload.
 */
import pkg from '../../../package.json' with { type: 'json' };
import type { DomainDef } from '../conf/index.js';
import { VirError, type VirErrorCode } from '../error.js';
import type { HostInfo, Hypervisor, ResolvedDisk, ResolvedInterface } from '../hypervisor.js';
import type { StateStore } from '../store/types.js';
import { DomainDriver } from './domains.js';
import type { DomainObj } from './domain-obj.js';
import { EventBus } from './events.js';
import { NetworkDriver } from './networks.js';
import { PoolDriver } from './pools.js';
import type { StorageHost } from './storage-host.js';
import { VolumeDriver } from './volumes.js';
import { Tuning } from './tuning.js';
import { noDomainByName, notRunning, noVolume, operationInvalid } from './errors.js';
import { capabilitiesXML } from './capabilities.js';

export const LIBRARY_VERSION: string = pkg.version;

export interface ConnectOptions {
  uri?: string;
  store: StateStore;
  hypervisor: Hypervisor;
  storage: StorageHost;
  /** Start autostart networks, pools and domains (what a daemon does when it starts). */
  autostart?: boolean;
}

const URIS = ['wasmvirt:///system', 'wasmvirt:///session'];
export const DEFAULT_URI = URIS[0];

/** virDomainInterfaceAddresses' sources (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*), in their order. */
export const IF_ADDR_SOURCES = ['lease', 'agent', 'arp'] as const;
export type IfAddrSource = (typeof IF_ADDR_SOURCES)[number];

/** virDomainInterface: an interface of a running domain and the addresses it has. */
export interface DomainInterface {
  name: string;
  hwaddr: string;
  addrs: { type: 'ipv4' | 'ipv6'; addr: string; prefix: number }[];
}

/** libvirt encodes versions as major*1e6 + minor*1e3 + micro. */
export function encodeVersion(v: string): number {
  const [a, b, c] = v.split('.').map((x) => parseInt(x, 10) || 0);
  return a * 1_000_000 + b * 1000 + c;
}

export class Connect {
  readonly events = new EventBus();
  readonly domains: DomainDriver;
  readonly pools: PoolDriver;
  readonly volumes: VolumeDriver;
  readonly networks: NetworkDriver;
  readonly tuning: Tuning;
  private readonly vnets = new Set<string>();
  private unwatch: (() => void) | undefined;
  private closed = false;

  private constructor(readonly uri: string, readonly store: StateStore, readonly hypervisor: Hypervisor, storage: StorageHost) {
    this.pools = new PoolDriver(store, this.events, storage);
    this.volumes = new VolumeDriver(this.pools);
    this.networks = new NetworkDriver(store, this.events, hypervisor);
    this.domains = new DomainDriver(store, this.events, {
      hypervisor,
      resolveDisks: (def) => this.resolveDisks(def),
      plugInterfaces: (def) => this.plugInterfaces(def),
      unplugInterfaces: (def) => this.unplugInterfaces(def),
    });
    this.tuning = new Tuning(this.domains);
  }

  static async open(opts: ConnectOptions): Promise<Connect> {
    const given = opts.uri ?? DEFAULT_URI;
    const uri = given.endsWith('/') && !given.endsWith(':///') ? given.slice(0, -1) : given;
    if (!URIS.includes(uri)) throw new VirError('VIR_ERR_NO_CONNECT', given, 'VIR_FROM_NONE');
    const c = new Connect(uri, opts.store, opts.hypervisor, opts.storage);
    await c.networks.load();
    await c.pools.load();
    await c.domains.load();
    c.unwatch = opts.store.onChange((kind, uuid) => void c.reload(kind, uuid));
    if (opts.autostart) {
      await c.networks.autostartAll();
      await c.pools.autostartAll();
      await c.domains.autostartAll();
    }
    return c;
  }

  private async reload(kind: string, uuid: string): Promise<void> {
    if (this.closed) return;
    if (kind === 'domain') await this.domains.reload(uuid);
    else if (kind === 'pool') await this.pools.reload(uuid);
    else if (kind === 'network') await this.networks.reload(uuid);
    this.events.emit({ type: 'reload' });
  }

  /** Destroys the running VMs of this connection and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    for (const d of this.domains.list()) {
      if (d.isActive()) await this.domains.lifecycle.destroy(d).catch(() => undefined);
    }
    await this.store.close();
  }

  /* ------------------------------------------------------------ host */

  getType(): string {
    return this.hypervisor.type;
  }

  getLibVersion(): number {
    return encodeVersion(LIBRARY_VERSION);
  }

  getVersion(): Promise<number> {
    return this.hypervisor.version();
  }

  async getHostname(): Promise<string> {
    return (await this.hypervisor.host()).hostname;
  }

  nodeInfo(): Promise<HostInfo> {
    return this.hypervisor.host();
  }

  async capabilities(): Promise<string> {
    return capabilitiesXML(await this.hypervisor.host(), this.hypervisor.type);
  }

  /* ------------------------------------------------------------ domains */

  /** virsh's lookup: by id, then uuid, then name. */
  lookupDomain(text: string): DomainObj {
    if (/^\d+$/.test(text)) {
      try {
        return this.domains.lookupById(Number(text));
      } catch {
        /* fall through to name */
      }
    }
    if (text.length === 36) {
      try {
        return this.domains.lookupByUuid(text);
      } catch {
        /* fall through to name */
      }
    }
    try {
      return this.domains.lookupByName(text);
    } catch {
      throw noDomainByName(text);
    }
  }

  /**
   * virDomainInterfaceAddresses of a running domain.
   *  - lease: its interfaces on libvirt networks that hold a DHCP lease there, with the leases'
   *    addresses (as qemuGetDHCPInterfaces: an interface without a lease is left out).
   *  - arp: an entry per neighbour-table entry of its networks with the interface's MAC, prefix 0
   *    (as qemuARPGetInterfaces reads the host's ARP table): addresses set by hand show too.
   *  - agent: there is no guest agent channel to ask.
   */
  interfaceAddresses(dom: DomainObj, source: IfAddrSource = 'lease'): DomainInterface[] {
    if (!dom.isActive()) throw notRunning();
    if (source === 'agent') throw new VirError('VIR_ERR_ARGUMENT_UNSUPPORTED', 'QEMU guest agent is not configured');
    const out: DomainInterface[] = [];
    for (const i of dom.def.devices.interfaces) {
      if (i.type !== 'network' || !i.source.network) continue;
      const net = this.networks.lookupByName(i.source.network);
      const name = i.target ?? '';
      if (source === 'arp') {
        for (const n of this.networks.neighbours(net)) {
          if (n.mac === i.mac.toLowerCase()) out.push({ name, hwaddr: i.mac, addrs: [{ type: 'ipv4', addr: n.ip, prefix: 0 }] });
        }
        continue;
      }
      const leases = this.networks.dhcpLeases(net, i.mac);
      if (leases.length) out.push({ name, hwaddr: i.mac, addrs: leases.map((l) => ({ type: l.type, addr: l.ipaddr, prefix: l.prefix })) });
    }
    return out;
  }

  private async resolveDisks(def: DomainDef): Promise<ResolvedDisk[]> {
    const out: ResolvedDisk[] = [];
    for (const d of def.devices.disks) {
      let path: string | undefined;
      let format = d.driver?.type;
      if (d.source.type === 'file') {
        path = d.source.file;
        const pool = path ? this.pools.poolOfPath(path) : undefined;
        if (path && pool?.active) {
          const vol = await this.volumes.lookupByPath(path).catch(() => undefined);
          if (!vol) throw new VirError('VIR_ERR_SYSTEM_ERROR', `Cannot access storage file '${path}': No such file or directory`, 'VIR_FROM_STORAGE');
          format ??= (await this.volumes.info(vol)).format;
        }
      } else if (d.source.type === 'volume') {
        if (!d.source.pool || !d.source.volume) continue;
        const pool = this.pools.lookupByName(d.source.pool);
        if (!pool.active) {
          throw operationInvalid(`storage pool '${pool.name}' containing volume '${d.source.volume}' is not active`, 'VIR_FROM_STORAGE');
        }
        const vol = await this.volumes.lookupByName(pool, d.source.volume).catch(() => {
          throw noVolume(`no storage vol with matching name '${d.source.type === 'volume' ? d.source.volume : ''}'`);
        });
        path = vol.path;
        format ??= (await this.volumes.info(vol)).format;
      } else {
        throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `disk source type 'block' is not supported (disk '${d.target.dev}')`);
      }
      if (!path) continue;
      out.push({
        target: d.target.dev, bus: d.target.bus, device: d.device, format: format ?? 'raw',
        path, readOnly: d.readonly || d.device === 'cdrom',
      });
    }
    return out;
  }

  private async plugInterfaces(def: DomainDef): Promise<ResolvedInterface[]> {
    const out: ResolvedInterface[] = [];
    const mine: string[] = [];
    const plugged: string[] = [];
    try {
      for (const i of def.devices.interfaces) {
        if (i.type === 'network' && i.source.network) {
          this.networks.plug(i.source.network);
          plugged.push(i.source.network);
        }
        // A name the user chose is kept (libvirt reserves vnetN for the ones it makes up).
        let target = i.target && !/^vnet\d+$/.test(i.target) && !this.vnets.has(i.target) ? i.target : '';
        for (let n = 0; !target; n++) if (!this.vnets.has(`vnet${n}`)) target = `vnet${n}`;
        this.vnets.add(target);
        mine.push(target);
        i.target = target;
        out.push({
          mac: i.mac, model: i.model ?? 'virtio', target, linkUp: i.link !== 'down',
          network: i.type === 'network' ? i.source.network : undefined,
        });
      }
    } catch (e) {
      mine.forEach((t) => this.vnets.delete(t));
      plugged.forEach((n) => this.networks.unplug(n));
      throw e;
    }
    return out;
  }

  private unplugInterfaces(def: DomainDef): void {
    for (const i of def.devices.interfaces) {
      if (!i.target) continue;
      this.vnets.delete(i.target);
      if (i.type === 'network' && i.source.network) this.networks.unplug(i.source.network);
    }
  }
}
