// net.test.ts — two virtio-net NICs on one virtual switch: a frame sent by one guest driver
// arrives in the other's receive buffers with the virtio_net_hdr, mergeable buffers, the backlog
// when no buffers are posted, link down, and the gateway reachable through the NIC.
import { describe, expect, it } from 'vitest';
import { FlatGuestMemory } from '../../../src/vmm/virtio/memory.js';
import { VirtioPciRegisters, BAR_DEVICE } from '../../../src/vmm/virtio/pci-regs.js';
import { VirtioNet, NET_HDR_SIZE, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_MRG_RXBUF } from '../../../src/vmm/virtio/devices/net.js';
import { readOffload, writeOffload } from '../../../src/vmm/net/offload.js';
import { superSegment, TSO } from '../net/tcp-frames.js';
import { VirtualSwitch } from '../../../src/vmm/net/switch.js';
import { writeEthernet } from '../../../src/vmm/net/frame.js';
import * as S from '../../../src/vmm/virtio/spec.js';
import { GuestHeap } from './driver.js';
import { kick, probe, RecordingInterrupts } from './pci-driver.js';

function nic(sw: VirtualSwitch, mac: string, mergeable = true, refuse = 0n) {
  const dev = new VirtioNet(sw, mac);
  const mem = new FlatGuestMemory(1 << 20);
  const irq = new RecordingInterrupts();
  const regs = new VirtioPciRegisters(dev, mem, irq);
  const want = ~((mergeable ? 0n : S.featureBit(VIRTIO_NET_F_MRG_RXBUF)) | refuse);
  const [rx, tx] = probe(regs, mem, new GuestHeap(0x1000), { queueSize: 16, want });
  return { dev, mem, regs, irq, rx: rx!, tx: tx! };
}

function frame(dst: string, src: string, len: number, fill: number): Uint8Array {
  const f = new Uint8Array(len).fill(fill);
  writeEthernet(f, dst, src, 0x88b5);
  return f;
}

function send(from: ReturnType<typeof nic>, f: Uint8Array) {
  from.tx.add([{ out: new Uint8Array(NET_HDR_SIZE) }, { out: f }]);
  kick(from.regs, 1);
}

describe('virtio-net', () => {
  it('exposes the MAC and link status in config space', () => {
    const a = nic(new VirtualSwitch('br'), '52:54:00:12:34:56');
    const mac = [0, 1, 2, 3, 4, 5].map((i) => a.regs.read(BAR_DEVICE + i, 1));
    expect(mac).toEqual([0x52, 0x54, 0, 0x12, 0x34, 0x56]);
    expect(a.regs.read(BAR_DEVICE + 6, 2)).toBe(1);
    a.dev.setLink(false);
    expect(a.regs.read(BAR_DEVICE + 6, 2)).toBe(0);
  });

  it('moves a frame from one guest to the other with num_buffers = 1', () => {
    const sw = new VirtualSwitch('br');
    const a = nic(sw, '52:54:00:00:00:0a');
    const b = nic(sw, '52:54:00:00:00:0b');
    const head = b.rx.add([{ in: 2048 }]);
    kick(b.regs, 0);
    const f = frame(b.dev.mac, a.dev.mac, 200, 0x5a);
    send(a, f);
    expect(a.tx.takeUsed().length).toBe(1);
    const [used] = b.rx.takeUsed();
    expect(used).toEqual({ id: head, len: NET_HDR_SIZE + 200 });
    const got = b.rx.readIn(head, used!.len);
    expect(new DataView(got.buffer).getUint16(10, true)).toBe(1);
    expect(got.subarray(NET_HDR_SIZE)).toEqual(f);
    expect(b.irq.intxLevel).toBe(true);
  });

  it('spreads a frame over several buffers with MRG_RXBUF', () => {
    const sw = new VirtualSwitch('br');
    const a = nic(sw, '52:54:00:00:00:0a');
    const b = nic(sw, '52:54:00:00:00:0b');
    for (let i = 0; i < 4; i++) b.rx.add([{ in: 512 }]);
    send(a, frame(b.dev.mac, a.dev.mac, 1400, 7));
    const used = b.rx.takeUsed();
    expect(used.map((u) => u.len)).toEqual([512, 512, 388]);
    expect(new DataView(b.rx.readIn(used[0]!.id, 12).buffer).getUint16(10, true)).toBe(3);
  });

  it('keeps frames in a backlog until the guest posts receive buffers', () => {
    const sw = new VirtualSwitch('br');
    const a = nic(sw, '52:54:00:00:00:0a');
    const b = nic(sw, '52:54:00:00:00:0b', false);
    send(a, frame(b.dev.mac, a.dev.mac, 100, 1));
    send(a, frame(b.dev.mac, a.dev.mac, 100, 2));
    expect(b.rx.takeUsed()).toEqual([]);
    b.rx.add([{ in: 1600 }]);
    b.rx.add([{ in: 1600 }]);
    kick(b.regs, 0);
    const used = b.rx.takeUsed();
    expect(used.length).toBe(2);
    expect(b.rx.readIn(used[1]!.id, used[1]!.len)[NET_HDR_SIZE + 20]).toBe(2);
  });

  it('a NIC with its link down neither sends nor receives', () => {
    const sw = new VirtualSwitch('br');
    const a = nic(sw, '52:54:00:00:00:0a');
    const b = nic(sw, '52:54:00:00:00:0b');
    b.rx.add([{ in: 2048 }]);
    kick(b.regs, 0);
    b.dev.setLink(false);
    send(a, frame(b.dev.mac, a.dev.mac, 100, 1));
    expect(b.rx.takeUsed()).toEqual([]);
    expect(b.dev.port.stats.rx_drop).toBe(1);
  });

  it('passes a TCP super-segment whole to a guest that took GUEST_TSO4, and cut to one that did not', () => {
    const sw = new VirtualSwitch('br');
    const a = nic(sw, '52:54:00:00:00:0a');
    const b = nic(sw, '52:54:00:00:00:0b');
    const c = nic(sw, '52:54:00:00:00:0c', true, S.featureBit(VIRTIO_NET_F_GUEST_TSO4));
    expect([a.dev.acceptsOffload, b.dev.acceptsOffload, c.dev.acceptsOffload]).toEqual([true, true, false]);
    for (let i = 0; i < 8; i++) { b.rx.add([{ in: 2048 }]); c.rx.add([{ in: 2048 }]); }
    const hdr = new Uint8Array(NET_HDR_SIZE);
    writeOffload(TSO, hdr);
    a.tx.add([{ out: hdr }, { out: superSegment(4000, a.dev.mac, b.dev.mac) }]);
    kick(a.regs, 1);
    const used = b.rx.takeUsed();
    expect(used.map((u) => u.len)).toEqual([2048, 12 + 54 + 4000 - 2048]);
    const first = b.rx.readIn(used[0]!.id, NET_HDR_SIZE);
    expect(readOffload(first)).toEqual(TSO);
    expect(new DataView(first.buffer).getUint16(10, true)).toBe(2);
    // b has not sent yet, so the switch floods: c got the same super-segment, cut into MSS frames
    const cut = c.rx.takeUsed();
    expect(cut.map((u) => u.len)).toEqual([12 + 1502, 12 + 1502, 12 + 1158]);
    expect(readOffload(c.rx.readIn(cut[0]!.id, NET_HDR_SIZE))).toBeUndefined();
  });

  it('waits for receive buffers to hold a whole packet instead of failing mid-packet', () => {
    const sw = new VirtualSwitch('br');
    const a = nic(sw, '52:54:00:00:00:0a');
    const b = nic(sw, '52:54:00:00:00:0b');
    b.rx.add([{ in: 512 }]);
    b.rx.add([{ in: 512 }]);
    send(a, frame(b.dev.mac, a.dev.mac, 1500, 9));
    expect(b.rx.takeUsed()).toEqual([]);
    expect(b.regs.read(S.COMMON_DEVICE_STATUS, 1) & S.STATUS_DEVICE_NEEDS_RESET).toBe(0);
    b.rx.add([{ in: 512 }]);
    kick(b.regs, 0);
    expect(b.rx.takeUsed().map((u) => u.len)).toEqual([512, 512, 12 + 1500 - 1024]);
  });
});
