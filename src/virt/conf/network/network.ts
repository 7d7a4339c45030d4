/*
 * network.ts — virtual network XML (formatnetwork.html): name, uuid,
 * <forward mode> (nat | route | open; none = isolated), <bridge name stp delay>,
 * <mac>, <mtu>, <domain>, <dns><host>, <ip address netmask|prefix> with
 * <dhcp><range>/<host>.
 *
 * Rules and wording as virNetworkDefParseXML and friends: name required, no
 * '/'; "malformed uuid element"; unknown forward modes "unknown forwarding
 * type 'X'"; an IP needs an address, not both prefix and netmask; DHCP ranges
 * inside the subnet and not reversed; static hosts need mac or name and an IP.
 * Defaults the network driver fills at net-define: uuid, bridge name (first
 * free virbrN), stp on, delay 0, a 52:54:00 bridge MAC.
 */
import { VirError } from '../../error.js';
import { el, type XmlElement } from '../../xml/node.js';
import { formatXml } from '../../xml/format.js';
import { parseXml } from '../../xml/parse.js';
import { generateMac, isMulticastMac, parseMac } from '../mac.js';
import { childText, propEnum, propUInt, ON_OFF, YES_NO } from '../props.js';
import { generateUuid, parseUuid } from '../uuid.js';
import { formatIPv4, netmaskToPrefix, parseIPv4, sameSubnet } from './ip.js';
import type { NetworkDef, NetworkIpDef } from './types.js';

const FORWARD_MODES = ['nat', 'route', 'open', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev'];

export interface NetworkParseOptions {
  /** Bridge names already used by other networks (to pick the first free virbrN). */
  usedBridges?: Iterable<string>;
}

function xmlErr(detail: string) {
  return new VirError('VIR_ERR_XML_ERROR', detail, 'VIR_FROM_NETWORK');
}
function unsupported(detail: string) {
  return new VirError('VIR_ERR_CONFIG_UNSUPPORTED', detail, 'VIR_FROM_NETWORK');
}

export function parseNetworkXML(xml: string, opts: NetworkParseOptions = {}): NetworkDef {
  const root = parseXml(xml, { url: '(network_definition)', domain: 'VIR_FROM_NETWORK' });
  if (root.name !== 'network') throw xmlErr(`expecting root element of 'network', not '${root.name}'`);
  const name = childText(root, 'name');
  if (!name) throw new VirError('VIR_ERR_NO_NAME', '', 'VIR_FROM_NETWORK');
  if (name.includes('/')) throw new VirError('VIR_ERR_XML_DETAIL', 'invalid char in name: /', 'VIR_FROM_NETWORK');
  const uuidText = childText(root, 'uuid');
  let uuid = generateUuid();
  if (uuidText !== undefined) {
    const u = parseUuid(uuidText);
    if (!u) throw new VirError('VIR_ERR_INTERNAL_ERROR', 'malformed uuid element', 'VIR_FROM_NETWORK');
    uuid = u;
  }
  const def: NetworkDef = { name, uuid, ips: [] };
  const fwd = root.child('forward');
  if (fwd) {
    const mode = fwd.attr('mode') ?? 'nat';
    if (!FORWARD_MODES.includes(mode)) throw unsupported(`unknown forwarding type '${mode}'`);
    if (mode !== 'nat' && mode !== 'route' && mode !== 'open') {
      throw unsupported(`forward mode '${mode}' is not supported by the wasmvirt driver`);
    }
    def.forward = { mode, dev: fwd.attr('dev') };
    const port = fwd.child('nat')?.child('port');
    if (port) {
      const start = propUInt(port, 'start', { required: true, domain: 'VIR_FROM_NETWORK' })!;
      const end = propUInt(port, 'end', { required: true, domain: 'VIR_FROM_NETWORK' })!;
      if (start > end || end > 65535) throw xmlErr(`Invalid port range '${start}-${end}'.`);
      def.forward.natPorts = { start, end };
    }
  }
  const br = root.child('bridge');
  def.bridge = {
    name: br?.attr('name'),
    stp: (br && propEnum(br, 'stp', ON_OFF, { domain: 'VIR_FROM_NETWORK' })) || 'on',
    delay: (br && propUInt(br, 'delay', { domain: 'VIR_FROM_NETWORK' })) || 0,
  };
  const macText = root.child('mac')?.attr('address');
  if (macText !== undefined) {
    const mac = parseMac(macText);
    if (!mac) throw xmlErr(`Invalid bridge mac address '${macText}' in network '${name}'`);
    if (isMulticastMac(mac)) throw xmlErr(`Invalid multicast bridge mac address '${macText}' in network '${name}'`);
    def.mac = mac;
  }
  const mtu = root.child('mtu');
  if (mtu) def.mtu = propUInt(mtu, 'size', { required: true, nonzero: true, domain: 'VIR_FROM_NETWORK' });
  const dom = root.child('domain');
  if (dom) {
    const dn = dom.attr('name');
    if (!dn) throw xmlErr(`Missing required attribute 'name' in element 'domain'`);
    def.domain = { name: dn, localOnly: propEnum(dom, 'localOnly', YES_NO, { domain: 'VIR_FROM_NETWORK' }) };
  }
  const dns = root.child('dns');
  if (dns) def.dns = { hosts: dns.elements('host').map((h) => parseDnsHost(h, name)) };
  def.ips = root.elements('ip').map((e) => parseIp(e, name));
  fillNetworkDefaults(def, opts.usedBridges ?? []);
  return def;
}

function parseDnsHost(h: XmlElement, net: string): { ip: string; hostnames: string[] } {
  const detail = (m: string) => new VirError('VIR_ERR_XML_DETAIL', m, 'VIR_FROM_NETWORK');
  const hostnames = h.elements('hostname').map((n) => n.textContent);
  if (hostnames.length === 0 || hostnames.some((n) => n === '')) throw detail(`Missing hostname in network '${net}' DNS HOST record`);
  const ip = h.attr('ip');
  if (ip === undefined) throw detail(`Missing IP address in network '${net}' DNS HOST record`);
  if (parseIPv4(ip) === null) throw detail(`Invalid IP address in network '${net}' DNS HOST record`);
  return { ip, hostnames };
}

/** The natural (class A/B/C) prefix libvirt uses when neither netmask nor prefix is given. */
function naturalPrefix(addr: number): number {
  if (addr === 0) return 0;
  const octet = addr >>> 24;
  if ((octet & 0x80) === 0) return 8;
  if ((octet & 0xc0) === 0x80) return 16;
  return 24;
}

function parseIp(e: XmlElement, net: string): NetworkIpDef {
  const family = e.attr('family') ?? 'ipv4';
  const address = e.attr('address');
  if (!address) throw xmlErr(`Missing required address attribute in network '${net}'`);
  if (family === 'ipv6') {
    const prefix = propUInt(e, 'prefix', { domain: 'VIR_FROM_NETWORK' });
    if (prefix !== undefined && prefix > 128) throw unsupported(`Invalid IPv6 prefix '${prefix}' in network '${net}'`);
    return { family: 'ipv6', address, prefix: prefix ?? 64, prefixSpecified: prefix !== undefined };
  }
  if (family !== 'ipv4') throw xmlErr(`Unrecognized family '${family}' in network '${net}'`);
  const addr = parseIPv4(address);
  if (addr === null) throw xmlErr(`Invalid address '${address}' in network '${net}'`);
  const netmask = e.attr('netmask');
  const prefixAttr = propUInt(e, 'prefix', { domain: 'VIR_FROM_NETWORK' });
  let prefix: number;
  if (netmask !== undefined) {
    const p = parseIPv4(netmask) === null ? null : netmaskToPrefix(netmask);
    if (p === null) throw xmlErr(`Invalid netmask '${netmask}' in network '${net}'`);
    if (prefixAttr !== undefined && prefixAttr > 0) {
      throw unsupported(`Network '${net}' IP address cannot have both a prefix and a netmask`);
    }
    prefix = p;
  } else if (prefixAttr !== undefined && prefixAttr > 0) {
    if (prefixAttr > 32) throw unsupported(`Invalid IPv4 prefix '${prefixAttr}' in network '${net}'`);
    prefix = prefixAttr;
  } else {
    prefix = naturalPrefix(addr);
  }
  const ip: NetworkIpDef = {
    family: 'ipv4', address, prefix, netmask, prefixSpecified: netmask === undefined && !!prefixAttr,
  };
  const dhcp = e.child('dhcp');
  if (dhcp) {
    ip.dhcp = { ranges: [], hosts: [] };
    for (const r of dhcp.elements('range')) ip.dhcp.ranges.push(parseRange(r, addr, prefix, net));
    for (const h of dhcp.elements('host')) ip.dhcp.hosts.push(parseDhcpHost(h, net));
  }
  return ip;
}

/** virNetworkDHCPRangeDefParseXML + virSocketAddrGetRange (IPv4). */
function parseRange(r: XmlElement, addr: number, prefix: number, net: string): { start: string; end: string } {
  const internal = (m: string) => new VirError('VIR_ERR_INTERNAL_ERROR', m, 'VIR_FROM_NETWORK');
  const start = r.attr('start');
  if (!start) throw xmlErr(`Missing 'start' attribute in dhcp range for network '${net}'`);
  const s = parseIPv4(start);
  if (s === null) throw xmlErr(`Cannot parse address '${start}'`);
  const end = r.attr('end');
  if (!end) throw xmlErr(`Missing 'end' attribute in dhcp range for network '${net}'`);
  const en = parseIPv4(end);
  if (en === null) throw xmlErr(`Cannot parse address '${end}'`);
  const where = `${formatIPv4(addr)}/${prefix}`;
  if (!sameSubnet(s, addr, prefix) || !sameSubnet(en, addr, prefix)) {
    throw internal(`range ${start} - ${end} is not entirely within network ${where}`);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const netaddr = (addr & mask) >>> 0;
  const broadcast = (netaddr | (~mask >>> 0)) >>> 0;
  if (s === netaddr) throw internal(`start of range ${start} - ${end} in network ${where} is the network address`);
  if (en === broadcast) throw internal(`end of range ${start} - ${end} in network ${where} is the broadcast address`);
  if (s >>> 16 !== en >>> 16) throw internal(`range ${start} - ${end} is too large (> 65535)`);
  if (s > en) throw internal(`range ${start} - ${end} is reversed `);
  return { start, end };
}

/** virNetworkDHCPHostDefParseXML for IPv4. */
function parseDhcpHost(h: XmlElement, net: string) {
  const macText = h.attr('mac');
  let mac: string | undefined;
  if (macText !== undefined) {
    const m = parseMac(macText);
    if (!m) throw xmlErr(`Cannot parse MAC address '${macText}' in network '${net}'`);
    if (isMulticastMac(m)) throw xmlErr(`expected unicast mac address, found multicast '${macText}' in network '${net}'`);
    mac = m;
  }
  const name = h.attr('name');
  if (name !== undefined && !/^[A-Za-z0-9]/.test(name)) throw xmlErr(`Cannot use host name '${name}' in network '${net}'`);
  const ip = h.attr('ip');
  if (ip !== undefined && parseIPv4(ip) === null) {
    throw xmlErr(`Invalid IP address in static host definition for network '${net}'`);
  }
  if (!mac && !name) throw xmlErr(`Static host definition in IPv4 network '${net}' must have mac or name attribute`);
  if (!ip) throw xmlErr(`Missing IP address in static host definition for network '${net}'`);
  return { mac: macText !== undefined ? macText : undefined, name, ip };
}

/** What libvirt's network driver fills at definition: bridge name, bridge MAC, stp/delay. */
export function fillNetworkDefaults(def: NetworkDef, usedBridges: Iterable<string>): void {
  const used = new Set(usedBridges);
  if (!def.bridge) def.bridge = { stp: 'on', delay: 0 };
  if (!def.bridge.name) {
    let i = 0;
    while (used.has(`virbr${i}`)) i++;
    def.bridge.name = `virbr${i}`;
  }
  if (!def.mac) def.mac = generateMac();
}

export interface NetworkFormatOptions {
  /** Format the persistent definition (net-dumpxml --inactive): no live connection count. */
  inactive?: boolean;
}

export function networkElement(def: NetworkDef, opts: NetworkFormatOptions = {}): XmlElement {
  const f = def.forward;
  const ports = f?.natPorts;
  const connections = !opts.inactive && def.connections ? def.connections : undefined;
  return el('network', { connections }, [
    el('name', {}, [def.name]),
    el('uuid', {}, [def.uuid]),
    f && el('forward', { dev: f.dev, mode: f.mode }, ports ? [el('nat', {}, [el('port', { start: ports.start, end: ports.end })])] : []),
    def.bridge && el('bridge', { name: def.bridge.name, stp: def.bridge.stp, delay: def.bridge.delay }),
    def.mtu !== undefined && el('mtu', { size: def.mtu }),
    def.mac && el('mac', { address: def.mac }),
    def.domain && el('domain', { name: def.domain.name, localOnly: def.domain.localOnly }),
    def.dns && def.dns.hosts.length > 0 && el('dns', {}, def.dns.hosts.map((h) =>
      el('host', { ip: h.ip }, h.hostnames.map((n) => el('hostname', {}, [n]))))),
    ...def.ips.map((ip) => el('ip', {
      family: ip.family === 'ipv6' ? 'ipv6' : undefined,
      address: ip.address,
      netmask: ip.netmask,
      prefix: ip.prefixSpecified && ip.prefix > 0 ? ip.prefix : undefined,
    }, ip.dhcp ? [el('dhcp', {}, [
      ...ip.dhcp.ranges.map((r) => el('range', { start: r.start, end: r.end })),
      ...ip.dhcp.hosts.map((h) => el('host', { mac: h.mac, name: h.name, ip: h.ip })),
    ])] : [])),
  ]);
}

export function formatNetworkXML(def: NetworkDef, opts: NetworkFormatOptions = {}): string {
  return formatXml(networkElement(def, opts));
}
