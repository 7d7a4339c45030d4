// Reading compressed qcow2 clusters: raw deflate (zlib compression type 0),
// as `qemu-img convert -c` writes them. Spec: docs/interop/qcow2.txt
// "Compressed Clusters Descriptor". Writing compressed clusters is not
// supported (a write to one allocates a normal cluster instead).

import { inflateSync } from 'fflate';
import { BlockError } from '../errors.js';
import type { ByteStore } from '../store.js';
import { compressedRange, type Mapping } from './l2-entry.js';

export async function readCompressedCluster(store: ByteStore, m: Mapping, clusterBits: number,
  fileSize: number, name: string): Promise<Uint8Array> {
  const cs = 2 ** clusterBits;
  const { start, end } = compressedRange(m, clusterBits);
  if (start >= fileSize) {
    throw new BlockError('CORRUPT', `qcow2 image ${name}: compressed cluster at ${start} lies past the end of the file`);
  }
  const data = await store.read(start, Math.min(end, fileSize) - start);
  const out = new Uint8Array(cs);
  try {
    const got = inflateSync(data, { out });
    if (got.length !== cs) throw new Error(`inflated to ${got.length} bytes`);
  } catch (e) {
    throw new BlockError('CORRUPT', `qcow2 image ${name}: compressed cluster at ${start} does not inflate ` +
      `to ${cs} bytes (${(e as Error).message})`);
  }
  return out;
}
