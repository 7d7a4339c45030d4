// Creating an empty qcow2 version 3 image (what `qemu-img create -f qcow2`
// does): header cluster, refcount table, refcount blocks, then the L1 table.
// Spec: docs/interop/qcow2.txt "Header", "Host cluster management".
// Invariants: every metadata cluster has refcount 1; the L1 table is all
// zeros (left as a hole in the store); 16-bit refcounts; compat 1.1;
// lazy refcounts off.

import { BlockError } from '../errors.js';
import type { StoreProvider } from '../store.js';
import type { ImageFormat } from '../device.js';
import { buildHeader, setU64 } from './header.js';
import { writeEntry } from './refcount.js';

export interface CreateQcow2Options {
  capacity: number;
  clusterSize: number;
  backing?: { name: string; format: ImageFormat };
  exclusive: boolean;
}

const MAX_L1_BYTES = 32 * 1024 * 1024; // QEMU's QCOW_MAX_L1_SIZE

export async function createQcow2(provider: StoreProvider, name: string, o: CreateQcow2Options): Promise<void> {
  const cs = o.clusterSize;
  const clusterBits = Math.log2(cs);
  if (!Number.isInteger(clusterBits) || clusterBits < 9 || clusterBits > 21) {
    throw new BlockError('EINVAL', `qcow2 cluster size ${cs} must be a power of two between 512 and 2097152`);
  }
  const l2Entries = cs / 8;
  const l1Size = Math.ceil(o.capacity / (cs * l2Entries));
  if (l1Size * 8 > MAX_L1_BYTES) {
    throw new BlockError('EINVAL', `qcow2 image ${name}: ${o.capacity} bytes is too large for ${cs}-byte clusters`);
  }
  const l1Clusters = Math.max(1, Math.ceil((l1Size * 8) / cs));
  const perBlock = cs / 2; // 16-bit refcounts
  let rtClusters = 1, blocks = 1;
  for (;;) {
    const total = 1 + rtClusters + blocks + l1Clusters;
    const b = Math.ceil(total / perBlock), t = Math.ceil((b * 8) / cs);
    if (b === blocks && t === rtClusters) break;
    blocks = b; rtClusters = t;
  }
  const metaClusters = 1 + rtClusters + blocks; // written; the L1 table follows as zeros
  const total = metaClusters + l1Clusters;
  const buf = new Uint8Array(metaClusters * cs);
  buf.set(buildHeader({
    clusterBits, size: o.capacity, l1Size, l1TableOffset: metaClusters * cs,
    refcountTableOffset: cs, refcountTableClusters: rtClusters,
    backingFile: o.backing?.name, backingFormat: o.backing?.format,
  }));
  const view = new DataView(buf.buffer);
  for (let b = 0; b < blocks; b++) setU64(view, cs + b * 8, (1 + rtClusters + b) * cs);
  const blockArea = buf.subarray((1 + rtClusters) * cs);
  for (let c = 0; c < total; c++) writeEntry(blockArea, c, 16, 1);
  const store = await provider.open(name, { create: true, exclusive: o.exclusive });
  try {
    await store.truncate(0);
    await store.write(0, buf);
    await store.truncate(total * cs);
    await store.flush();
  } finally {
    await store.close();
  }
}
