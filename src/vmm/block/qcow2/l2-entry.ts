// qcow2 L1/L2 entry encoding. Spec: docs/interop/qcow2.txt "Cluster mapping".
//   L1 entry: bits 9-55 L2 table offset, bit 63 COPIED (refcount is exactly 1).
//   L2 entry (standard): bit 0 all-zeros, bits 9-55 host cluster offset,
//     bit 62 = 0 (not compressed), bit 63 COPIED.
//   L2 entry (compressed, bit 62 = 1): with x = 62 - (cluster_bits - 8),
//     bits 0..x-1 host byte offset, bits x..61 additional 512-byte sectors.
// Entries are handled as (hi, lo) u32 halves so no BigInt is needed on the hot path.

export const KIND_UNALLOCATED = 0;
/** Reads as zeros; no host cluster. */
export const KIND_ZERO = 1;
/** Reads as zeros; a preallocated host cluster is kept. */
export const KIND_ZERO_ALLOC = 2;
export const KIND_NORMAL = 3;
export const KIND_COMPRESSED = 4;

const COPIED = 0x80000000;
const COMPRESSED = 0x40000000;

export interface Mapping { kind: number; host: number; hi: number; lo: number; }

export function decodeL2(view: DataView, index: number): Mapping {
  const hi = view.getUint32(index * 8), lo = view.getUint32(index * 8 + 4);
  if (hi & COMPRESSED) return { kind: KIND_COMPRESSED, host: 0, hi, lo };
  const host = (hi & 0x00ffffff) * 0x100000000 + (lo >>> 9) * 512;
  const kind = lo & 1 ? (host ? KIND_ZERO_ALLOC : KIND_ZERO) : host ? KIND_NORMAL : KIND_UNALLOCATED;
  return { kind, host, hi, lo };
}

/** Unaligned host offsets are corruption (bits 1-8 are reserved). */
export function hostMisaligned(m: Mapping, clusterSize: number): boolean {
  return (m.kind === KIND_NORMAL || m.kind === KIND_ZERO_ALLOC) && m.host % clusterSize !== 0;
}

export function encodeL2(view: DataView, index: number, host: number, zero: boolean): void {
  view.setUint32(index * 8, host ? COPIED | Math.floor(host / 0x100000000) : 0);
  view.setUint32(index * 8 + 4, ((host >>> 0) | (zero ? 1 : 0)) >>> 0);
}

export function decodeL1(view: DataView, index: number): number {
  const hi = view.getUint32(index * 8), lo = view.getUint32(index * 8 + 4);
  return (hi & 0x00ffffff) * 0x100000000 + (lo >>> 9) * 512;
}

export function encodeL1(view: DataView, index: number, l2Offset: number): void {
  view.setUint32(index * 8, l2Offset ? COPIED | Math.floor(l2Offset / 0x100000000) : 0);
  view.setUint32(index * 8 + 4, l2Offset >>> 0);
}

/** Host byte range [start, end) holding a compressed cluster's data. */
export function compressedRange(m: Mapping, clusterBits: number): { start: number; end: number } {
  const e = (BigInt(m.hi) << 32n) | BigInt(m.lo);
  const x = BigInt(62 - (clusterBits - 8));
  const start = Number(e & ((1n << x) - 1n));
  const sectors = Number((e >> x) & ((1n << (62n - x)) - 1n)) + 1;
  return { start, end: Math.floor(start / 512) * 512 + sectors * 512 };
}
