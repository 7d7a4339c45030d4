// net.ts — virtio-net (virtio 1.2, 5.1) attached to a virtual switch port: receiveq1 (0) and
// transmitq1 (1), VIRTIO_NET_F_MAC, _STATUS (link state, `virsh domif-setlink`), _MTU and
// _MRG_RXBUF. Every frame carries the 12-byte struct virtio_net_hdr of VERSION_1 devices.
// Offloads (5.1.6.2, 5.1.6.4): CSUM + HOST_TSO4 let the guest send partial checksums and TCPv4
// super-segments of up to 64 KiB; GUEST_CSUM + GUEST_TSO4 let it receive them. They travel the
// switch as they are (src/vmm/net/offload.ts), and are completed in software only for a port that
// cannot take them, as between two KVM guests on a Linux bridge.
// Invariants: frames that arrive while the guest has posted no receive buffers wait in a bounded
// backlog (then are dropped and counted), never block the switch; a packet is written only once
// the ring holds room for all of it (chains popped for a packet that does not fit are given back).
import { ChainReader, ChainWriter, type DescriptorChain } from '../chain.js';
import { ConfigBytes, type VirtioContext, type VirtioDevice } from '../device.js';
import { featureBit, VIRTIO_ID_NET } from '../spec.js';
import { macToBytes, type Mac } from '../../net/frame.js';
import { isSupportedOffload, readOffload, writeOffload, type Offload } from '../../net/offload.js';
import type { SwitchPort, SwitchPortOwner, VirtualSwitch } from '../../net/switch.js';

export const VIRTIO_NET_F_CSUM = 0;
export const VIRTIO_NET_F_GUEST_CSUM = 1;
export const VIRTIO_NET_F_MTU = 3;
export const VIRTIO_NET_F_GUEST_TSO4 = 7;
export const VIRTIO_NET_F_HOST_TSO4 = 11;
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
    featureBit(VIRTIO_NET_F_MRG_RXBUF) | featureBit(VIRTIO_NET_F_CSUM) | featureBit(VIRTIO_NET_F_GUEST_CSUM) |
    featureBit(VIRTIO_NET_F_HOST_TSO4) | featureBit(VIRTIO_NET_F_GUEST_TSO4);
  readonly queueSizes = [256, 256];
  readonly configSize = CFG_SIZE;
  readonly port: SwitchPort;
  private readonly config = new ConfigBytes(CFG_SIZE);
  private ctx: VirtioContext | null = null;
  private mergeable = false;
  /** the guest takes partial checksums and TCPv4 super-segments (GUEST_CSUM + GUEST_TSO4) */
  acceptsOffload = false;
  private readonly backlog: { frame: Uint8Array; offload?: Offload }[] = [];

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
    const guestOffload = featureBit(VIRTIO_NET_F_GUEST_CSUM) | featureBit(VIRTIO_NET_F_GUEST_TSO4);
    this.acceptsOffload = (ctx.negotiated & guestOffload) === guestOffload;
  }

  reset(): void {
    this.ctx = null;
    this.acceptsOffload = false;
    this.backlog.length = 0;
  }

  notify(queue: number): void {
    if (queue === TX) this.transmit();
    else if (queue === RX) this.drainBacklog();
  }

  /** A frame from the switch for this NIC. */
  receive(frame: Uint8Array, offload?: Offload): void {
    if (!this.ctx) {
      this.port.stats.rx_drop++;
      return;
    }
    if (this.backlog.length >= BACKLOG_LIMIT) {
      this.port.stats.rx_drop++;
      return;
    }
    this.backlog.push({ frame, offload });
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
      const offload = readOffload(r.read(NET_HDR_SIZE));
      const frame = r.read(r.remaining);
      q.push(ctx.mem, chain.head, 0);
      sent = true;
      if (offload && !isSupportedOffload(offload)) this.port.stats.tx_drop++; // a GSO type we never offered
      else this.port.send(frame, offload);
    }
    if (sent) ctx.interruptQueue(TX);
  }

  private drainBacklog(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    let delivered = false;
    while (this.backlog.length) {
      const { frame, offload } = this.backlog[0]!;
      if (!this.deliver(ctx, frame, offload)) break;
      this.backlog.shift();
      delivered = true;
    }
    if (delivered) ctx.interruptQueue(RX);
  }

  /** Writes header + frame into one chain, or (MRG_RXBUF) as many as it takes. False: no buffers. */
  private deliver(ctx: VirtioContext, frame: Uint8Array, offload: Offload | undefined): boolean {
    const q = ctx.queues[RX]!;
    const length = NET_HDR_SIZE + frame.length;
    const chains: DescriptorChain[] = [];
    let room = 0;
    while (room < length) {
      const chain = q.pop(ctx.mem);
      if (!chain) {
        q.unpop(chains.length); // wait until the driver has posted room for the whole packet
        if (chains.length < q.size) return false;
        this.port.stats.rx_drop++; // larger than the whole ring: it can never fit
        return true;
      }
      if (chain.writableLength === 0) {
        ctx.fail('virtio-net receive buffer is not device-writable');
        return false;
      }
      chains.push(chain);
      room += chain.writableLength;
      if (!this.mergeable) break;
    }
    if (!this.mergeable && room < length) {
      q.push(ctx.mem, chains[0]!.head, 0); // too small: hand it back empty, drop the frame
      this.port.stats.rx_drop++;
      return true;
    }
    const header = new Uint8Array(NET_HDR_SIZE);
    writeOffload(offload, header);
    new DataView(header.buffer).setUint16(10, chains.length, true); // num_buffers
    writeAcross(ctx, chains, [header, frame]);
    return true;
  }
}

/** Writes the parts back to back over the chains, filling each before the next; pushes them used. */
function writeAcross(ctx: VirtioContext, chains: readonly DescriptorChain[], parts: readonly Uint8Array[]): void {
  const q = ctx.queues[RX]!;
  let part = 0, offset = 0;
  for (const chain of chains) {
    const w = new ChainWriter(ctx.mem, chain);
    while (w.remaining > 0 && part < parts.length) {
      const p = parts[part]!;
      const n = Math.min(w.remaining, p.length - offset);
      w.write(p.subarray(offset, offset + n));
      offset += n;
      if (offset === p.length) { part++; offset = 0; }
    }
    q.push(ctx.mem, chain.head, w.written);
  }
}
