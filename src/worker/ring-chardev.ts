// ring-chardev.ts — a character backend (QEMU's chardev) over a console's two ByteRings, inside a VM
// worker: guest output goes into the `out` ring; host input waiting in the `in` ring is pushed into
// the device when the run loop polls (after every slice and whenever the doorbell rang).
import type { CharBackend, CharInput } from '../vmm/chardev/backend.js';
import { ByteRing } from './byte-ring.js';
import type { ConsoleSpec } from './vm-protocol.js';

export class RingCharBackend implements CharBackend {
  private readonly out: ByteRing;
  private readonly in: ByteRing;
  private input: CharInput | undefined;

  constructor(readonly spec: ConsoleSpec) {
    this.out = new ByteRing(spec.out);
    this.in = new ByteRing(spec.in);
  }

  write(data: Uint8Array): void {
    this.out.write(data);
  }

  connect(input: CharInput): void {
    this.input = input;
  }

  /** Moves pending host input into the device; true if there was any. */
  poll(): boolean {
    if (this.in.available === 0 || !this.input) return false;
    this.input.push(this.in.read());
    return true;
  }

  /** A line BREAK after the input already in the ring; false if the device has no such thing (virtio-console). */
  sendBreak(): boolean {
    if (!this.input?.sendBreak) return false;
    this.poll();
    this.input.sendBreak();
    return true;
  }

  close(): void {
    this.out.close();
  }
}
