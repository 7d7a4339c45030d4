// qcow2 header (version 2 and 3) and header extensions: parse with validation,
// and build the first cluster of a new image.
// Spec: QEMU docs/interop/qcow2.txt, sections "Header" and "Header extensions".
//
// Invariants:
// - parseHeader never throws anything but BlockError: CORRUPT for malformed
//   fields (bad magic, cluster_bits out of range, unaligned or out-of-file
//   tables), UNSUPPORTED (naming the feature) for what we refuse to open.
// - All numbers are big-endian; 64-bit fields are read as (hi, lo) u32 pairs
//   and must stay below 2^53 (offsets and sizes are checked).

import { BlockError } from '../errors.js';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
export const EXT_END = 0x00000000;
export const EXT_BACKING_FORMAT = 0xe2792aca;
export const EXT_FEATURE_NAMES = 0x6803f857;
export const EXT_BITMAPS = 0x23852875;
export const EXT_CRYPTO = 0x0537be77;
export const EXT_DATA_FILE = 0x44415441;

/** Incompatible feature bits (header bytes 72-79). */
export const INCOMPAT_DIRTY = 0, INCOMPAT_CORRUPT = 1, INCOMPAT_DATA_FILE = 2,
  INCOMPAT_COMPRESSION = 3, INCOMPAT_EXTL2 = 4;
/** Compatible feature bit 0, autoclear bits 0 and 1. */
export const COMPAT_LAZY_REFCOUNTS = 0, AUTOCLEAR_BITMAPS = 0, AUTOCLEAR_RAW_DATA = 1;

/** Names QEMU gives these features (used when an image has no feature name table). */
const KNOWN_NAMES: Record<string, string> = {
  'incompatible:0': 'dirty bit', 'incompatible:1': 'corrupt bit', 'incompatible:2': 'external data file',
  'incompatible:3': 'compression type', 'incompatible:4': 'extended L2 entries',
  'compatible:0': 'lazy refcounts', 'autoclear:0': 'bitmaps', 'autoclear:1': 'raw external data',
};
const FEATURE_TYPES = ['incompatible', 'compatible', 'autoclear'] as const;

export interface Qcow2Header {
  version: number;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatible: bigint;
  compatible: bigint;
  autoclear: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
  backingFile?: string;
  backingFormat?: string;
  /** "incompatible:3" -> "compression type", from the image's feature name table. */
  featureNames: Map<string, string>;
  /** Extension types present (for refusing crypto/data-file). */
  extensionTypes: number[];
}

export function isQcow2Header(head: Uint8Array): boolean {
  return head.length >= 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0) === QCOW2_MAGIC;
}

export function u64(view: DataView, off: number): number {
  const hi = view.getUint32(off), lo = view.getUint32(off + 4);
  if (hi >= 0x200000) throw new BlockError('CORRUPT', `qcow2: 64-bit field at header offset ${off} is too large`);
  return hi * 0x100000000 + lo;
}

function u64big(view: DataView, off: number): bigint {
  return view.getBigUint64(off);
}

export function setU64(view: DataView, off: number, value: number): void {
  view.setUint32(off, Math.floor(value / 0x100000000));
  view.setUint32(off + 4, value >>> 0);
}

/** Reads the fixed header fields. `first` must hold at least 104 bytes (72 for v2). */
export function parseHeader(first: Uint8Array, fileSize: number, name: string): Qcow2Header {
  const corrupt = (msg: string): never => { throw new BlockError('CORRUPT', `qcow2 image ${name}: ${msg}`); };
  if (first.length < 72) corrupt(`file is too short for a qcow2 header (${first.length} bytes)`);
  const v = new DataView(first.buffer, first.byteOffset, first.length);
  if (v.getUint32(0) !== QCOW2_MAGIC) corrupt('bad magic (not a qcow2 image)');
  const version = v.getUint32(4);
  if (version !== 2 && version !== 3) {
    throw new BlockError('UNSUPPORTED', `qcow2 image ${name}: version ${version} is not supported (2 and 3 are)`);
  }
  if (version === 3 && first.length < 104) corrupt('file is too short for a version 3 header');
  const h: Qcow2Header = {
    version,
    backingFileOffset: u64(v, 8), backingFileSize: v.getUint32(16), clusterBits: v.getUint32(20),
    size: u64(v, 24), cryptMethod: v.getUint32(32), l1Size: v.getUint32(36), l1TableOffset: u64(v, 40),
    refcountTableOffset: u64(v, 48), refcountTableClusters: v.getUint32(56),
    nbSnapshots: v.getUint32(60), snapshotsOffset: u64(v, 64),
    incompatible: 0n, compatible: 0n, autoclear: 0n, refcountOrder: 4, headerLength: 72, compressionType: 0,
    featureNames: new Map(), extensionTypes: [],
  };
  if (version === 3) {
    h.incompatible = u64big(v, 72); h.compatible = u64big(v, 80); h.autoclear = u64big(v, 88);
    h.refcountOrder = v.getUint32(96); h.headerLength = v.getUint32(100);
    if (h.headerLength < 104 || h.headerLength % 8 !== 0 && h.headerLength !== 104) {
      corrupt(`header_length ${h.headerLength} is invalid`);
    }
    if (h.headerLength > 104 && first.length > 104) h.compressionType = v.getUint8(104);
  }
  if (h.clusterBits < 9 || h.clusterBits > 21) corrupt(`cluster_bits ${h.clusterBits} is outside 9..21`);
  if (h.refcountOrder > 6) corrupt(`refcount_order ${h.refcountOrder} is larger than 6`);
  const cs = 2 ** h.clusterBits;
  if (h.headerLength > cs) corrupt(`header_length ${h.headerLength} is larger than a cluster`);
  checkTable(name, 'L1 table', h.l1TableOffset, h.l1Size * 8, cs, fileSize);
  checkTable(name, 'refcount table', h.refcountTableOffset, h.refcountTableClusters * cs, cs, fileSize);
  if (h.refcountTableClusters === 0) corrupt('the refcount table is empty');
  const l2Entries = cs / 8;
  const needL1 = Math.ceil(h.size / (cs * l2Entries));
  if (h.l1Size < needL1) corrupt(`L1 table has ${h.l1Size} entries but ${needL1} are needed for ${h.size} bytes`);
  if (h.backingFileOffset !== 0) {
    if (h.backingFileSize > 1023) corrupt(`backing file name is ${h.backingFileSize} bytes (at most 1023)`);
    if (h.backingFileOffset + h.backingFileSize > cs) corrupt('backing file name lies outside the first cluster');
  }
  return h;
}

function checkTable(name: string, what: string, offset: number, bytes: number, cs: number, fileSize: number): void {
  if (offset % cs !== 0) {
    throw new BlockError('CORRUPT', `qcow2 image ${name}: ${what} offset ${offset} is not cluster aligned`);
  }
  if (bytes > 0 && (offset === 0 || offset + bytes > fileSize)) {
    throw new BlockError('CORRUPT',
      `qcow2 image ${name}: ${what} [${offset}, ${offset + bytes}) lies outside the file (${fileSize} bytes)`);
  }
}

/** Parses the extensions and backing file name from the whole first cluster. */
export function parseExtensions(h: Qcow2Header, first: Uint8Array, name: string): void {
  const v = new DataView(first.buffer, first.byteOffset, first.length);
  const corrupt = (msg: string): never => { throw new BlockError('CORRUPT', `qcow2 image ${name}: ${msg}`); };
  if (h.version === 3) {
    const end = h.backingFileOffset || first.length;
    for (let off = h.headerLength; ;) {
      if (off + 8 > end) corrupt('header extension area is not terminated');
      const type = v.getUint32(off), len = v.getUint32(off + 4);
      if (type === EXT_END) break;
      if (off + 8 + len > end) corrupt(`header extension 0x${type.toString(16)} runs past the header area`);
      const data = first.subarray(off + 8, off + 8 + len);
      h.extensionTypes.push(type);
      if (type === EXT_BACKING_FORMAT) h.backingFormat = decodeString(data);
      if (type === EXT_FEATURE_NAMES) {
        for (let e = 0; e + 48 <= len; e += 48) {
          const kind = FEATURE_TYPES[data[e]];
          if (kind) h.featureNames.set(`${kind}:${data[e + 1]}`, decodeString(data.subarray(e + 2, e + 48)));
        }
      }
      off += 8 + Math.ceil(len / 8) * 8;
    }
  }
  if (h.backingFileOffset !== 0) {
    h.backingFile = decodeString(first.subarray(h.backingFileOffset, h.backingFileOffset + h.backingFileSize));
  }
}

function decodeString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

export function featureName(h: Qcow2Header, kind: typeof FEATURE_TYPES[number], bit: number): string {
  const key = `${kind}:${bit}`;
  return h.featureNames.get(key) ?? KNOWN_NAMES[key] ?? `unknown ${kind} feature bit ${bit}`;
}

/**
 * Refuses what this implementation does not support, naming the feature.
 * Read-only opens tolerate the corrupt bit and internal snapshots.
 */
export function checkFeatures(h: Qcow2Header, name: string, readOnly: boolean): void {
  const refuse = (what: string): never => {
    throw new BlockError('UNSUPPORTED', `qcow2 image ${name}: unsupported feature: ${what}`);
  };
  if (h.cryptMethod !== 0) refuse(`encryption (crypt_method ${h.cryptMethod}${h.cryptMethod === 1 ? ', AES' : h.cryptMethod === 2 ? ', LUKS' : ''})`);
  if (h.extensionTypes.includes(EXT_CRYPTO)) refuse('encryption (full disk encryption header)');
  if (h.extensionTypes.includes(EXT_DATA_FILE)) refuse('external data file');
  for (let bit = 0; bit < 64; bit++) {
    if (!((h.incompatible >> BigInt(bit)) & 1n)) continue;
    if (bit === INCOMPAT_CORRUPT) {
      if (!readOnly) {
        throw new BlockError('CORRUPT', `qcow2 image ${name} is marked corrupt (incompatible bit 1); ` +
          `repair it with 'qemu-img check -r all' or open it read-only`);
      }
      continue;
    }
    if (bit === INCOMPAT_DIRTY) {
      throw new BlockError('UNSUPPORTED', `qcow2 image ${name}: unsupported feature: dirty bit ` +
        `(lazy refcounts were in use and not flushed); repair it with 'qemu-img check -r all'`);
    }
    if (bit === INCOMPAT_COMPRESSION && h.compressionType === 0) continue;
    refuse(featureName(h, 'incompatible', bit) +
      (bit === INCOMPAT_COMPRESSION ? ` (compression type ${h.compressionType}, only zlib is supported)` : ''));
  }
  if (!readOnly && h.version === 2) {
    throw new BlockError('UNSUPPORTED',
      `qcow2 image ${name}: version 2 (compat=0.10) images are supported read-only; 'qemu-img amend -o compat=1.1' upgrades it`);
  }
  if (!readOnly && h.nbSnapshots > 0) {
    refuse(`internal snapshots (${h.nbSnapshots}) are supported read-only`);
  }
}

export interface NewHeaderFields {
  clusterBits: number;
  size: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  backingFile?: string;
  backingFormat?: string;
}

const OUR_FEATURE_NAMES: [number, number, string][] = [
  [0, 0, 'dirty bit'], [0, 1, 'corrupt bit'], [0, 2, 'external data file'],
  [0, 3, 'compression type'], [0, 4, 'extended L2 entries'],
  [1, 0, 'lazy refcounts'], [2, 0, 'bitmaps'], [2, 1, 'raw external data'],
];

/** Builds the header cluster of a new version 3 image (compat 1.1, 16-bit refcounts, zlib). */
export function buildHeader(f: NewHeaderFields): Uint8Array {
  const cs = 2 ** f.clusterBits;
  const out = new Uint8Array(cs);
  const v = new DataView(out.buffer);
  v.setUint32(0, QCOW2_MAGIC);
  v.setUint32(4, 3);
  v.setUint32(20, f.clusterBits);
  setU64(v, 24, f.size);
  v.setUint32(36, f.l1Size);
  setU64(v, 40, f.l1TableOffset);
  setU64(v, 48, f.refcountTableOffset);
  v.setUint32(56, f.refcountTableClusters);
  v.setUint32(96, 4);   // refcount_order: 16-bit refcounts
  v.setUint32(100, 112); // header_length, with compression_type byte (0 = zlib) and padding
  let off = 112;
  const enc = new TextEncoder();
  const ext = (type: number, data: Uint8Array): void => {
    v.setUint32(off, type); v.setUint32(off + 4, data.length);
    out.set(data, off + 8);
    off += 8 + Math.ceil(data.length / 8) * 8;
  };
  if (f.backingFormat) ext(EXT_BACKING_FORMAT, enc.encode(f.backingFormat));
  const names = new Uint8Array(OUR_FEATURE_NAMES.length * 48);
  OUR_FEATURE_NAMES.forEach(([type, bit, name], i) => {
    names[i * 48] = type; names[i * 48 + 1] = bit; names.set(enc.encode(name), i * 48 + 2);
  });
  ext(EXT_FEATURE_NAMES, names);
  off += 8; // end-of-extensions marker (type 0, length 0)
  if (f.backingFile !== undefined) {
    const b = enc.encode(f.backingFile);
    if (b.length > 1023) throw new BlockError('EINVAL', `backing file name is ${b.length} bytes (at most 1023)`);
    if (off + b.length > cs) throw new BlockError('EINVAL', 'backing file name does not fit in the header cluster');
    out.set(b, off);
    setU64(v, 8, off);
    v.setUint32(16, b.length);
  }
  return out;
}
