// frame-ring.ts — Ethernet frames between a VM worker's NIC and the host-side virtual switch: each
// direction is a ByteRing carrying records [u16 length][bytes]. A frame that does not fit whole is
// dropped and counted, never split (a NIC drops frames when its queue is full, too).
import { ByteRing } from './byte-ring.js';

const MAX_FRAME = 65535;

export class FrameRing {
  readonly ring: ByteRing;
  drops = 0;

  constructor(bufferOrCapacity: SharedArrayBuffer | number = 256 * 1024) {
    this.ring = new ByteRing(bufferOrCapacity);
  }

  get buffer(): SharedArrayBuffer {
    return this.ring.buffer;
  }

  /** Producer: queues one frame; false (and counted) if it does not fit. */
  push(frame: Uint8Array): boolean {
    if (frame.length > MAX_FRAME || this.ring.capacity - this.ring.available < frame.length + 2) {
      this.drops++;
      return false;
    }
    const rec = new Uint8Array(frame.length + 2);
    rec[0] = frame.length & 0xff;
    rec[1] = frame.length >> 8;
    rec.set(frame, 2);
    this.ring.write(rec);
    return true;
  }

  /** Consumer: every whole frame waiting. */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.ring.available >= 2) {
      const hdr = this.ring.read(2);
      const len = hdr[0]! | (hdr[1]! << 8);
      out.push(this.ring.read(len));
    }
    return out;
  }
}
