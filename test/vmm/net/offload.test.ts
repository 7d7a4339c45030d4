// offload.test.ts — checksum and TCPv4 segmentation offload on the virtual switch: a super-segment
// as Linux hands it to a virtio-net with HOST_TSO4 (partial checksum, one IP/TCP header, 64 KiB of
// payload) is cut for a port without offloads into MSS-sized frames whose IP and TCP checksums
// verify, whose sequence numbers, IP ids and flags are those of the wire, and whose payloads join
// back into the original; a port that takes offloads gets the super-segment as it was sent.
import { describe, expect, it } from 'vitest';
import { VirtualSwitch } from '../../../src/vmm/net/switch.js';
import { internetChecksum, IPPROTO_TCP, IPPROTO_UDP } from '../../../src/vmm/net/frame.js';
import { completeFrames, VIRTIO_NET_HDR_F_NEEDS_CSUM, type Offload } from '../../../src/vmm/net/offload.js';
import { ipv4, pseudoSum, superSegment, TSO } from './tcp-frames.js';

/** A TCP or UDP checksum over the pseudo-header and the segment verifies (sums to 0xffff). */
function l4ChecksumOk(f: Uint8Array, proto: number): boolean {
  const l4 = f.subarray(34);
  const pseudo = new Uint8Array(12 + l4.length);
  pseudo.set(f.subarray(26, 34)); pseudo[9] = proto; new DataView(pseudo.buffer).setUint16(10, l4.length);
  pseudo.set(l4, 12);
  return internetChecksum(pseudo) === 0;
}

describe('offload', () => {
  it('cuts a TCPv4 super-segment into MSS frames as the wire would carry them', () => {
    const n = 4000;
    const frames = completeFrames(superSegment(n), TSO);
    expect(frames.map((f) => f.length - 54)).toEqual([1448, 1448, 1104]);
    const payload: number[] = [];
    frames.forEach((f, i) => {
      const v = new DataView(f.buffer);
      expect(internetChecksum(f.subarray(14, 34))).toBe(0);
      expect(v.getUint16(16)).toBe(f.length - 14);
      expect(v.getUint16(18)).toBe(0x1234 + i);
      expect(v.getUint32(34 + 4)).toBe(1000 + 1448 * i);
      expect(f[34 + 13]).toBe(i === 2 ? 0x19 : 0x10);
      expect(l4ChecksumOk(f, IPPROTO_TCP)).toBe(true);
      payload.push(...f.subarray(54));
    });
    expect(payload).toEqual(Array.from({ length: n }, (_, i) => i & 0xff));
  });

  it('completes a partial UDP checksum', () => {
    const udp = new Uint8Array(8 + 333).fill(0xa5);
    const v = new DataView(udp.buffer);
    v.setUint16(0, 53); v.setUint16(2, 5353); v.setUint16(4, udp.length); v.setUint16(6, pseudoSum(IPPROTO_UDP, udp.length));
    const f = ipv4(IPPROTO_UDP, udp);
    const [done] = completeFrames(f, { flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 34, csumOffset: 6 });
    expect(l4ChecksumOk(done!, IPPROTO_UDP)).toBe(true);
    expect(l4ChecksumOk(f, IPPROTO_UDP)).toBe(false); // the input is left as it was
  });

  it('refuses what it cannot parse instead of throwing', () => {
    expect(completeFrames(new Uint8Array(20), TSO)).toEqual([]);
    expect(completeFrames(new Uint8Array(60), { ...TSO, gsoType: 0, csumStart: 59, csumOffset: 16 })).toEqual([]);
  });

  it('delivers super-segments whole to ports that take offloads and cut to the others', () => {
    const sw = new VirtualSwitch('br', 1500);
    const got: { tso: [number, Offload | undefined][]; plain: number[] } = { tso: [], plain: [] };
    const a = sw.attach({ receive: () => {} }, 'a');
    sw.attach({ receive: (f, o) => got.tso.push([f.length, o]), acceptsOffload: true }, 'tso');
    sw.attach({ receive: (f, o) => { expect(o).toBeUndefined(); got.plain.push(f.length); } }, 'plain');
    a.send(superSegment(4000), TSO); // unknown destination: flooded to both
    expect(got.tso).toEqual([[54 + 4000, TSO]]);
    expect(got.plain).toEqual([1502, 1502, 1158]);
    a.send(new Uint8Array(1600)); // larger than the MTU without GSO: dropped
    a.send(superSegment(4000), { ...TSO, gsoSize: 9000 }); // pieces larger than the MTU: dropped
    a.send(superSegment(4000), { ...TSO, gsoType: 3 }); // UDP fragmentation offload was never offered
    expect(a.stats.tx_drop).toBe(3);
  });
});
