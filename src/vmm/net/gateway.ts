// gateway.ts — the host side of a libvirt network on its virtual switch (what virbr0's address
// and dnsmasq are in the real stack): it answers ARP for the gateway address, ICMP echo to it, DHCP
// and DNS. Frames arrive through the switch port; replies go back the same way. Like the host's
// neighbour table on virbr0 (what `ip neigh` and /proc/net/arp show), it learns the MAC of each
// address on the subnet that asks for the gateway by ARP, and keeps entries it has up to date.
import {
  buildIpv4Frame, buildUdp, etherType, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETH_HEADER, internetChecksum,
  ipFromNumber, ipToNumber, IPPROTO_ICMP, IPPROTO_UDP, macFromBytes, macToBytes, parseIpv4, parseUdp, writeEthernet,
  BROADCAST_MAC, type Mac,
} from './frame.js';
import { DhcpServer, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, parseDhcp, type DhcpConfig } from './dhcp.js';
import { DnsServer, DNS_PORT } from './dns.js';
import type { SwitchPort, SwitchPortOwner, VirtualSwitch } from './switch.js';

export interface GatewayConfig {
  ip: string;
  netmask: string;
  mac: Mac;
  /** without it, the network has no DHCP (libvirt: no <dhcp> element) */
  dhcp?: Omit<DhcpConfig, 'serverIp' | 'netmask' | 'domain'>;
  domain?: string;
  /** <dns><host ip><hostname/></host> entries */
  dnsHosts?: { ip: string; hostnames: string[] }[];
}

/** Linux's gc_thresh3: the most neighbour entries the table holds; the oldest make way. */
export const NEIGHBOUR_LIMIT = 1024;

export interface Neighbour { ip: string; mac: Mac }

export class Gateway implements SwitchPortOwner {
  readonly port: SwitchPort;
  readonly dhcp: DhcpServer | null;
  readonly dns: DnsServer;
  private readonly ip: number;
  private readonly mask: number;
  /** IPv4 address → MAC, oldest first. */
  private readonly neighbourTable = new Map<number, Mac>();

  constructor(sw: VirtualSwitch, readonly config: GatewayConfig) {
    this.ip = ipToNumber(config.ip);
    this.mask = ipToNumber(config.netmask);
    this.dhcp = config.dhcp
      ? new DhcpServer({ ...config.dhcp, serverIp: config.ip, netmask: config.netmask, domain: config.domain })
      : null;
    this.dns = new DnsServer((name) => this.resolve(name), config.domain);
    this.port = sw.attach(this, 'gateway');
  }

  receive(frame: Uint8Array): void {
    const type = etherType(frame);
    if (type === ETHERTYPE_ARP) this.arp(frame);
    else if (type === ETHERTYPE_IPV4) this.ipv4(frame);
  }

  private resolve(name: string): string | null {
    const entry = this.config.dnsHosts?.find((h) => h.hostnames.some((n) => n.toLowerCase() === name));
    return entry?.ip ?? this.dhcp?.lookupName(name) ?? null;
  }

  /** The neighbour table: each address on the subnet with the MAC it last had, by address. */
  neighbours(): Neighbour[] {
    return [...this.neighbourTable].sort((a, b) => a[0] - b[0]).map(([ip, mac]) => ({ ip: ipFromNumber(ip), mac }));
  }

  /**
   * RFC 826: a request for our address gets a reply with our MAC. As Linux's arp_process: a request
   * or reply for our address enters the sender in the neighbour table; any other ARP only updates
   * an entry that is there.
   */
  private arp(frame: Uint8Array): void {
    const a = frame.subarray(ETH_HEADER);
    if (a.length < 28 || a[0] !== 0 || a[1] !== 1 || a[2] !== 8 || a[3] !== 0 || a[4] !== 6 || a[5] !== 4) return;
    const target = (a[24]! << 24 | a[25]! << 16 | a[26]! << 8 | a[27]!) >>> 0;
    const sender = macFromBytes(a, 8);
    this.learn((a[14]! << 24 | a[15]! << 16 | a[16]! << 8 | a[17]!) >>> 0, sender, target === this.ip);
    if (a[7] !== 1 || target !== this.ip) return; // only requests for us get a reply
    const reply = new Uint8Array(ETH_HEADER + 28);
    writeEthernet(reply, sender, this.config.mac, ETHERTYPE_ARP);
    const r = reply.subarray(ETH_HEADER);
    r.set(a.subarray(0, 6)); // htype, ptype, hlen, plen
    r[7] = 2;
    r.set(macToBytes(this.config.mac), 8);
    r.set(a.subarray(24, 28), 14);
    r.set(a.subarray(8, 18), 18); // requester's MAC and IP become the target
    this.port.send(reply);
  }

  /** Enters (if `create`) or updates ip → mac, for a host address on the subnet and a unicast MAC. */
  private learn(ip: number, mac: Mac, create: boolean): void {
    const host = (ip & ~this.mask) >>> 0;
    const onSubnet = ((ip ^ this.ip) & this.mask) === 0 && ip !== this.ip && host !== 0 && host !== (~this.mask >>> 0);
    const unicast = (parseInt(mac.slice(0, 2), 16) & 1) === 0 && mac !== '00:00:00:00:00:00';
    if (!onSubnet || !unicast || (!create && !this.neighbourTable.has(ip))) return;
    this.neighbourTable.delete(ip);
    this.neighbourTable.set(ip, mac);
    if (this.neighbourTable.size > NEIGHBOUR_LIMIT) this.neighbourTable.delete(this.neighbourTable.keys().next().value!);
  }

  private ipv4(frame: Uint8Array): void {
    const p = parseIpv4(frame);
    if (!p) return;
    const from = macFromBytes(frame, 6);
    if (p.protocol === IPPROTO_ICMP && p.dst === this.ip) this.icmp(from, p.src, p.payload);
    else if (p.protocol === IPPROTO_UDP) this.udp(from, p.src, p.dst, p.payload);
  }

  /** RFC 792 echo: reply with the same identifier, sequence and data. */
  private icmp(mac: Mac, src: number, icmp: Uint8Array): void {
    if (icmp.length < 8 || icmp[0] !== 8 || internetChecksum(icmp) !== 0) return;
    const reply = icmp.slice();
    reply[0] = 0;
    reply[2] = reply[3] = 0;
    const sum = internetChecksum(reply);
    reply[2] = sum >> 8;
    reply[3] = sum & 255;
    this.port.send(buildIpv4Frame(mac, this.config.mac, { src: this.ip, dst: src, protocol: IPPROTO_ICMP, payload: reply }));
  }

  private udp(mac: Mac, src: number, dst: number, payload: Uint8Array): void {
    const d = parseUdp(payload);
    if (!d) return;
    if (d.dstPort === DHCP_SERVER_PORT && this.dhcp) this.dhcpMessage(d.data);
    else if (d.dstPort === DNS_PORT && dst === this.ip) {
      const reply = this.dns.handle(d.data);
      if (reply) this.sendUdp(mac, src, d.dstPort, d.srcPort, reply);
    }
  }

  private dhcpMessage(data: Uint8Array): void {
    const msg = parseDhcp(data);
    const out = msg && this.dhcp!.handle(msg);
    if (!msg || !out) return;
    const toBroadcast = out.broadcast || out.yiaddr === 0;
    this.sendUdp(toBroadcast ? BROADCAST_MAC : msg.chaddr, toBroadcast ? 0xffffffff : out.yiaddr,
      DHCP_SERVER_PORT, DHCP_CLIENT_PORT, out.reply);
  }

  private sendUdp(mac: Mac, dst: number, srcPort: number, dstPort: number, data: Uint8Array): void {
    const payload = buildUdp(this.ip, dst, { srcPort, dstPort, data });
    this.port.send(buildIpv4Frame(mac, this.config.mac, { src: this.ip, dst, protocol: IPPROTO_UDP, payload }));
  }
}
