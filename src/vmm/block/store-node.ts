// NodeStoreProvider: ByteStores as files under one directory (a libvirt "dir"
// pool), for the headless stack. Files are sparse: unwritten ranges are holes.
//
// Invariants:
// - Names are paths relative to the root; '..' and absolute names are refused,
//   except that resolve() maps an absolute backing path inside the root.
// - flush() is fsync(2): durable when it resolves. Every write is a pwrite that
//   completed before its promise resolved, so a killed process loses nothing
//   that was written (the page cache keeps it) and the write order holds.
// - allocated() = st_blocks * 512 (what `du` and qemu-img's actual-size show).
// - discard() punches a hole (fallocate --punch-hole, util-linux) for aligned
//   ranges of 64 KiB or more and writes zeros otherwise; the size never changes.

import { execFile } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { BlockError, checkRange } from './errors.js';
import { isValidStoreName, WriterLocks } from './store.js';
import type { ByteStore, StoreOpenOptions, StoreProvider } from './store.js';

export class NodeStoreProvider implements StoreProvider {
  readonly root: string;
  private readonly writers = new WriterLocks();
  constructor(root: string) { this.root = path.resolve(root); }

  get description(): string { return `dir:${this.root}`; }

  path(name: string): string {
    if (!isValidStoreName(name)) throw new BlockError('EINVAL', `invalid store name '${name}'`);
    return path.join(this.root, name);
  }

  async open(name: string, options: StoreOpenOptions = {}): Promise<ByteStore> {
    const file = this.path(name);
    const readOnly = options.readOnly ?? false;
    let flags = readOnly ? constants.O_RDONLY : constants.O_RDWR;
    if (options.create) {
      flags |= constants.O_CREAT | (options.exclusive ? constants.O_EXCL : 0);
      await fsp.mkdir(path.dirname(file), { recursive: true });
    }
    const release = readOnly ? undefined : this.writers.acquire(name);
    try {
      const fh = await fsp.open(file, flags, 0o644);
      return new NodeFileStore(name, file, fh, readOnly, release);
    } catch (e) {
      release?.();
      throw fsError(e, `open ${name}`);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await fsp.unlink(this.path(name));
    } catch (e) {
      throw fsError(e, `delete ${name}`);
    }
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw fsError(e, 'list');
      }
      for (const e of entries) {
        if (e.isDirectory()) await walk(path.join(dir, e.name), `${prefix}${e.name}/`);
        else if (e.isFile()) out.push(prefix + e.name);
      }
    };
    await walk(this.root, '');
    return out.sort();
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.path(name))).isFile();
    } catch {
      return false;
    }
  }

  resolve(from: string, ref: string): string {
    const abs = path.isAbsolute(ref) ? path.normalize(ref) : path.resolve(path.dirname(this.path(from)), ref);
    const rel = path.relative(this.root, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new BlockError('EINVAL', `backing file '${ref}' of ${from} lies outside ${this.root}`);
    }
    return rel.split(path.sep).join('/');
  }
}

function fsError(e: unknown, what: string): BlockError {
  const code = (e as NodeJS.ErrnoException).code;
  const msg = `${what}: ${(e as Error).message}`;
  if (code === 'ENOENT') return new BlockError('ENOENT', msg);
  if (code === 'EEXIST') return new BlockError('EEXIST', msg);
  if (code === 'EROFS' || code === 'EACCES') return new BlockError('EROFS', msg);
  if (code === 'ENOSPC') return new BlockError('ENOSPC', msg);
  return new BlockError('EIO', msg);
}

const PUNCH_MIN = 65536;

class NodeFileStore implements ByteStore {
  private closed = false;
  constructor(readonly name: string, private readonly file: string, private readonly fh: fsp.FileHandle,
    readonly readOnly: boolean, private readonly release?: () => void) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.live('read');
    checkRange(`read ${this.name}`, offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, length - done, offset + done).catch((e) => {
        throw fsError(e, `read ${this.name}`);
      });
      if (bytesRead === 0) break; // past EOF: the rest stays zero
      done += bytesRead;
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.writable('write');
    checkRange(`write ${this.name}`, offset, data.length);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done).catch((e) => {
        throw fsError(e, `write ${this.name}`);
      });
      done += bytesWritten;
    }
  }

  async size(): Promise<number> { this.live('size'); return (await this.fh.stat()).size; }

  async truncate(size: number): Promise<void> {
    this.writable('truncate');
    checkRange(`truncate ${this.name}`, size, 0);
    await this.fh.truncate(size).catch((e) => { throw fsError(e, `truncate ${this.name}`); });
  }

  async allocated(): Promise<number> { this.live('allocated'); return (await this.fh.stat()).blocks * 512; }

  async flush(): Promise<void> {
    this.live('flush');
    if (!this.readOnly) await this.fh.sync().catch((e) => { throw fsError(e, `flush ${this.name}`); });
  }

  async discard(offset: number, length: number): Promise<void> {
    this.writable('discard');
    checkRange(`discard ${this.name}`, offset, length);
    const size = await this.size();
    const end = Math.min(offset + length, size);
    if (end <= offset) return;
    const lo = Math.ceil(offset / 4096) * 4096, hi = Math.floor(end / 4096) * 4096;
    if (hi - lo >= PUNCH_MIN && await punchHole(this.file, lo, hi - lo)) {
      if (lo > offset) await this.write(offset, new Uint8Array(lo - offset));
      if (end > hi) await this.write(hi, new Uint8Array(end - hi));
      return;
    }
    for (let pos = offset; pos < end; pos += 1 << 20) {
      await this.write(pos, new Uint8Array(Math.min(1 << 20, end - pos)));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release?.();
    await this.fh.close();
  }

  private live(op: string): void {
    if (this.closed) throw new BlockError('CLOSED', `${op} on closed store ${this.name}`);
  }

  private writable(op: string): void {
    this.live(op);
    if (this.readOnly) throw new BlockError('EROFS', `${op}: store ${this.name} is read-only`);
  }
}

/** fallocate(2) PUNCH_HOLE|KEEP_SIZE through util-linux; false when unavailable. */
function punchHole(file: string, offset: number, length: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('fallocate', ['--punch-hole', '--offset', String(offset), '--length', String(length), file],
      (err) => resolve(!err));
  });
}
