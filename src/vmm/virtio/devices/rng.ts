// rng.ts — virtio-rng (virtio 1.2, 5.4): one requestq whose device-writable buffers the device fills
// with entropy from the host (crypto.getRandomValues), rate-limited like libvirt's
// <rng><rate bytes='B' period='P'/></rng>: at most B bytes per P milliseconds; requests beyond the
// budget wait for the next period instead of being failed.
import type { VirtioContext, VirtioDevice } from '../device.js';
import { ChainWriter } from '../chain.js';
import type { DescriptorChain } from '../chain.js';
import { VIRTIO_ID_RNG } from '../spec.js';

export interface RngRate {
  bytes: number;
  /** milliseconds; libvirt's default is 1000 */
  period: number;
}

export interface RngOptions {
  rate?: RngRate;
  /** entropy source; crypto.getRandomValues by default */
  fill?: (buf: Uint8Array) => void;
  /** a clock in milliseconds and a timer, injectable for tests */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

const QUEUE_SIZE = 64;

export class VirtioRng implements VirtioDevice {
  readonly deviceType = VIRTIO_ID_RNG;
  readonly name = 'virtio-rng';
  readonly features = 0n;
  readonly queueSizes = [QUEUE_SIZE];
  readonly configSize = 0;
  /** bytes handed to the guest since power-on */
  bytesDelivered = 0;
  private ctx: VirtioContext | null = null;
  private pending: DescriptorChain | null = null;
  private periodStart = 0;
  private periodUsed = 0;
  private timerArmed = false;
  private readonly fill: (buf: Uint8Array) => void;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;

  constructor(private readonly options: RngOptions = {}) {
    this.fill = options.fill ?? fillRandom;
    this.now = options.now ?? (() => performance.now());
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  }

  readConfig(): number { return 0; }
  writeConfig(): void {}

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.periodStart = this.now();
    this.periodUsed = 0;
  }

  reset(): void {
    this.ctx = null;
    this.pending = null;
  }

  notify(): void {
    this.serve();
  }

  private serve(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const q = ctx.queues[0]!;
    let served = false;
    for (;;) {
      const chain = this.pending ?? q.pop(ctx.mem);
      this.pending = null;
      if (!chain) break;
      const budget = this.budget();
      if (budget === 0) {
        this.pending = chain;
        this.armTimer();
        break;
      }
      const n = Math.min(chain.writableLength, budget);
      const bytes = new Uint8Array(n);
      fillInPieces(this.fill, bytes);
      const w = new ChainWriter(ctx.mem, chain);
      w.write(bytes);
      this.periodUsed += n;
      this.bytesDelivered += n;
      q.push(ctx.mem, chain.head, w.written);
      served = true;
    }
    if (served) ctx.interruptQueue(0);
  }

  /** Bytes still allowed in the current period (Infinity without a rate). */
  private budget(): number {
    const rate = this.options.rate;
    if (!rate) return Infinity;
    const now = this.now();
    if (now - this.periodStart >= rate.period) {
      this.periodStart = now - ((now - this.periodStart) % rate.period);
      this.periodUsed = 0;
    }
    return Math.max(0, rate.bytes - this.periodUsed);
  }

  private armTimer(): void {
    if (this.timerArmed || !this.options.rate) return;
    this.timerArmed = true;
    const wait = Math.max(0, this.periodStart + this.options.rate.period - this.now());
    this.setTimer(() => {
      this.timerArmed = false;
      this.serve();
    }, wait);
  }
}

function fillRandom(buf: Uint8Array): void {
  crypto.getRandomValues(buf);
}

/** getRandomValues takes at most 65536 bytes per call. */
function fillInPieces(fill: (b: Uint8Array) => void, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 65536) fill(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
}
