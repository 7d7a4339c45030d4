// device.ts — what a virtio device (blk, net, console, rng, balloon) implements, and what its
// transport gives it. A device sees queues, negotiated features and its own config space; it
// never sees a register offset (ARCHITECTURE.md: transport / queue / device split).
import type { GuestMemoryAccess } from './memory.js';
import type { SplitQueue } from './queue.js';

/** What the transport hands a device when the driver sets DRIVER_OK. */
export interface VirtioContext {
  readonly mem: GuestMemoryAccess;
  readonly queues: readonly SplitQueue[];
  /** the features both sides agreed on */
  readonly negotiated: bigint;
  /** Signals "used buffers" on a queue (MSI-X vector or INTx + ISR bit 0), if the driver wants it. */
  interruptQueue(queue: number): void;
  /** Signals a configuration change (ISR bit 1 / config vector) and bumps config_generation. */
  configChanged(): void;
  /** The device found the driver's data unusable: sets DEVICE_NEEDS_RESET with a logged reason. */
  fail(reason: string): void;
}

export interface VirtioDevice {
  /** VIRTIO_ID_* (virtio 5) */
  readonly deviceType: number;
  readonly name: string;
  /** device-specific feature bits offered (transport adds VERSION_1, INDIRECT_DESC, EVENT_IDX) */
  readonly features: bigint;
  /** maximum size of each virtqueue, by queue index */
  readonly queueSizes: readonly number[];
  /** bytes of device-specific configuration space */
  readonly configSize: number;
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
  /** The driver set DRIVER_OK: queues are configured. */
  activate(ctx: VirtioContext): void;
  /** The driver notified (kicked) a queue. Async work must call ctx.fail on errors it cannot report. */
  notify(queue: number): void;
  /** Device reset (status written 0, or system reset): drop all in-flight state. */
  reset(): void;
}

/** A little-endian config space held in bytes: the usual way a device serves readConfig. */
export class ConfigBytes {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  read(offset: number, size: 1 | 2 | 4): number {
    if (offset + size > this.bytes.length) return 0;
    return size === 1 ? this.view.getUint8(offset) : size === 2 ? this.view.getUint16(offset, true) : this.view.getUint32(offset, true);
  }
}
