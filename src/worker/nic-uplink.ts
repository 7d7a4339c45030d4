// nic-uplink.ts — inside a VM worker, each virtio-net NIC sits on a two-port local switch whose
// other port is this uplink: frames for the outside go into the NIC's tx FrameRing (to the host's
// virtual switch), frames from the host's rx FrameRing are sent into the local switch.
import { VirtualSwitch, type SwitchPort } from '../vmm/net/switch.js';
import { FrameRing } from './frame-ring.js';
import type { NicSpec } from './vm-protocol.js';

export class NicUplink {
  readonly sw: VirtualSwitch;
  private readonly port: SwitchPort;
  private readonly tx: FrameRing;
  private readonly rx: FrameRing;

  constructor(spec: NicSpec, mtu = 1500) {
    this.sw = new VirtualSwitch(`${spec.target}-local`, mtu);
    this.tx = new FrameRing(spec.tx);
    this.rx = new FrameRing(spec.rx);
    // like a tap with vnet_hdr, the uplink carries offloaded frames as they are
    this.port = this.sw.attach({ receive: (f, o) => void this.tx.push(f, o), acceptsOffload: true }, 'uplink');
  }

  /** Delivers frames waiting from the host; true if there were any. */
  poll(): boolean {
    const frames = this.rx.drain();
    for (const f of frames) this.port.send(f.frame, f.offload);
    return frames.length > 0;
  }
}
