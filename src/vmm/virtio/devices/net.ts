// net.ts — virtio-net (virtio 1.2, 5.1) attached to a virtual switch port: receiveq1 (0) and
// transmitq1 (1), VIRTIO_NET_F_MAC, _STATUS (link state, `virsh domif-setlink`), _MTU and
// _MRG_RXBUF. Every frame carries the 12-byte struct virtio_net_hdr of VERSION_1 devices.
// No checksum or segmentation offload is offered, so frames on the switch are always complete.
// Invariant: frames that arrive while the guest has posted no receive buffers wait in a bounded
// backlog (then are dropped and counted), never block the switch.
import { ChainReader, ChainWriter, type DescriptorChain } from '../chain.js';
import { ConfigBytes, type VirtioContext, type VirtioDevice } from '../device.js';
import { featureBit, VIRTIO_ID_NET } from '../spec.js';
import { macToBytes, type Mac } from '../../net/frame.js';
import type { SwitchPort, SwitchPortOwner, VirtualSwitch } from '../../net/switch.js';

export const VIRTIO_NET_F_MTU = 3;
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_MRG_RXBUF = 15;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_S_LINK_UP = 1;
export const NET_HDR_SIZE = 12;
const CFG_MAC = 0, CFG_STATUS = 6, CFG_MTU = 10, CFG_SIZE = 12;
const RX = 0, TX = 1;
const BACKLOG_LIMIT = 256;

export class VirtioNet implements VirtioDevice, SwitchPortOwner {
  readonly deviceType = VIRTIO_ID_NET;
  readonly name = 'virtio-net';
  readonly features = featureBit(VIRTIO_NET_F_MAC) | featureBit(VIRTIO_NET_F_STATUS) | featureBit(VIRTIO_NET_F_MTU) |
    featureBit(VIRTIO_NET_F_MRG_RXBUF);
  readonly queueSizes = [256, 256];
  readonly configSize = CFG_SIZE;
  readonly port: SwitchPort;
  private readonly config = new ConfigBytes(CFG_SIZE);
  private ctx: VirtioContext | null = null;
  private mergeable = false;
  private readonly backlog: Uint8Array[] = [];

  constructor(sw: VirtualSwitch, readonly mac: Mac, linkUp = true) {
    this.port = sw.attach(this, mac);
    this.config.bytes.set(macToBytes(mac), CFG_MAC);
    this.config.view.setUint16(CFG_MTU, sw.mtu, true);
    this.setLink(linkUp);
  }

  get linkUp(): boolean {
    return this.port.linkUp;
  }

  /** Link state as <link state='up|down'/>; the guest sees a config change. */
  setLink(up: boolean): void {
    this.port.linkUp = up;
    this.config.view.setUint16(CFG_STATUS, up ? VIRTIO_NET_S_LINK_UP : 0, true);
    this.ctx?.configChanged();
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  writeConfig(): void {}

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.mergeable = (ctx.negotiated & featureBit(VIRTIO_NET_F_MRG_RXBUF)) !== 0n;
  }

  reset(): void {
    this.ctx = null;
    this.backlog.length = 0;
  }

  notify(queue: number): void {
    if (queue === TX) this.transmit();
    else if (queue === RX) this.drainBacklog();
  }

  /** A frame from the switch for this NIC. */
  receive(frame: Uint8Array): void {
    if (!this.ctx) {
      this.port.stats.rx_drop++;
      return;
    }
    if (this.backlog.length >= BACKLOG_LIMIT) {
      this.port.stats.rx_drop++;
      return;
    }
    this.backlog.push(frame);
    this.drainBacklog();
  }

  private transmit(): void {
    const ctx = this.ctx!;
    const q = ctx.queues[TX]!;
    let sent = false;
    for (let chain = q.pop(ctx.mem); chain; chain = q.pop(ctx.mem)) {
      if (chain.readableLength < NET_HDR_SIZE) {
        ctx.fail(`virtio-net transmit chain shorter than the ${NET_HDR_SIZE}-byte header`);
        return;
      }
      const r = new ChainReader(ctx.mem, chain);
      r.skip(NET_HDR_SIZE);
      const frame = r.read(r.remaining);
      q.push(ctx.mem, chain.head, 0);
      sent = true;
      this.port.send(frame);
    }
    if (sent) ctx.interruptQueue(TX);
  }

  private drainBacklog(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    let delivered = false;
    while (this.backlog.length) {
      if (!this.deliver(ctx, this.backlog[0]!)) break;
      this.backlog.shift();
      delivered = true;
    }
    if (delivered) ctx.interruptQueue(RX);
  }

  /** Writes header + frame into one chain, or (MRG_RXBUF) as many as it takes. False: no buffers. */
  private deliver(ctx: VirtioContext, frame: Uint8Array): boolean {
    const q = ctx.queues[RX]!;
    const packet = new Uint8Array(NET_HDR_SIZE + frame.length);
    packet.set(frame, NET_HDR_SIZE);
    const chains: DescriptorChain[] = [];
    let room = 0;
    while (room < packet.length) {
      const chain = q.pop(ctx.mem);
      if (!chain) {
        if (chains.length) ctx.fail('virtio-net receive ring ran dry in the middle of a mergeable packet');
        return false;
      }
      if (chain.writableLength === 0) {
        ctx.fail('virtio-net receive buffer is not device-writable');
        return false;
      }
      chains.push(chain);
      room += chain.writableLength;
      if (!this.mergeable) break;
    }
    if (!this.mergeable && room < packet.length) {
      q.push(ctx.mem, chains[0]!.head, 0); // too small: hand it back empty, drop the frame
      this.port.stats.rx_drop++;
      return true;
    }
    new DataView(packet.buffer).setUint16(10, chains.length, true); // num_buffers
    let off = 0;
    for (const chain of chains) {
      const w = new ChainWriter(ctx.mem, chain);
      const n = Math.min(chain.writableLength, packet.length - off);
      w.write(packet.subarray(off, off + n));
      off += n;
      q.push(ctx.mem, chain.head, n);
    }
    return true;
  }
}
