// blk.test.ts — virtio-blk over the block layer: reads and writes land in the image, FLUSH,
// GET_ID, DISCARD/WRITE_ZEROES, read-only disks, out-of-range sectors, and a request without a
// status byte putting the device into DEVICE_NEEDS_RESET.
import { describe, expect, it } from 'vitest';
import { createImage, MemoryStoreProvider, openImage } from '../../../src/vmm/block/index.js';
import { FlatGuestMemory } from '../../../src/vmm/virtio/memory.js';
import { VirtioPciRegisters, BAR_DEVICE } from '../../../src/vmm/virtio/pci-regs.js';
import { VirtioBlk } from '../../../src/vmm/virtio/devices/blk.js';
import * as B from '../../../src/vmm/virtio/devices/blk-spec.js';
import * as S from '../../../src/vmm/virtio/spec.js';
import { GuestHeap, type TestDriverQueue } from './driver.js';
import { kick, probe, readFeatures, RecordingInterrupts } from './pci-driver.js';

const MiB = 1024 * 1024;

async function disk(format: 'raw' | 'qcow2', readOnly = false, capacity = 4 * MiB) {
  const provider = new MemoryStoreProvider();
  await createImage(provider, 'disk', { format, capacity });
  return openImage(provider, 'disk', { readOnly });
}

async function setup(format: 'raw' | 'qcow2' = 'raw', readOnly = false) {
  const dev = await disk(format, readOnly);
  const blk = new VirtioBlk(dev, { serial: 'WASMVIRT-0001' });
  const mem = new FlatGuestMemory(4 * MiB);
  const regs = new VirtioPciRegisters(blk, mem, new RecordingInterrupts());
  const [q] = probe(regs, mem, new GuestHeap(0x1000), { queueSize: 64 });
  return { dev, blk, mem, regs, q: q! };
}

function header(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, type, true);
  v.setBigUint64(8, BigInt(sector), true);
  return h;
}

async function request(s: Awaited<ReturnType<typeof setup>>, segments: Parameters<TestDriverQueue['add']>[0]) {
  const head = s.q.add(segments);
  kick(s.regs, 0);
  await s.blk.idle();
  const [used] = s.q.takeUsed();
  expect(used!.id).toBe(head);
  const bytes = s.q.readIn(head, used!.len);
  return { status: bytes[bytes.length - 1]!, data: bytes.subarray(0, bytes.length - 1) };
}

describe('virtio-blk', () => {
  it('reports capacity in sectors and offers FLUSH, DISCARD, WRITE_ZEROES', async () => {
    const s = await setup();
    expect(s.regs.read(BAR_DEVICE + B.CFG_CAPACITY, 4)).toBe((4 * MiB) / 512);
    const f = readFeatures(s.regs);
    for (const bit of [B.VIRTIO_BLK_F_FLUSH, B.VIRTIO_BLK_F_DISCARD, B.VIRTIO_BLK_F_WRITE_ZEROES, B.VIRTIO_BLK_F_SEG_MAX]) {
      expect(f & S.featureBit(bit)).not.toBe(0n);
    }
  });

  for (const format of ['raw', 'qcow2'] as const) {
    it(`writes sectors into a ${format} image and reads them back through the device`, async () => {
      const s = await setup(format);
      const data = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 255);
      expect((await request(s, [{ out: header(B.VIRTIO_BLK_T_OUT, 100) }, { out: data }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_OK);
      expect(await s.dev.read(100 * 512, 4096)).toEqual(data);
      const r = await request(s, [{ out: header(B.VIRTIO_BLK_T_IN, 100) }, { in: 2048 }, { in: 2048 }, { in: 1 }]);
      expect(r.status).toBe(B.VIRTIO_BLK_S_OK);
      expect(r.data).toEqual(data);
      expect((await request(s, [{ out: header(B.VIRTIO_BLK_T_FLUSH, 0) }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_OK);
      expect(s.blk.stats).toMatchObject({ rd_req: 1, rd_bytes: 4096, wr_req: 1, wr_bytes: 4096, flush_operations: 1 });
    });
  }

  it('returns the serial for GET_ID', async () => {
    const s = await setup();
    const r = await request(s, [{ out: header(B.VIRTIO_BLK_T_GET_ID, 0) }, { in: 20 }, { in: 1 }]);
    expect(r.status).toBe(B.VIRTIO_BLK_S_OK);
    expect(new TextDecoder().decode(r.data).replace(/\0+$/, '')).toBe('WASMVIRT-0001');
  });

  it('discards and zeroes ranges', async () => {
    const s = await setup();
    await s.dev.write(0, new Uint8Array(8192).fill(0xaa));
    const seg = new Uint8Array(16);
    new DataView(seg.buffer).setBigUint64(0, 0n, true);
    new DataView(seg.buffer).setUint32(8, 8, true);
    expect((await request(s, [{ out: header(B.VIRTIO_BLK_T_WRITE_ZEROES, 0) }, { out: seg }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_OK);
    expect((await s.dev.read(0, 4096)).every((b) => b === 0)).toBe(true);
    expect((await s.dev.read(4096, 4096)).every((b) => b === 0xaa)).toBe(true);
    expect((await request(s, [{ out: header(B.VIRTIO_BLK_T_DISCARD, 0) }, { out: seg }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_OK);
  });

  it('fails requests past the end, unknown types and writes to a read-only disk', async () => {
    const s = await setup();
    expect((await request(s, [{ out: header(B.VIRTIO_BLK_T_IN, 1 << 30) }, { in: 512 }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_IOERR);
    expect((await request(s, [{ out: header(99, 0) }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_UNSUPP);
    const ro = await setup('raw', true);
    expect(readFeatures(ro.regs) & S.featureBit(B.VIRTIO_BLK_F_RO)).not.toBe(0n);
    expect((await request(ro, [{ out: header(B.VIRTIO_BLK_T_OUT, 0) }, { out: new Uint8Array(512) }, { in: 1 }])).status).toBe(B.VIRTIO_BLK_S_IOERR);
    expect(s.blk.stats.errs).toBe(1);
  });

  it('a chain with no status byte puts the device into DEVICE_NEEDS_RESET', async () => {
    const s = await setup();
    s.q.add([{ out: header(B.VIRTIO_BLK_T_IN, 0) }]);
    kick(s.regs, 0);
    await s.blk.idle();
    expect(s.regs.status & S.STATUS_DEVICE_NEEDS_RESET).toBeTruthy();
    expect(s.regs.failure).toMatch(/status byte/);
  });
});
