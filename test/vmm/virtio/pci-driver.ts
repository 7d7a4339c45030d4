// pci-driver.ts — drives a VirtioPciRegisters the way Linux's virtio_pci_modern does at probe
// (virtio 3.1.1): reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK.
import type { VirtioPciRegisters } from '../../../src/vmm/virtio/pci-regs.js';
import { BAR_NOTIFY, NOTIFY_OFF_MULTIPLIER } from '../../../src/vmm/virtio/pci-regs.js';
import * as S from '../../../src/vmm/virtio/spec.js';
import type { GuestMemoryAccess } from '../../../src/vmm/virtio/memory.js';
import { GuestHeap, TestDriverQueue } from './driver.js';

export interface ProbeOptions {
  /** features the driver accepts (intersected with what the device offers) */
  want?: bigint;
  queueSize?: number;
  msix?: boolean;
}

export function probe(regs: VirtioPciRegisters, mem: GuestMemoryAccess, heap: GuestHeap, opts: ProbeOptions = {}): TestDriverQueue[] {
  regs.write(S.COMMON_DEVICE_STATUS, 1, 0);
  regs.write(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE);
  regs.write(S.COMMON_DEVICE_STATUS, 1, S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER);
  const offered = readFeatures(regs);
  const accepted = offered & (opts.want ?? offered);
  for (const sel of [0, 1]) {
    regs.write(S.COMMON_DRIVER_FEATURE_SELECT, 4, sel);
    regs.write(S.COMMON_DRIVER_FEATURE, 4, Number((accepted >> BigInt(32 * sel)) & 0xffffffffn));
  }
  const base = S.STATUS_ACKNOWLEDGE | S.STATUS_DRIVER;
  regs.write(S.COMMON_DEVICE_STATUS, 1, base | S.STATUS_FEATURES_OK);
  if (!(regs.read(S.COMMON_DEVICE_STATUS, 1) & S.STATUS_FEATURES_OK)) throw new Error('device refused the features');
  const queues: TestDriverQueue[] = [];
  const n = regs.read(S.COMMON_NUM_QUEUES, 2);
  for (let i = 0; i < n; i++) {
    regs.write(S.COMMON_QUEUE_SELECT, 2, i);
    const size = Math.min(regs.read(S.COMMON_QUEUE_SIZE, 2), opts.queueSize ?? 64);
    regs.write(S.COMMON_QUEUE_SIZE, 2, size);
    const q = new TestDriverQueue(mem, heap, size);
    regs.write(S.COMMON_QUEUE_DESC, 4, q.descAddr);
    regs.write(S.COMMON_QUEUE_DESC + 4, 4, 0);
    regs.write(S.COMMON_QUEUE_DRIVER, 4, q.availAddr);
    regs.write(S.COMMON_QUEUE_DEVICE, 4, q.usedAddr);
    if (opts.msix) regs.write(S.COMMON_QUEUE_MSIX_VECTOR, 2, i + 1);
    regs.write(S.COMMON_QUEUE_ENABLE, 2, 1);
    queues.push(q);
  }
  if (opts.msix) regs.write(S.COMMON_CONFIG_MSIX_VECTOR, 2, 0);
  regs.write(S.COMMON_DEVICE_STATUS, 1, base | S.STATUS_FEATURES_OK | S.STATUS_DRIVER_OK);
  return queues;
}

export function readFeatures(regs: VirtioPciRegisters): bigint {
  let f = 0n;
  for (const sel of [0, 1]) {
    regs.write(S.COMMON_DEVICE_FEATURE_SELECT, 4, sel);
    f |= BigInt(regs.read(S.COMMON_DEVICE_FEATURE, 4)) << BigInt(32 * sel);
  }
  return f;
}

export function kick(regs: VirtioPciRegisters, queue: number): void {
  regs.write(BAR_NOTIFY + NOTIFY_OFF_MULTIPLIER * queue, 2, queue);
}

/** Interrupt sink that records what the register file raised. */
export class RecordingInterrupts {
  msixOn = false;
  intxLevel = false;
  intxRaises = 0;
  vectors: number[] = [];
  msixEnabled(): boolean { return this.msixOn; }
  msix(v: number): void { this.vectors.push(v); }
  intx(asserted: boolean): void { if (asserted && !this.intxLevel) this.intxRaises++; this.intxLevel = asserted; }
}
