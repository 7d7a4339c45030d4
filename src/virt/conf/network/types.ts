/*
 * types.ts — typed virtual network definition (libvirt's virNetworkDef),
 * https://libvirt.org/formatnetwork.html.
 *
 * Invariants after parsing: uuid lowercase 8-4-4-4-12; MACs lowercase; every
 * <ip> has a prefix (netmask converted), addresses are dotted-quad IPv4 (IPv6
 * entries are kept with family 'ipv6'); forward mode is 'nat' | 'route' | 'open'
 * or absent (= isolated network). Bridge name and MAC are filled in by the
 * driver (libvirt assigns virbrN when absent), see fillNetworkDefaults().
 */

export type ForwardMode = 'nat' | 'route' | 'open';

export interface DhcpHost {
  mac?: string;
  name?: string;
  ip?: string;
}

export interface NetworkIpDef {
  family: 'ipv4' | 'ipv6';
  address: string;
  /**
   * Effective prefix length: from prefix=, from netmask= (kept in `netmask` for
   * formatting), or the address's natural class A/B/C prefix when neither is given.
   */
  prefix: number;
  /** prefix= was written (it is formatted back only then). */
  prefixSpecified?: boolean;
  netmask?: string;
  dhcp?: {
    ranges: Array<{ start: string; end: string }>;
    hosts: DhcpHost[];
  };
}

export interface NetworkDef {
  /** Live: how many guest interfaces are connected (<network connections='N'>), set by the driver. */
  connections?: number;
  name: string;
  uuid: string;
  /** absent = isolated network (no <forward>). */
  forward?: { mode: ForwardMode; dev?: string; natPorts?: { start: number; end: number } };
  bridge?: { name?: string; stp: 'on' | 'off'; delay: number };
  mac?: string;
  mtu?: number;
  domain?: { name: string; localOnly?: 'yes' | 'no' };
  dns?: { hosts: Array<{ ip: string; hostnames: string[] }> };
  ips: NetworkIpDef[];
}
