// switch.ts — a virtual Ethernet switch, one per libvirt network (the bridge virbrN of the real
// stack): ports for VM NICs and the network's own gateway, a learning MAC table, flooding of
// broadcast/multicast/unknown destinations, and the MTU. Frames are delivered asynchronously-safe:
// a port's receive() must not call back into send() synchronously for the same frame.
// Offloads (offload.ts): a frame may carry a partial checksum or be a TCP super-segment; a port
// whose owner does not take offloads receives the completed, MTU-sized frames instead.
import { isMulticastMac, macFromBytes, type Mac } from './frame.js';
import { completeFrames, isSupportedOffload, MAX_GSO_FRAME, type Offload } from './offload.js';

export interface SwitchPortOwner {
  /** A frame for this port. The buffer is the receiver's to keep. */
  receive(frame: Uint8Array, offload?: Offload): void;
  /** Takes frames with partial checksums and TCPv4 super-segments as they are (default: no). */
  readonly acceptsOffload?: boolean;
}

export interface PortStats {
  rx_bytes: number; rx_packets: number; rx_drop: number;
  tx_bytes: number; tx_packets: number; tx_drop: number;
}

export class SwitchPort {
  /** counters from the owner's point of view (tx = sent into the switch), as `virsh domifstat` */
  readonly stats: PortStats = { rx_bytes: 0, rx_packets: 0, rx_drop: 0, tx_bytes: 0, tx_packets: 0, tx_drop: 0 };
  linkUp = true;

  constructor(readonly sw: VirtualSwitch, readonly id: number, readonly owner: SwitchPortOwner, readonly name: string) {}

  send(frame: Uint8Array, offload?: Offload): void {
    this.sw.forward(this, frame, offload);
  }

  detach(): void {
    this.sw.detach(this);
  }
}

export class VirtualSwitch {
  private readonly ports = new Set<SwitchPort>();
  private readonly macTable = new Map<Mac, SwitchPort>();
  private nextId = 1;

  constructor(readonly name: string, readonly mtu = 1500) {}

  attach(owner: SwitchPortOwner, name: string): SwitchPort {
    const port = new SwitchPort(this, this.nextId++, owner, name);
    this.ports.add(port);
    return port;
  }

  detach(port: SwitchPort): void {
    this.ports.delete(port);
    for (const [mac, p] of this.macTable) if (p === port) this.macTable.delete(mac);
  }

  get portCount(): number {
    return this.ports.size;
  }

  forward(from: SwitchPort, frame: Uint8Array, offload?: Offload): void {
    if (!this.ports.has(from) || !from.linkUp || frame.length < 14 || !this.fits(frame, offload)) {
      from.stats.tx_drop++;
      return;
    }
    from.stats.tx_packets++;
    from.stats.tx_bytes += frame.length;
    const src = macFromBytes(frame, 6);
    if (!isMulticastMac(frame.subarray(6))) this.macTable.set(src, from);
    const dstBytes = frame.subarray(0, 6);
    const known = isMulticastMac(dstBytes) ? undefined : this.macTable.get(macFromBytes(dstBytes));
    if (known) {
      if (known !== from) this.deliver(known, frame, offload);
      return;
    }
    for (const p of this.ports) if (p !== from) this.deliver(p, frame.slice(), offload);
  }

  /** The MTU limits a super-segment's pieces (gso_size), not the super-segment itself. */
  private fits(frame: Uint8Array, offload: Offload | undefined): boolean {
    if (!offload || offload.gsoType === 0) return frame.length <= this.mtu + 14;
    return isSupportedOffload(offload) && frame.length <= MAX_GSO_FRAME && offload.gsoSize <= this.mtu;
  }

  private deliver(port: SwitchPort, frame: Uint8Array, offload: Offload | undefined): void {
    if (!port.linkUp) {
      port.stats.rx_drop++;
      return;
    }
    if (offload && !port.owner.acceptsOffload) {
      const frames = completeFrames(frame, offload);
      if (!frames.length) port.stats.rx_drop++;
      for (const f of frames) this.deliver(port, f, undefined);
      return;
    }
    port.stats.rx_packets++;
    port.stats.rx_bytes += frame.length;
    port.owner.receive(frame, offload);
  }
}
