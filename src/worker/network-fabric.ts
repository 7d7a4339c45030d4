// network-fabric.ts — the host side of every virtual network: one VirtualSwitch per started libvirt
// network with its Gateway (ARP, ICMP, DHCP, DNS) built from the NetworkDef, and the bridges that
// carry a VM worker's NIC frames (FrameRings) to and from its switch port. This is what virbrN and
// dnsmasq are on a libvirt host.
import type { NetworkDef } from '../virt/conf/network/types.js';
import { Gateway, type GatewayConfig } from '../vmm/net/gateway.js';
import { VirtualSwitch, type SwitchPort } from '../vmm/net/switch.js';
import { ipFromNumber, ipToNumber } from '../vmm/net/frame.js';
import { FrameRing } from './frame-ring.js';
import { NIC_RING_BYTES } from './vm-protocol.js';

export interface NetworkInstance {
  sw: VirtualSwitch;
  gateway: Gateway | null;
}

export class NetworkFabric {
  private readonly networks = new Map<string, NetworkInstance>();

  /** Starts (or returns) the switch of a network from its definition. */
  ensure(def: NetworkDef): NetworkInstance {
    let net = this.networks.get(def.name);
    if (!net) {
      const sw = new VirtualSwitch(def.bridge?.name ?? def.name, def.mtu ?? 1500);
      const cfg = gatewayConfig(def);
      net = { sw, gateway: cfg ? new Gateway(sw, cfg) : null };
      this.networks.set(def.name, net);
    }
    return net;
  }

  get(name: string): NetworkInstance | undefined {
    return this.networks.get(name);
  }

  stop(name: string): void {
    this.networks.delete(name);
  }
}

/** libvirt's <ip address netmask|prefix><dhcp><range/><host/></dhcp></ip> as a gateway. */
export function gatewayConfig(def: NetworkDef): GatewayConfig | null {
  const ip = def.ips.find((i) => i.family === 'ipv4');
  if (!ip) return null;
  const netmask = ip.netmask ?? ipFromNumber(ip.prefix === 0 ? 0 : (0xffffffff << (32 - ip.prefix)) >>> 0);
  const range = ip.dhcp?.ranges[0];
  return {
    ip: ip.address,
    netmask,
    mac: def.mac ?? gatewayMac(def.name),
    domain: def.domain?.name,
    dnsHosts: def.dns?.hosts,
    dhcp: range ? {
      rangeStart: range.start,
      rangeEnd: range.end,
      hosts: (ip.dhcp?.hosts ?? []).filter((h) => h.mac && h.ip).map((h) => ({ mac: h.mac!.toLowerCase(), ip: h.ip!, name: h.name })),
    } : undefined,
  };
}

/** A stable locally administered MAC for a network's gateway (libvirt generates 52:54:00:…). */
function gatewayMac(name: string): string {
  let hash = 0;
  for (const c of name) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) >>> 0;
  return ['52', '54', '00', (hash >>> 16) & 255, (hash >>> 8) & 255, hash & 255]
    .map((x) => (typeof x === 'number' ? x.toString(16).padStart(2, '0') : x)).join(':');
}

/** One VM NIC on a switch: frames from the worker's tx ring go to the port, the port's to rx. */
export class NicBridge {
  readonly tx: FrameRing;
  readonly rx: FrameRing;
  readonly port: SwitchPort;
  private stopped = false;

  /** `kick` wakes the VM's vCPU: an idle guest sleeps until a frame arrives, not until its next timer. */
  constructor(sw: VirtualSwitch, readonly target: string, kick: () => void = () => {}) {
    this.tx = new FrameRing(NIC_RING_BYTES);
    this.rx = new FrameRing(NIC_RING_BYTES);
    this.port = sw.attach({ receive: (f, o) => { if (this.rx.push(f, o)) kick(); }, acceptsOffload: true }, target);
    void this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.port.detach();
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      await this.tx.ring.waitAsync(250);
      for (const f of this.tx.drain()) this.port.send(f.frame, f.offload);
    }
  }
}

export { ipToNumber };
