// frame-ring.ts — Ethernet frames between a VM worker's NIC and the host-side virtual switch: each
// direction is a ByteRing carrying records [u32 length][10-byte offload header][frame]. The offload
// header is the start of the frame's struct virtio_net_hdr (src/vmm/net/offload.ts; zeros for a
// complete frame), so TCP super-segments cross between workers whole, as over a tap with vnet_hdr.
// A frame that does not fit whole is dropped and counted, never split (a NIC drops frames when its
// queue is full, too).
import { ByteRing } from './byte-ring.js';
import { MAX_GSO_FRAME, OFFLOAD_BYTES, readOffload, writeOffload, type Offload } from '../vmm/net/offload.js';

const RECORD_HEADER = 4 + OFFLOAD_BYTES;

export interface RingFrame {
  frame: Uint8Array;
  offload?: Offload;
}

export class FrameRing {
  readonly ring: ByteRing;
  drops = 0;
  private readonly header = new Uint8Array(RECORD_HEADER);
  private readonly headerView = new DataView(this.header.buffer);

  constructor(bufferOrCapacity: SharedArrayBuffer | number = 256 * 1024) {
    this.ring = new ByteRing(bufferOrCapacity);
  }

  get buffer(): SharedArrayBuffer {
    return this.ring.buffer;
  }

  /** Producer: queues one frame; false (and counted) if it does not fit. */
  push(frame: Uint8Array, offload?: Offload): boolean {
    const h = this.header;
    this.headerView.setUint32(0, frame.length, true);
    writeOffload(offload, h, 4);
    if (frame.length > MAX_GSO_FRAME || !this.ring.writeParts([h, frame])) {
      this.drops++;
      return false;
    }
    return true;
  }

  /** Consumer: every whole frame waiting. */
  drain(): RingFrame[] {
    const out: RingFrame[] = [];
    while (this.ring.available >= RECORD_HEADER) {
      const h = this.header;
      this.ring.readInto(h);
      const frame = new Uint8Array(this.headerView.getUint32(0, true));
      this.ring.readInto(frame);
      out.push({ frame, offload: readOffload(h, 4) });
    }
    return out;
  }
}
