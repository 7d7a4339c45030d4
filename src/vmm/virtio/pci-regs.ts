// pci-regs.ts — the register file of a modern virtio-pci function (virtio 1.2, 4.1.4): the
// common configuration, notification, ISR and device-specific structures, laid out in one memory
// BAR at fixed offsets that the PCI capabilities advertise. Feature negotiation and the device
// status state machine (2.1, 3.1.1) live here; queues and devices are driven from here.
// Invariants: the device is activated once per DRIVER_OK; writing status 0 resets device and
// queues; a failure anywhere sets DEVICE_NEEDS_RESET and stops the device until reset.
import type { IoHandler, AccessSize } from '../bus/types.js';
import type { VirtioContext, VirtioDevice } from './device.js';
import type { GuestMemoryAccess } from './memory.js';
import { SplitQueue, VirtqueueError } from './queue.js';
import * as S from './spec.js';

/** Offsets of the four structures inside the BAR (as QEMU lays them out: 4 KiB apart). */
export const BAR_COMMON = 0x0000;
export const BAR_ISR = 0x1000;
export const BAR_DEVICE = 0x2000;
export const BAR_NOTIFY = 0x3000;
export const BAR_SIZE = 0x4000;
/** notify_off_multiplier: each queue's doorbell is 4 bytes apart. */
export const NOTIFY_OFF_MULTIPLIER = 4;

const TRANSPORT_FEATURES =
  S.featureBit(S.VIRTIO_F_VERSION_1) | S.featureBit(S.VIRTIO_F_INDIRECT_DESC) | S.featureBit(S.VIRTIO_F_EVENT_IDX);

/** How the register file raises interrupts: MSI-X vectors when enabled, else INTx. */
export interface VirtioInterrupts {
  msixEnabled(): boolean;
  /** Sends MSI-X vector `vector` (ignored if masked or out of range). */
  msix(vector: number): void;
  /** Drives INTx to the current ISR state (asserted while ISR != 0). */
  intx(asserted: boolean): void;
}

export class VirtioPciRegisters implements IoHandler {
  readonly queues: SplitQueue[];
  status = 0;
  isr = 0;
  configGeneration = 0;
  configMsixVector = S.VIRTIO_MSI_NO_VECTOR;
  /** why the device last went to DEVICE_NEEDS_RESET, for logs and tests */
  failure: string | null = null;
  private deviceFeatureSelect = 0;
  private driverFeatureSelect = 0;
  private driverFeatures = 0n;
  private queueSelect = 0;
  private active = false;

  constructor(
    readonly device: VirtioDevice,
    private readonly mem: GuestMemoryAccess,
    private readonly irq: VirtioInterrupts,
    private readonly log: (msg: string) => void = () => {},
  ) {
    this.queues = device.queueSizes.map((n) => new SplitQueue(n));
  }

  get offeredFeatures(): bigint {
    return this.device.features | TRANSPORT_FEATURES;
  }

  get negotiatedFeatures(): bigint {
    return this.driverFeatures;
  }

  read(offset: number, size: AccessSize): number {
    if (offset < BAR_ISR) return this.readCommon(offset, size);
    if (offset < BAR_DEVICE) return offset === BAR_ISR ? this.readIsr() : 0;
    if (offset < BAR_NOTIFY) return this.device.readConfig(offset - BAR_DEVICE, size);
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset < BAR_ISR) this.writeCommon(offset, size, value);
    else if (offset < BAR_DEVICE) return;
    else if (offset < BAR_NOTIFY) this.device.writeConfig(offset - BAR_DEVICE, size, value);
    else this.notify((offset - BAR_NOTIFY) / NOTIFY_OFF_MULTIPLIER);
  }

  /** System reset or status 0: back to the state after power-on. */
  reset(): void {
    if (this.active || this.status) this.device.reset();
    this.status = this.isr = 0;
    this.driverFeatures = 0n;
    this.deviceFeatureSelect = this.driverFeatureSelect = this.queueSelect = 0;
    this.configMsixVector = S.VIRTIO_MSI_NO_VECTOR;
    this.active = false;
    this.failure = null;
    for (const q of this.queues) q.reset();
    this.irq.intx(false);
  }

  /** Sets DEVICE_NEEDS_RESET (2.1.2) and tells the driver through a config interrupt. */
  fail(reason: string): void {
    if (this.status & S.STATUS_DEVICE_NEEDS_RESET) return;
    this.failure = reason;
    this.log(`${this.device.name}: device needs reset: ${reason}`);
    this.status |= S.STATUS_DEVICE_NEEDS_RESET;
    this.active = false;
    if (this.status & S.STATUS_DRIVER_OK) this.raiseConfig();
  }

  private get queue(): SplitQueue | undefined {
    return this.queues[this.queueSelect];
  }

  private readCommon(offset: number, size: AccessSize): number {
    const q = this.queue;
    switch (offset) {
      case S.COMMON_DEVICE_FEATURE_SELECT: return this.deviceFeatureSelect;
      case S.COMMON_DEVICE_FEATURE: return word(this.offeredFeatures, this.deviceFeatureSelect);
      case S.COMMON_DRIVER_FEATURE_SELECT: return this.driverFeatureSelect;
      case S.COMMON_DRIVER_FEATURE: return word(this.driverFeatures, this.driverFeatureSelect);
      case S.COMMON_CONFIG_MSIX_VECTOR: return this.configMsixVector;
      case S.COMMON_NUM_QUEUES: return this.queues.length;
      case S.COMMON_DEVICE_STATUS: return this.status;
      case S.COMMON_CONFIG_GENERATION: return this.configGeneration & 0xff;
      case S.COMMON_QUEUE_SELECT: return this.queueSelect;
      case S.COMMON_QUEUE_SIZE: return q ? q.size : 0;
      case S.COMMON_QUEUE_MSIX_VECTOR: return q ? q.msixVector : S.VIRTIO_MSI_NO_VECTOR;
      case S.COMMON_QUEUE_ENABLE: return q?.ready ? 1 : 0;
      case S.COMMON_QUEUE_NOTIFY_OFF: return this.queueSelect;
      case S.COMMON_QUEUE_DESC: case S.COMMON_QUEUE_DESC + 4:
      case S.COMMON_QUEUE_DRIVER: case S.COMMON_QUEUE_DRIVER + 4:
      case S.COMMON_QUEUE_DEVICE: case S.COMMON_QUEUE_DEVICE + 4:
        return q ? this.readQueueAddress(q, offset) : 0;
      default: return size === 4 ? 0 : 0;
    }
  }

  private readQueueAddress(q: SplitQueue, offset: number): number {
    const base = offset & ~7;
    const value = base === S.COMMON_QUEUE_DESC ? q.descAddr : base === S.COMMON_QUEUE_DRIVER ? q.driverAddr : q.deviceAddr;
    return offset & 4 ? Math.floor(value / 2 ** 32) : value >>> 0;
  }

  private writeCommon(offset: number, _size: AccessSize, value: number): void {
    const q = this.queue;
    switch (offset) {
      case S.COMMON_DEVICE_FEATURE_SELECT: this.deviceFeatureSelect = value >>> 0; return;
      case S.COMMON_DRIVER_FEATURE_SELECT: this.driverFeatureSelect = value >>> 0; return;
      case S.COMMON_DRIVER_FEATURE: this.writeDriverFeatures(value >>> 0); return;
      case S.COMMON_CONFIG_MSIX_VECTOR: this.configMsixVector = value & 0xffff; return;
      case S.COMMON_DEVICE_STATUS: this.writeStatus(value & 0xff); return;
      case S.COMMON_QUEUE_SELECT: this.queueSelect = value & 0xffff; return;
    }
    if (!q || this.status & S.STATUS_DRIVER_OK) return; // queue fields are frozen once running
    switch (offset) {
      case S.COMMON_QUEUE_SIZE: q.size = value & 0xffff; return;
      case S.COMMON_QUEUE_MSIX_VECTOR: q.msixVector = value & 0xffff; return;
      case S.COMMON_QUEUE_ENABLE: if (value & 1) this.enableQueue(q); return;
      case S.COMMON_QUEUE_DESC: case S.COMMON_QUEUE_DESC + 4:
      case S.COMMON_QUEUE_DRIVER: case S.COMMON_QUEUE_DRIVER + 4:
      case S.COMMON_QUEUE_DEVICE: case S.COMMON_QUEUE_DEVICE + 4:
        this.writeQueueAddress(q, offset, value >>> 0);
    }
  }

  private writeQueueAddress(q: SplitQueue, offset: number, value: number): void {
    const key = (offset & ~7) === S.COMMON_QUEUE_DESC ? 'descAddr' : (offset & ~7) === S.COMMON_QUEUE_DRIVER ? 'driverAddr' : 'deviceAddr';
    const old = q[key];
    q[key] = offset & 4 ? (old % 2 ** 32) + value * 2 ** 32 : Math.floor(old / 2 ** 32) * 2 ** 32 + value;
  }

  private enableQueue(q: SplitQueue): void {
    try {
      q.validate();
      q.ready = true;
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  private writeDriverFeatures(value: number): void {
    if (this.status & S.STATUS_FEATURES_OK) return; // 3.1.1: features are fixed after FEATURES_OK
    const shift = BigInt(32 * this.driverFeatureSelect);
    if (this.driverFeatureSelect > 1) return;
    this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(value) << shift);
  }

  private writeStatus(value: number): void {
    if (value === 0) return this.reset();
    const added = value & ~this.status;
    if (added & S.STATUS_FEATURES_OK && !this.featuresAcceptable()) value &= ~S.STATUS_FEATURES_OK;
    this.status = value | (this.status & S.STATUS_DEVICE_NEEDS_RESET);
    if (added & S.STATUS_DRIVER_OK && this.status & S.STATUS_FEATURES_OK) this.activate();
  }

  /** 3.1.1 step 5: the device refuses features it did not offer, and legacy (no VERSION_1) drivers. */
  private featuresAcceptable(): boolean {
    const unknown = this.driverFeatures & ~this.offeredFeatures;
    return unknown === 0n && (this.driverFeatures & S.featureBit(S.VIRTIO_F_VERSION_1)) !== 0n;
  }

  private activate(): void {
    const f = this.driverFeatures;
    for (const q of this.queues) {
      q.features = { indirect: (f & S.featureBit(S.VIRTIO_F_INDIRECT_DESC)) !== 0n, eventIdx: (f & S.featureBit(S.VIRTIO_F_EVENT_IDX)) !== 0n };
    }
    this.active = true;
    const ctx: VirtioContext = {
      mem: this.mem,
      queues: this.queues,
      negotiated: f,
      interruptQueue: (i) => this.interruptQueue(i),
      configChanged: () => { this.configGeneration++; this.raiseConfig(); },
      fail: (reason) => this.fail(reason),
    };
    this.device.activate(ctx);
  }

  private notify(index: number): void {
    const q = this.queues[index];
    if (!this.active || !q?.ready) return;
    try {
      this.device.notify(index);
    } catch (e) {
      if (e instanceof VirtqueueError || e instanceof RangeError || (e as Error).name === 'GuestMemoryError') this.fail((e as Error).message);
      else throw e;
    }
  }

  private interruptQueue(index: number): void {
    const q = this.queues[index];
    if (!q || !this.active) return;
    if (!q.needsInterrupt(this.mem)) return;
    if (this.irq.msixEnabled()) {
      if (q.msixVector !== S.VIRTIO_MSI_NO_VECTOR) this.irq.msix(q.msixVector);
      return;
    }
    this.isr |= S.ISR_QUEUE;
    this.irq.intx(true);
  }

  private raiseConfig(): void {
    if (this.irq.msixEnabled()) {
      if (this.configMsixVector !== S.VIRTIO_MSI_NO_VECTOR) this.irq.msix(this.configMsixVector);
      return;
    }
    this.isr |= S.ISR_CONFIG;
    this.irq.intx(true);
  }

  /** 4.1.4.5: reading the ISR returns and clears it, and deasserts INTx. */
  private readIsr(): number {
    const v = this.isr;
    this.isr = 0;
    this.irq.intx(false);
    return v;
  }
}

function word(features: bigint, select: number): number {
  if (select > 1) return 0;
  return Number((features >> BigInt(32 * select)) & 0xffffffffn);
}
