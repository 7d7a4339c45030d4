// cpio "newc" (SVR4, no CRC) archive writer and reader for guest initramfs images.
//
// Format (Linux Documentation/driver-api/early-userspace/buffer-format.rst):
// each entry is a 110-byte ASCII header "070701" followed by 13 fields of 8 hex
// digits (ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
// rdevmajor, rdevminor, namesize, check), then the NUL-terminated name padded to a
// multiple of 4, then the data padded to a multiple of 4. The archive ends with an
// entry named "TRAILER!!!".
//
// Invariants of the writer, so that the same inputs give byte-identical output:
// entries are sorted by path (byte order, so a directory precedes its contents),
// parent directories are created implicitly, uid = gid = 0, mtime = 0 (or the
// given epoch), inode numbers count up from 1 in output order, no hard links.
// The whole archive is padded to a multiple of 512 bytes.

export type CpioKind = 'dir' | 'file' | 'symlink' | 'chardev' | 'blockdev';

export interface CpioEntry {
  path: string; // relative, '/'-separated, no leading '/', no '.' or '..' parts
  kind: CpioKind;
  perm: number; // permission bits (0o7777)
  data?: Uint8Array; // file contents
  target?: string; // symlink target
  rdev?: { major: number; minor: number }; // device nodes
}

const S_IFMT = 0o170000;
const TYPE_BITS: Record<CpioKind, number> = {
  dir: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  chardev: 0o020000,
  blockdev: 0o060000,
};
const MAGIC = '070701';
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';

/** Checks a path is a clean relative archive path; throws naming the fault. */
export function checkPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.endsWith('/')) {
    throw new Error(`cpio: bad path "${path}": must be relative, non-empty, without leading or trailing '/'`);
  }
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new Error(`cpio: bad path "${path}": empty, '.' or '..' component`);
    }
  }
  if (path.includes('\0')) throw new Error(`cpio: bad path "${path}": contains NUL`);
}

/** A set of entries that serialises deterministically to a newc archive. */
export class CpioArchive {
  private readonly entries = new Map<string, CpioEntry>();

  add(entry: CpioEntry): this {
    checkPath(entry.path);
    if ((entry.perm & ~0o7777) !== 0) throw new Error(`cpio: ${entry.path}: perm ${entry.perm.toString(8)} has non-permission bits`);
    if (entry.kind === 'symlink' && !entry.target) throw new Error(`cpio: ${entry.path}: symlink without a target`);
    if ((entry.kind === 'chardev' || entry.kind === 'blockdev') && !entry.rdev) {
      throw new Error(`cpio: ${entry.path}: device node without rdev`);
    }
    const old = this.entries.get(entry.path);
    if (old && !(old.kind === 'dir' && entry.kind === 'dir')) {
      throw new Error(`cpio: duplicate path "${entry.path}"`);
    }
    this.addParents(entry.path);
    this.entries.set(entry.path, entry);
    return this;
  }

  dir(path: string, perm = 0o755): this {
    return this.add({ path, kind: 'dir', perm });
  }

  file(path: string, data: Uint8Array, perm = 0o644): this {
    return this.add({ path, kind: 'file', perm, data });
  }

  symlink(path: string, target: string): this {
    return this.add({ path, kind: 'symlink', perm: 0o777, target });
  }

  chardev(path: string, major: number, minor: number, perm = 0o600): this {
    return this.add({ path, kind: 'chardev', perm, rdev: { major, minor } });
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** Entries in output order. */
  sorted(): CpioEntry[] {
    return [...this.entries.values()].sort((a, b) => compareBytes(a.path, b.path));
  }

  /** Serialises the archive; `mtime` is the Unix time stamped on every entry. */
  toBytes(mtime = 0): Uint8Array {
    const chunks: Uint8Array[] = [];
    let ino = 1;
    for (const e of this.sorted()) {
      const data = entryData(e);
      const mode = TYPE_BITS[e.kind] | e.perm;
      chunks.push(header(e.path, { ino: ino++, mode, nlink: e.kind === 'dir' ? 2 : 1, mtime, size: data.length, rdev: e.rdev }), data, pad4(data.length));
    }
    chunks.push(header(TRAILER, { ino: 0, mode: 0, nlink: 1, mtime: 0, size: 0 }));
    return concatPadded(chunks, 512);
  }

  private addParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      const e = this.entries.get(p);
      if (!e) this.entries.set(p, { path: p, kind: 'dir', perm: 0o755 });
      else if (e.kind !== 'dir') throw new Error(`cpio: "${path}" lies under "${p}", which is not a directory`);
    }
  }
}

function entryData(e: CpioEntry): Uint8Array {
  if (e.kind === 'file') return e.data ?? new Uint8Array(0);
  if (e.kind === 'symlink') return new TextEncoder().encode(e.target);
  return new Uint8Array(0);
}

interface HeaderFields {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  size: number;
  rdev?: { major: number; minor: number };
}

function header(name: string, f: HeaderFields): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const fields = [f.ino, f.mode, 0, 0, f.nlink, f.mtime, f.size, 0, 0, f.rdev?.major ?? 0, f.rdev?.minor ?? 0, nameBytes.length + 1, 0];
  const text = MAGIC + fields.map(hex8).join('');
  const total = align4(HEADER_SIZE + nameBytes.length + 1);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(text), 0);
  out.set(nameBytes, HEADER_SIZE);
  return out;
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: header field ${n} does not fit 32 bits`);
  return n.toString(16).padStart(8, '0');
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function pad4(n: number): Uint8Array {
  return new Uint8Array(align4(n) - n);
}

function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

function concatPadded(chunks: Uint8Array[], block: number): Uint8Array {
  const len = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(Math.ceil(len / block) * block);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** One member as read back from an archive. */
export interface CpioMember extends CpioEntry {
  ino: number;
  uid: number;
  gid: number;
  mtime: number;
}

/** Parses a newc archive up to its trailer; throws on a malformed header. */
export function readCpio(bytes: Uint8Array): CpioMember[] {
  const dec = new TextDecoder();
  const out: CpioMember[] = [];
  let off = 0;
  for (;;) {
    if (off + HEADER_SIZE > bytes.length) throw new Error(`cpio: truncated header at offset ${off}`);
    const text = dec.decode(bytes.subarray(off, off + HEADER_SIZE));
    if (!text.startsWith(MAGIC)) throw new Error(`cpio: bad magic "${text.slice(0, 6)}" at offset ${off}`);
    const f = (i: number): number => parseInt(text.slice(6 + i * 8, 14 + i * 8), 16);
    const nameSize = f(11);
    const name = dec.decode(bytes.subarray(off + HEADER_SIZE, off + HEADER_SIZE + nameSize - 1));
    const dataOff = align4(off + HEADER_SIZE + nameSize);
    const size = f(6);
    if (dataOff + size > bytes.length) throw new Error(`cpio: "${name}" runs past the end of the archive`);
    if (name === TRAILER) return out;
    const data = bytes.slice(dataOff, dataOff + size);
    const mode = f(1);
    const kind = kindOf(mode, name);
    out.push({
      path: name, kind, perm: mode & 0o7777, ino: f(0), uid: f(2), gid: f(3), mtime: f(5),
      data: kind === 'file' ? data : undefined,
      target: kind === 'symlink' ? dec.decode(data) : undefined,
      rdev: kind === 'chardev' || kind === 'blockdev' ? { major: f(9), minor: f(10) } : undefined,
    });
    off = align4(dataOff + size);
  }
}

function kindOf(mode: number, name: string): CpioKind {
  const t = mode & S_IFMT;
  for (const [k, bits] of Object.entries(TYPE_BITS)) if (bits === t) return k as CpioKind;
  throw new Error(`cpio: "${name}" has unsupported file type ${t.toString(8)}`);
}
