/*
 * networks.ts — virtual networks (libvirt's network driver): define/undefine,
 * start/destroy, autostart, and the DHCP lease table of each network
 * (what dnsmasq's lease file is to libvirt; `virsh net-dhcp-leases` prints it).
 *
 * Invariants:
 *  - Every network has a bridge name once defined (virbrN, the lowest free N,
 *    when the XML gives none), unique across networks.
 *  - A lease is handed out only from the network's DHCP range (or its static
 *    <host> entry), never twice for two MACs at once; a MAC keeps its address.
 *  - Leases live while the network is active (destroy drops them).
 *  - Domains can only plug into an active network.
 */
import {
  checkUniqueDefinition, formatNetworkXML, parseNetworkXML, type NetworkDef, type NetworkIpDef,
} from '../conf/index.js';
import type { StateStore } from '../store/types.js';
import type { HostNeighbour, Hypervisor } from '../hypervisor.js';
import type { EventBus } from './events.js';
import { fillNetworkDefaults } from '../conf/network/network.js';
import { persistRecord, removeRecord } from './persist.js';
import { noNetworkByName, noNetworkByUuid, operationInvalid, operationFailed } from './errors.js';

/** virNetworkDHCPLease */
export interface DhcpLease {
  iface: string;
  /** Seconds since the epoch. */
  expiryTime: number;
  type: 'ipv4' | 'ipv6';
  mac: string;
  ipaddr: string;
  prefix: number;
  hostname?: string;
  clientid?: string;
}

export const LEASE_SECONDS = 3600;

export class NetworkObj {
  persistent: boolean;
  autostart = false;
  active = false;
  version = 0;
  readonly leases = new Map<string, DhcpLease>();

  constructor(public def: NetworkDef, persistent: boolean) {
    this.persistent = persistent;
  }

  get name(): string {
    return this.def.name;
  }

  get uuid(): string {
    return this.def.uuid;
  }

  get bridge(): string {
    return this.def.bridge?.name ?? '';
  }
}

export class NetworkDriver {
  private readonly objs = new Map<string, NetworkObj>();

  constructor(
    private readonly store: StateStore,
    private readonly events: EventBus,
    /** The hypervisor's switches, when it runs them (hypervisor.ts: networkStarted/Stopped/Leases/Neighbours). */
    private readonly switches: Pick<Hypervisor, 'networkStarted' | 'networkStopped' | 'networkLeases' | 'networkNeighbours'> = {},
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async load(): Promise<void> {
    for (const rec of await this.store.list('network')) this.apply(rec.uuid, rec);
  }

  async reload(uuid: string): Promise<void> {
    this.apply(uuid, await this.store.get('network', uuid));
  }

  private apply(uuid: string, rec: { xml: string; autostart: boolean; active?: boolean; version: number } | undefined): void {
    const obj = this.objs.get(uuid);
    if (!rec) {
      if (obj?.persistent && !obj.active) this.objs.delete(uuid);
      else if (obj) obj.persistent = false;
      return;
    }
    let def: NetworkDef;
    try {
      def = parseNetworkXML(rec.xml);
    } catch {
      return;
    }
    const o = obj ?? new NetworkObj(def, true);
    o.def = def;
    o.persistent = true;
    o.autostart = rec.autostart;
    o.active = rec.active ?? false;
    o.version = rec.version;
    this.objs.set(uuid, o);
  }

  list(): NetworkObj[] {
    return [...this.objs.values()];
  }

  lookupByName(name: string): NetworkObj {
    for (const o of this.objs.values()) if (o.name === name) return o;
    throw noNetworkByName(name);
  }

  lookupByUuid(uuid: string): NetworkObj {
    const o = this.objs.get(uuid.toLowerCase());
    if (!o) throw noNetworkByUuid(uuid);
    return o;
  }

  /** Gives the definition a bridge name (virbrN) and MAC if it has none; refuses a bridge another network uses. */
  private fillBridge(def: NetworkDef): void {
    const used = new Set(this.list().filter((n) => n.uuid !== def.uuid).map((n) => n.bridge));
    if (def.bridge?.name && used.has(def.bridge.name)) {
      throw operationFailed(`bridge name '${def.bridge.name}' already in use.`, 'VIR_FROM_NETWORK');
    }
    const prev = this.objs.get(def.uuid)?.def;
    if (prev?.bridge?.name && !def.bridge?.name && !used.has(prev.bridge.name)) {
      def.bridge = { stp: def.bridge?.stp ?? 'on', delay: def.bridge?.delay ?? 0, name: prev.bridge.name };
    }
    if (prev?.mac && !def.mac) def.mac = prev.mac;
    fillNetworkDefaults(def, used);
  }

  /** Parses with libvirt's bridge-name defaulting against the other networks' bridges. */
  private parse(xml: string): NetworkDef {
    const first = parseNetworkXML(xml, { usedBridges: this.list().map((n) => n.bridge) });
    const others = this.list().filter((n) => n.name !== first.name && n.uuid !== first.uuid).map((n) => n.bridge);
    return others.length === this.list().length ? first : parseNetworkXML(xml, { usedBridges: others });
  }

  async defineXML(xml: string): Promise<NetworkObj> {
    const def = this.parse(xml);
    checkUniqueDefinition('network', def, this.list());
    this.fillBridge(def);
    const existing = this.objs.get(def.uuid);
    const target = existing ?? new NetworkObj(def, true);
    await this.save(target, def, target.autostart, target.active);
    if (!existing?.active) target.def = def;
    target.persistent = true;
    this.objs.set(def.uuid, target);
    this.events.emit({ type: 'network-lifecycle', name: def.name, uuid: def.uuid, event: 'defined' });
    return target;
  }

  /** net-create: a transient network, or a live run of an inactive persistent one with this definition. */
  async createXML(xml: string): Promise<NetworkObj> {
    const def = this.parse(xml);
    checkUniqueDefinition('network', def, this.list());
    const existing = this.objs.get(def.uuid);
    if (existing?.active) throw operationInvalid(`network '${def.name}' is already active`, 'VIR_FROM_NETWORK');
    this.fillBridge(def);
    if (existing) {
      await this.start(existing);
      existing.def = def;
      return existing;
    }
    const obj = new NetworkObj(def, false);
    obj.active = true;
    this.objs.set(def.uuid, obj);
    this.switches.networkStarted?.(def);
    this.events.emit({ type: 'network-lifecycle', name: def.name, uuid: def.uuid, event: 'started' });
    return obj;
  }

  async start(obj: NetworkObj): Promise<void> {
    if (obj.active) throw operationInvalid('network is already active', 'VIR_FROM_NETWORK');
    if (obj.persistent) await this.save(obj, obj.def, obj.autostart, true);
    obj.active = true;
    this.switches.networkStarted?.(obj.def);
    this.events.emit({ type: 'network-lifecycle', name: obj.name, uuid: obj.uuid, event: 'started' });
  }

  async destroy(obj: NetworkObj): Promise<void> {
    this.checkActive(obj);
    if (obj.persistent) await this.save(obj, obj.def, obj.autostart, false);
    obj.active = false;
    obj.def.connections = undefined;
    obj.leases.clear();
    this.switches.networkStopped?.(obj.name);
    if (!obj.persistent) this.objs.delete(obj.uuid);
    this.events.emit({ type: 'network-lifecycle', name: obj.name, uuid: obj.uuid, event: 'stopped' });
  }

  async undefine(obj: NetworkObj): Promise<void> {
    if (!obj.persistent) throw operationInvalid("can't undefine transient network", 'VIR_FROM_NETWORK');
    await removeRecord(this.store, 'network', obj);
    obj.autostart = false;
    if (obj.active) obj.persistent = false;
    else this.objs.delete(obj.uuid);
    this.events.emit({ type: 'network-lifecycle', name: obj.name, uuid: obj.uuid, event: 'undefined' });
  }

  async setAutostart(obj: NetworkObj, autostart: boolean): Promise<void> {
    if (!obj.persistent) throw operationInvalid('cannot set autostart for transient network', 'VIR_FROM_NETWORK');
    await this.save(obj, obj.def, autostart, obj.active);
    obj.autostart = autostart;
  }

  async autostartAll(): Promise<void> {
    for (const n of this.list()) if (n.autostart && !n.active) await this.start(n).catch(() => undefined);
  }

  xmlDesc(obj: NetworkObj, inactive = false): string {
    return formatNetworkXML(obj.def, { inactive: inactive || !obj.active });
  }

  checkActive(obj: NetworkObj): void {
    if (!obj.active) throw operationInvalid(`network '${obj.name}' is not active`, 'VIR_FROM_NETWORK');
  }

  /** A domain interface plugs into network `name`: libvirt refuses an inactive network. */
  plug(name: string): NetworkObj {
    const obj = this.lookupByName(name);
    if (!obj.active) throw operationInvalid(`network '${name}' is not active`, 'VIR_FROM_NETWORK');
    obj.def.connections = (obj.def.connections ?? 0) + 1;
    return obj;
  }

  /** The interface left the network (its domain stopped). */
  unplug(name: string): void {
    const obj = this.list().find((n) => n.name === name);
    if (obj?.def.connections) obj.def.connections--;
  }

  /** The DHCP server of the network answers a DHCPREQUEST/DISCOVER from `mac`. */
  dhcpRequest(obj: NetworkObj, mac: string, hostname?: string, clientid?: string): DhcpLease {
    this.checkActive(obj);
    mac = mac.toLowerCase();
    const ip = obj.def.ips.find((i) => i.family === 'ipv4' && i.dhcp);
    if (!ip?.dhcp) throw operationFailed(`network '${obj.name}' has no DHCP service`, 'VIR_FROM_NETWORK');
    const now = this.now();
    for (const [m, l] of obj.leases) if (l.expiryTime <= now) obj.leases.delete(m);
    const addr = obj.leases.get(mac)?.ipaddr ?? this.pickAddress(obj, ip, mac);
    const lease: DhcpLease = {
      iface: obj.bridge, expiryTime: now + LEASE_SECONDS, type: 'ipv4', mac, ipaddr: addr, prefix: ip.prefix,
      hostname: hostname ?? ip.dhcp.hosts.find((h) => h.mac === mac)?.name,
      clientid: clientid ?? `01:${mac}`,
    };
    obj.leases.set(mac, lease);
    return lease;
  }

  private pickAddress(obj: NetworkObj, ip: NetworkIpDef, mac: string): string {
    const fixed = ip.dhcp!.hosts.find((h) => h.mac?.toLowerCase() === mac && h.ip);
    if (fixed?.ip) return fixed.ip;
    const taken = new Set([...obj.leases.values()].map((l) => l.ipaddr));
    for (const h of ip.dhcp!.hosts) if (h.ip) taken.add(h.ip);
    taken.add(ip.address);
    for (const r of ip.dhcp!.ranges) {
      for (let a = ipToInt(r.start); a <= ipToInt(r.end); a++) {
        const s = intToIp(a);
        if (!taken.has(s)) return s;
      }
    }
    throw operationFailed(`no free address left in the DHCP range of network '${obj.name}'`, 'VIR_FROM_NETWORK');
  }

  /** virNetworkGetDHCPLeases: unexpired leases, optionally of one MAC, in address order. */
  dhcpLeases(obj: NetworkObj, mac?: string): DhcpLease[] {
    const now = this.now();
    const ip = obj.def.ips.find((i) => i.family === 'ipv4');
    const fromHost = obj.active ? this.switches.networkLeases?.(obj.name) : undefined;
    const all = fromHost
      ? fromHost.map((l): DhcpLease => ({
        iface: obj.bridge, expiryTime: l.expiry, type: 'ipv4', mac: l.mac.toLowerCase(), ipaddr: l.ip,
        prefix: ip?.prefix ?? 24, hostname: l.hostname ?? undefined, clientid: l.clientId ?? undefined,
      }))
      : [...obj.leases.values()];
    return all
      .filter((l) => l.expiryTime > now && (!mac || l.mac === mac.toLowerCase()))
      .sort((a, b) => ipToInt(a.ipaddr) - ipToInt(b.ipaddr));
  }

  /** The active network's neighbour table (the host's ARP entries on its bridge), MACs in lower case. */
  neighbours(obj: NetworkObj): HostNeighbour[] {
    if (!obj.active) return [];
    return (this.switches.networkNeighbours?.(obj.name) ?? []).map((n) => ({ ip: n.ip, mac: n.mac.toLowerCase() }));
  }

  private async save(obj: NetworkObj, def: NetworkDef, autostart: boolean, active: boolean): Promise<void> {
    await persistRecord(this.store, 'network', obj, () => ({
      kind: 'network', uuid: def.uuid, name: def.name, xml: formatNetworkXML(def, { inactive: true }), autostart, active,
    }));
  }
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
