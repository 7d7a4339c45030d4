// balloon.ts — virtio-balloon (virtio 1.2, 5.5): the host sets a target (num_pages, 4 KiB pages);
// the guest inflates by giving page frame numbers on the inflateq, which the device unmaps from
// the EPT so their frames go back to the host pool; deflated pages are retaken lazily on the
// guest's next touch. The statsq (VIRTIO_BALLOON_F_STATS_VQ) gives the guest's memory statistics,
// as `virsh dommemstat` shows them, refreshed every <stats period='N'/> seconds.
import { ChainReader, type DescriptorChain } from '../chain.js';
import { ConfigBytes, type VirtioContext, type VirtioDevice } from '../device.js';
import { featureBit, VIRTIO_ID_BALLOON } from '../spec.js';

export const VIRTIO_BALLOON_F_MUST_TELL_HOST = 0;
export const VIRTIO_BALLOON_F_STATS_VQ = 1;
export const VIRTIO_BALLOON_F_DEFLATE_ON_OOM = 2;
export const BALLOON_PAGE = 4096;
const INFLATE = 0, DEFLATE = 1, STATS = 2;
const CFG_NUM_PAGES = 0, CFG_ACTUAL = 4;

/** 5.5.6.3 statistic tags, named as `virsh dommemstat` prints them. */
export const STAT_NAMES: Record<number, string> = {
  0: 'swap_in', 1: 'swap_out', 2: 'major_fault', 3: 'minor_fault', 4: 'unused', 5: 'available',
  6: 'usable', 7: 'disk_caches', 8: 'hugetlb_pgalloc', 9: 'hugetlb_pgfail',
};

/** What the balloon needs of the VM's memory: give a guest page's frame back to the pool. */
export interface BalloonMemory {
  releasePage(gpa: number): void;
}

export interface BalloonOptions {
  /** seconds between statistics refreshes; 0 = off (libvirt <stats period>) */
  statsPeriod?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export class VirtioBalloon implements VirtioDevice {
  readonly deviceType = VIRTIO_ID_BALLOON;
  readonly name = 'virtio-balloon';
  readonly features = featureBit(VIRTIO_BALLOON_F_STATS_VQ) | featureBit(VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
  readonly queueSizes = [128, 128, 1];
  readonly configSize = 8;
  /** last statistics the guest reported (bytes for memory figures, counts for faults) */
  stats: Record<string, number> = {};
  statsUpdated = 0;
  pagesReleased = 0;
  private readonly config = new ConfigBytes(8);
  private ctx: VirtioContext | null = null;
  private statsChain: DescriptorChain | null = null;
  private timer: unknown = null;

  constructor(private readonly memory: BalloonMemory, private readonly options: BalloonOptions = {}) {}

  /** The host's target balloon size in 4 KiB pages (virsh setmem: target = memory - balloon). */
  setTargetPages(pages: number): void {
    this.config.view.setUint32(CFG_NUM_PAGES, pages, true);
    this.ctx?.configChanged();
  }

  get targetPages(): number {
    return this.config.view.getUint32(CFG_NUM_PAGES, true);
  }

  /** Pages the guest says the balloon holds now. */
  get actualPages(): number {
    return this.config.view.getUint32(CFG_ACTUAL, true);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === CFG_ACTUAL && size === 4) this.config.view.setUint32(CFG_ACTUAL, value >>> 0, true);
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    const period = this.options.statsPeriod ?? 0;
    if (period > 0 && this.options.setTimer) this.scheduleStats(period);
  }

  reset(): void {
    this.ctx = null;
    this.statsChain = null;
    this.config.view.setUint32(CFG_ACTUAL, 0, true);
    if (this.timer !== null) this.options.clearTimer?.(this.timer);
    this.timer = null;
  }

  notify(queue: number): void {
    const ctx = this.ctx!;
    if (queue === INFLATE || queue === DEFLATE) this.pages(ctx, queue);
    else if (queue === STATS) this.readStats(ctx);
  }

  /** Asks the guest for fresh statistics: hands its stats buffer back (5.5.6.3). */
  requestStats(): boolean {
    const ctx = this.ctx;
    if (!ctx || !this.statsChain) return false;
    ctx.queues[STATS]!.push(ctx.mem, this.statsChain.head, 0);
    this.statsChain = null;
    ctx.interruptQueue(STATS);
    return true;
  }

  private pages(ctx: VirtioContext, queue: number): void {
    const q = ctx.queues[queue]!;
    for (let chain = q.pop(ctx.mem); chain; chain = q.pop(ctx.mem)) {
      const r = new ChainReader(ctx.mem, chain);
      while (r.remaining >= 4) {
        const pfn = r.readU32();
        if (queue === INFLATE) {
          this.memory.releasePage(pfn * BALLOON_PAGE);
          this.pagesReleased++;
        }
      }
      q.push(ctx.mem, chain.head, 0);
    }
    ctx.interruptQueue(queue);
  }

  private readStats(ctx: VirtioContext): void {
    const chain = ctx.queues[STATS]!.pop(ctx.mem);
    if (!chain) return;
    const r = new ChainReader(ctx.mem, chain);
    const stats: Record<string, number> = {};
    while (r.remaining >= 10) {
      const tagBytes = r.read(2);
      const tag = tagBytes[0]! | (tagBytes[1]! << 8);
      const value = Number(r.readU64());
      const name = STAT_NAMES[tag];
      if (name) stats[name] = value;
    }
    this.stats = stats;
    this.statsUpdated++;
    this.statsChain = chain; // kept until the host wants the next refresh
  }

  private scheduleStats(period: number): void {
    this.timer = this.options.setTimer!(() => {
      this.requestStats();
      if (this.ctx) this.scheduleStats(period);
    }, period * 1000);
  }
}
