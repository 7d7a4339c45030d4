// blk.ts — virtio-blk (virtio 1.2, 5.2) over a BlockDevice (raw or qcow2, maybe throttled):
// IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES, read-only disks, SEG_MAX/SIZE_MAX/BLK_SIZE.
// Requests of one queue are served in order, one at a time (a FLUSH therefore covers every write
// completed before it). A request the disk cannot serve completes with IOERR or UNSUPP; a chain
// that is not a virtio-blk request at all (no header, no status byte) sets DEVICE_NEEDS_RESET.
import type { BlockDevice } from '../../block/device.js';
import { ChainReader, ChainWriter, type DescriptorChain } from '../chain.js';
import { ConfigBytes, type VirtioContext, type VirtioDevice } from '../device.js';
import { featureBit, VIRTIO_ID_BLOCK } from '../spec.js';
import * as B from './blk-spec.js';

export interface BlkOptions {
  /** the disk serial returned by GET_ID (libvirt's <serial>), up to 20 bytes */
  serial?: string;
  queueSize?: number;
  /** largest number of data segments in one request (SEG_MAX) */
  segMax?: number;
  /** largest single segment in bytes (SIZE_MAX) */
  sizeMax?: number;
}

/** Counters as `virsh domblkstat` reports them. */
export interface BlkStats {
  rd_req: number; rd_bytes: number; wr_req: number; wr_bytes: number;
  flush_operations: number; errs: number;
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceType = VIRTIO_ID_BLOCK;
  readonly name = 'virtio-blk';
  readonly features: bigint;
  readonly queueSizes: number[];
  readonly configSize = B.CFG_SIZE;
  readonly stats: BlkStats = { rd_req: 0, rd_bytes: 0, wr_req: 0, wr_bytes: 0, flush_operations: 0, errs: 0 };
  private readonly config = new ConfigBytes(B.CFG_SIZE);
  private ctx: VirtioContext | null = null;
  /** the tail of the request chain; requests run one after another */
  private work: Promise<void> = Promise.resolve();
  private epoch = 0;
  /** requests taken from the ring and not yet completed */
  private inFlight = 0;

  constructor(private readonly disk: BlockDevice, private readonly options: BlkOptions = {}) {
    this.queueSizes = [options.queueSize ?? 256];
    let f = featureBit(B.VIRTIO_BLK_F_SEG_MAX) | featureBit(B.VIRTIO_BLK_F_SIZE_MAX) | featureBit(B.VIRTIO_BLK_F_BLK_SIZE) |
      featureBit(B.VIRTIO_BLK_F_FLUSH);
    if (disk.readOnly) f |= featureBit(B.VIRTIO_BLK_F_RO);
    else f |= featureBit(B.VIRTIO_BLK_F_DISCARD) | featureBit(B.VIRTIO_BLK_F_WRITE_ZEROES);
    this.features = f;
    this.fillConfig();
  }

  /** Resolves when every request taken so far has completed (for tests and orderly shutdown). */
  idle(): Promise<void> {
    return this.work;
  }

  /** Requests are in flight: the guest is waiting on this event loop (the run loop yields on HLT). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  writeConfig(): void {}

  /** The disk's size changed (virsh blockresize): update capacity and tell the driver. */
  capacityChanged(): void {
    this.fillConfig();
    this.ctx?.configChanged();
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
  }

  reset(): void {
    this.ctx = null;
    this.epoch++;
  }

  notify(queue: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const epoch = this.epoch;
    for (let chain = ctx.queues[queue]!.pop(ctx.mem); chain; chain = ctx.queues[queue]!.pop(ctx.mem)) {
      const c = chain;
      this.inFlight++;
      this.work = this.work.then(() => this.serve(ctx, queue, c, epoch))
        .catch((e: Error) => ctx.fail(`virtio-blk request (head ${c.head}) failed: ${e.message}`)) // a chain outside guest RAM
        .finally(() => { this.inFlight--; });
    }
  }

  private fillConfig(): void {
    const v = this.config.view;
    v.setBigUint64(B.CFG_CAPACITY, BigInt(Math.floor(this.disk.capacity / B.SECTOR_SIZE)), true);
    v.setUint32(B.CFG_SIZE_MAX, this.options.sizeMax ?? 1 << 20, true);
    v.setUint32(B.CFG_SEG_MAX, this.options.segMax ?? this.queueSizes[0]! - 2, true);
    v.setUint32(B.CFG_BLK_SIZE, B.SECTOR_SIZE, true);
    v.setUint32(B.CFG_MAX_DISCARD_SECTORS, 0x3fffff, true);
    v.setUint32(B.CFG_MAX_DISCARD_SEG, 1, true);
    v.setUint32(B.CFG_DISCARD_SECTOR_ALIGNMENT, 1, true);
    v.setUint32(B.CFG_MAX_WRITE_ZEROES_SECTORS, 0x3fffff, true);
    v.setUint32(B.CFG_MAX_WRITE_ZEROES_SEG, 1, true);
    v.setUint8(B.CFG_WRITE_ZEROES_MAY_UNMAP, 1);
  }

  private async serve(ctx: VirtioContext, queue: number, chain: DescriptorChain, epoch: number): Promise<void> {
    if (epoch !== this.epoch) return; // the device was reset while this request waited
    if (chain.readableLength < 16 || chain.writableLength < 1) {
      ctx.fail(`virtio-blk request without a 16-byte header or a status byte (head ${chain.head})`);
      return;
    }
    const reader = new ChainReader(ctx.mem, chain);
    const type = reader.readU32();
    reader.skip(4);
    const sector = Number(reader.readU64());
    const writer = new ChainWriter(ctx.mem, chain);
    const dataIn = chain.writableLength - 1;
    let status: number;
    try {
      status = await this.execute(ctx, type, sector, reader, writer, dataIn);
    } catch (e) {
      status = B.VIRTIO_BLK_S_IOERR;
      this.stats.errs++;
    }
    if (epoch !== this.epoch) return;
    // the status byte is the last writable byte, whatever the data part held
    const skip = dataIn - writer.written;
    if (skip > 0) writer.write(new Uint8Array(skip));
    writer.writeU8(status);
    ctx.queues[queue]!.push(ctx.mem, chain.head, writer.written);
    ctx.interruptQueue(queue);
  }

  private async execute(ctx: VirtioContext, type: number, sector: number, reader: ChainReader,
    writer: ChainWriter, dataIn: number): Promise<number> {
    const offset = sector * B.SECTOR_SIZE;
    switch (type) {
      case B.VIRTIO_BLK_T_IN: {
        if (dataIn % B.SECTOR_SIZE) return B.VIRTIO_BLK_S_IOERR;
        const data = await this.disk.read(offset, dataIn);
        writer.write(data);
        this.stats.rd_req++;
        this.stats.rd_bytes += data.length;
        return B.VIRTIO_BLK_S_OK;
      }
      case B.VIRTIO_BLK_T_OUT: {
        const data = reader.read(reader.remaining);
        if (data.length % B.SECTOR_SIZE || this.disk.readOnly) return B.VIRTIO_BLK_S_IOERR;
        await this.disk.write(offset, data);
        this.stats.wr_req++;
        this.stats.wr_bytes += data.length;
        return B.VIRTIO_BLK_S_OK;
      }
      case B.VIRTIO_BLK_T_FLUSH:
        await this.disk.flush();
        this.stats.flush_operations++;
        return B.VIRTIO_BLK_S_OK;
      case B.VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(B.VIRTIO_BLK_ID_BYTES);
        id.set(new TextEncoder().encode(this.options.serial ?? '').subarray(0, B.VIRTIO_BLK_ID_BYTES));
        writer.write(id.subarray(0, Math.min(dataIn, B.VIRTIO_BLK_ID_BYTES)));
        return B.VIRTIO_BLK_S_OK;
      }
      case B.VIRTIO_BLK_T_DISCARD:
      case B.VIRTIO_BLK_T_WRITE_ZEROES:
        return this.discardOrZero(type, reader);
      default:
        void ctx;
        return B.VIRTIO_BLK_S_UNSUPP;
    }
  }

  private async discardOrZero(type: number, reader: ChainReader): Promise<number> {
    if (this.disk.readOnly) return B.VIRTIO_BLK_S_IOERR;
    if (reader.remaining === 0 || reader.remaining % B.DISCARD_SEGMENT_SIZE) return B.VIRTIO_BLK_S_UNSUPP;
    while (reader.remaining > 0) {
      const start = Number(reader.readU64()) * B.SECTOR_SIZE;
      const length = reader.readU32() * B.SECTOR_SIZE;
      const flags = reader.readU32();
      if (type === B.VIRTIO_BLK_T_DISCARD) {
        if (flags !== 0) return B.VIRTIO_BLK_S_UNSUPP;
        await this.disk.discard(start, length);
      } else {
        if (flags & ~B.VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) return B.VIRTIO_BLK_S_UNSUPP;
        await this.disk.writeZeroes(start, length, { unmap: (flags & B.VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0 });
      }
    }
    return B.VIRTIO_BLK_S_OK;
  }
}
