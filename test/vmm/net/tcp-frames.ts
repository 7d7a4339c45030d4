// tcp-frames.ts — IPv4 frames for the offload tests: a TCP super-segment with a partial checksum as
// Linux hands it to a NIC with TSO, and the virtio_net_hdr that goes with it.
import { ETH_HEADER, internetChecksum, IPPROTO_TCP, writeEthernet } from '../../../src/vmm/net/frame.js';
import { VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, type Offload } from '../../../src/vmm/net/offload.js';

const SRC = [192, 168, 122, 10], DST = [192, 168, 122, 11];

/** The pseudo-header sum Linux leaves in the checksum field of a CHECKSUM_PARTIAL packet. */
export function pseudoSum(proto: number, len: number): number {
  let s = ((SRC[0]! << 8) | SRC[1]!) + ((SRC[2]! << 8) | SRC[3]!) + ((DST[0]! << 8) | DST[1]!) + ((DST[2]! << 8) | DST[3]!) + proto + len;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export function ipv4(proto: number, l4: Uint8Array, id = 0x1234, src = '52:54:00:00:00:0a', dst = '52:54:00:00:00:0b'): Uint8Array {
  const f = new Uint8Array(ETH_HEADER + 20 + l4.length);
  writeEthernet(f, dst, src, 0x0800);
  const v = new DataView(f.buffer);
  f[14] = 0x45; v.setUint16(16, 20 + l4.length); v.setUint16(18, id); f[22] = 64; f[23] = proto;
  f.set(SRC, 26); f.set(DST, 30);
  v.setUint16(24, internetChecksum(f.subarray(14, 34)));
  f.set(l4, 34);
  return f;
}

/** A TCP super-segment: seq 1000, flags ACK|PSH|FIN, `n` payload bytes counting up, partial checksum. */
export function superSegment(n: number, src?: string, dst?: string): Uint8Array {
  const tcp = new Uint8Array(20 + n);
  const v = new DataView(tcp.buffer);
  v.setUint16(0, 5001); v.setUint16(2, 80); v.setUint32(4, 1000); v.setUint32(8, 77);
  tcp[12] = 5 << 4; tcp[13] = 0x10 | 0x08 | 0x01; v.setUint16(14, 64240);
  for (let i = 0; i < n; i++) tcp[20 + i] = i & 0xff;
  v.setUint16(16, pseudoSum(IPPROTO_TCP, tcp.length));
  return ipv4(IPPROTO_TCP, tcp, 0x1234, src, dst);
}

export const TSO: Offload = { flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gsoType: VIRTIO_NET_HDR_GSO_TCPV4, hdrLen: 54, gsoSize: 1448, csumStart: 34, csumOffset: 16 };
