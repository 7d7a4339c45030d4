// offload.ts — checksum and segmentation offload on the virtual switches, as a Linux bridge does
// between tap devices with vnet headers: a frame may travel with the first 10 bytes of its
// struct virtio_net_hdr (virtio 1.2, 5.1.6: flags, gso_type, hdr_len, gso_size, csum_start,
// csum_offset), meaning "the TCP/UDP checksum is still partial" (NEEDS_CSUM) and/or "this is one
// TCPv4 super-segment to cut into gso_size pieces" (GSO_TCPV4). Ports that take offloads (virtio-net
// with GUEST_CSUM + GUEST_TSO4, the uplinks between worker and host) get such frames as they are;
// for every other port `completeFrames` does the work in software: the checksum, then the
// segmentation, exactly as the receiving NIC's wire would have seen it.
// Invariants: completeFrames never modifies its input; it returns [] for a frame it cannot parse
// (the caller counts a drop) and never throws on guest data.
import { ETH_HEADER, ETHERTYPE_IPV4, internetChecksum, IPPROTO_TCP } from './frame.js';

export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;
/** bytes of struct virtio_net_hdr before num_buffers */
export const OFFLOAD_BYTES = 10;
/** the largest frame a GSO super-segment may be: 64 KiB of IP packet plus the Ethernet header */
export const MAX_GSO_FRAME = 0xffff + ETH_HEADER;

export interface Offload {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
}

/** The header at `off` (little endian), or undefined when it asks for nothing. */
export function readOffload(b: Uint8Array, off = 0): Offload | undefined {
  const v = new DataView(b.buffer, b.byteOffset + off, OFFLOAD_BYTES);
  const flags = v.getUint8(0), gsoType = v.getUint8(1);
  if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) === 0 && gsoType === VIRTIO_NET_HDR_GSO_NONE) return undefined;
  return { flags, gsoType, hdrLen: v.getUint16(2, true), gsoSize: v.getUint16(4, true), csumStart: v.getUint16(6, true), csumOffset: v.getUint16(8, true) };
}

/** Writes the header at `off`; all zeros (a complete frame) for undefined. */
export function writeOffload(o: Offload | undefined, b: Uint8Array, off = 0): void {
  const v = new DataView(b.buffer, b.byteOffset + off, OFFLOAD_BYTES);
  v.setUint8(0, o?.flags ?? 0);
  v.setUint8(1, o?.gsoType ?? 0);
  v.setUint16(2, o?.hdrLen ?? 0, true);
  v.setUint16(4, o?.gsoSize ?? 0, true);
  v.setUint16(6, o?.csumStart ?? 0, true);
  v.setUint16(8, o?.csumOffset ?? 0, true);
}

/** Whether a device offering CSUM/HOST_TSO4 may be handed this header (a GSO type it can cut). */
export function isSupportedOffload(o: Offload): boolean {
  const type = o.gsoType & ~VIRTIO_NET_HDR_GSO_ECN;
  return type === VIRTIO_NET_HDR_GSO_NONE || (type === VIRTIO_NET_HDR_GSO_TCPV4 && o.gsoSize > 0);
}

/** The frames a port without offloads must receive in place of `frame`: checksums done, TSO cut. */
export function completeFrames(frame: Uint8Array, o: Offload): Uint8Array[] {
  if ((o.gsoType & ~VIRTIO_NET_HDR_GSO_ECN) === VIRTIO_NET_HDR_GSO_TCPV4) return segmentTcpv4(frame, o.gsoSize);
  if (o.gsoType !== VIRTIO_NET_HDR_GSO_NONE) return [];
  const out = frame.slice();
  return completeChecksum(out, o.csumStart, o.csumOffset) ? [out] : [];
}

/** NEEDS_CSUM: the field at start+offset holds the pseudo-header sum; sum from start and store. */
function completeChecksum(f: Uint8Array, start: number, offset: number): boolean {
  const at = start + offset;
  if (start >= f.length || at + 2 > f.length) return false;
  const c = internetChecksum(f.subarray(start));
  f[at] = c >> 8;
  f[at + 1] = c & 0xff;
  return true;
}

const TCP_FIN = 0x01, TCP_PSH = 0x08, TCP_CWR = 0x80;

/** Cuts a TCPv4 super-segment into MSS-sized frames with their own IP ids, lengths and checksums. */
function segmentTcpv4(frame: Uint8Array, mss: number): Uint8Array[] {
  if (frame.length < ETH_HEADER + 20 || ((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_IPV4) return [];
  const ip = ETH_HEADER;
  const ihl = (frame[ip]! & 0x0f) * 4;
  if (frame[ip]! >> 4 !== 4 || ihl < 20 || frame[ip + 9] !== IPPROTO_TCP) return [];
  const tcp = ip + ihl;
  if (frame.length < tcp + 20) return [];
  const doff = (frame[tcp + 12]! >> 4) * 4;
  const headers = tcp + doff;
  if (doff < 20 || frame.length < headers || mss <= 0) return [];
  const payload = frame.length - headers;
  const id0 = (frame[ip + 4]! << 8) | frame[ip + 5]!;
  const seq0 = ((frame[tcp + 4]! << 24) | (frame[tcp + 5]! << 16) | (frame[tcp + 6]! << 8) | frame[tcp + 7]!) >>> 0;
  const flags0 = frame[tcp + 13]!;
  const out: Uint8Array[] = [];
  for (let pos = 0, i = 0; pos < payload || i === 0; pos += mss, i++) {
    const n = Math.min(mss, payload - pos);
    const last = pos + n >= payload;
    const seg = new Uint8Array(headers + n);
    seg.set(frame.subarray(0, headers));
    seg.set(frame.subarray(headers + pos, headers + pos + n), headers);
    const total = ihl + doff + n;
    seg[ip + 2] = total >> 8; seg[ip + 3] = total & 0xff;
    const id = (id0 + i) & 0xffff;
    seg[ip + 4] = id >> 8; seg[ip + 5] = id & 0xff;
    seg[ip + 10] = 0; seg[ip + 11] = 0;
    const ipsum = internetChecksum(seg.subarray(ip, tcp));
    seg[ip + 10] = ipsum >> 8; seg[ip + 11] = ipsum & 0xff;
    const seq = (seq0 + pos) >>> 0;
    seg[tcp + 4] = seq >>> 24; seg[tcp + 5] = (seq >>> 16) & 0xff; seg[tcp + 6] = (seq >>> 8) & 0xff; seg[tcp + 7] = seq & 0xff;
    let flags = flags0;
    if (!last) flags &= ~(TCP_FIN | TCP_PSH);
    if (i > 0) flags &= ~TCP_CWR;
    seg[tcp + 13] = flags;
    seg[tcp + 16] = 0; seg[tcp + 17] = 0;
    // pseudo-header (source and destination address, protocol, TCP length), then the segment
    const pseudo = ~internetChecksum(seg.subarray(ip + 12, ip + 20), IPPROTO_TCP + doff + n) & 0xffff;
    const c = internetChecksum(seg.subarray(tcp), pseudo);
    seg[tcp + 16] = c >> 8; seg[tcp + 17] = c & 0xff;
    out.push(seg);
    if (last) break;
  }
  return out;
}
