// frame.ts — Ethernet II, ARP (RFC 826), IPv4 (RFC 791), ICMP (RFC 792) and UDP (RFC 768)
// headers as the virtual network's own services need them: parse into plain objects, build
// frames, compute the Internet checksum (RFC 1071). All multi-byte fields are big-endian.

export type Mac = string; // "52:54:00:12:34:56"
export const BROADCAST_MAC: Mac = 'ff:ff:ff:ff:ff:ff';
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const ETH_HEADER = 14;

export function macToBytes(mac: Mac): Uint8Array {
  return Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function macFromBytes(b: Uint8Array, off = 0): Mac {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0) >>> 0;
}

export function ipFromNumber(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isMulticastMac(b: Uint8Array): boolean {
  return (b[0]! & 1) === 1;
}

/** RFC 1071 one's-complement sum over `data`, folded, complemented. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4Packet {
  src: number;
  dst: number;
  protocol: number;
  ttl: number;
  payload: Uint8Array;
}

/** Parses the IPv4 packet after the Ethernet header; null if it is not a valid, unfragmented one. */
export function parseIpv4(frame: Uint8Array): Ipv4Packet | null {
  if (frame.length < ETH_HEADER + 20) return null;
  const ip = frame.subarray(ETH_HEADER);
  const v = new DataView(ip.buffer, ip.byteOffset, ip.byteLength);
  const ihl = (ip[0]! & 15) * 4;
  const total = v.getUint16(2);
  if (ip[0]! >> 4 !== 4 || ihl < 20 || total < ihl || total > ip.length) return null;
  if (internetChecksum(ip.subarray(0, ihl)) !== 0) return null;
  if (v.getUint16(6) & 0x3fff) return null; // fragments are not served by the built-in services
  return { src: v.getUint32(12), dst: v.getUint32(16), protocol: ip[9]!, ttl: ip[8]!, payload: ip.subarray(ihl, total) };
}

/** Builds an Ethernet frame carrying an IPv4 packet (20-byte header, DF clear). */
export function buildIpv4Frame(dstMac: Mac, srcMac: Mac, p: Omit<Ipv4Packet, 'ttl'> & { ttl?: number }): Uint8Array {
  const frame = new Uint8Array(ETH_HEADER + 20 + p.payload.length);
  writeEthernet(frame, dstMac, srcMac, ETHERTYPE_IPV4);
  const ip = frame.subarray(ETH_HEADER);
  const v = new DataView(ip.buffer, ip.byteOffset, ip.byteLength);
  ip[0] = 0x45;
  v.setUint16(2, 20 + p.payload.length);
  ip[8] = p.ttl ?? 64;
  ip[9] = p.protocol;
  v.setUint32(12, p.src);
  v.setUint32(16, p.dst);
  v.setUint16(10, internetChecksum(ip.subarray(0, 20)));
  ip.set(p.payload, 20);
  return frame;
}

export function writeEthernet(frame: Uint8Array, dst: Mac, src: Mac, type: number): void {
  frame.set(macToBytes(dst), 0);
  frame.set(macToBytes(src), 6);
  frame[12] = type >> 8;
  frame[13] = type & 255;
}

export function etherType(frame: Uint8Array): number {
  return frame.length < ETH_HEADER ? -1 : (frame[12]! << 8) | frame[13]!;
}

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  data: Uint8Array;
}

export function parseUdp(payload: Uint8Array): UdpDatagram | null {
  if (payload.length < 8) return null;
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const len = v.getUint16(4);
  if (len < 8 || len > payload.length) return null;
  return { srcPort: v.getUint16(0), dstPort: v.getUint16(2), data: payload.subarray(8, len) };
}

/** A UDP datagram with its checksum over the IPv4 pseudo-header. */
export function buildUdp(src: number, dst: number, d: UdpDatagram): Uint8Array {
  const out = new Uint8Array(8 + d.data.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, d.srcPort);
  v.setUint16(2, d.dstPort);
  v.setUint16(4, out.length);
  out.set(d.data, 8);
  const pseudo = new Uint8Array(12);
  const pv = new DataView(pseudo.buffer);
  pv.setUint32(0, src);
  pv.setUint32(4, dst);
  pv.setUint16(8, IPPROTO_UDP);
  pv.setUint16(10, out.length);
  const partial = ~internetChecksum(pseudo) & 0xffff;
  v.setUint16(6, internetChecksum(out, partial) || 0xffff);
  return out;
}
