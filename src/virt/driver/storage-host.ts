/*
 * storage-host.ts — where a dir pool's target path lives: a real directory in
 * Node, a name prefix in one host-wide StoreProvider in the browser (IndexedDB)
 * and in tests (memory). The storage driver sees only StorageHost.
 *
 * Invariants of PrefixStorageHost:
 *  - a "directory" exists once makeDir() wrote its marker store
 *    `<dir>/.wasmvirt-dir` (so it survives a reload with the provider's data);
 *  - the provider for a directory shows only its direct children and never
 *    the marker; names are the volume names.
 */
import type { ByteStore, StoreOpenOptions, StoreProvider } from '../../vmm/block/index.js';
import { BlockError, resolveStoreName } from '../../vmm/block/index.js';

export interface StorageSpace {
  capacity: number;
  allocation: number;
  available: number;
}

export interface StorageHost {
  /** The store provider whose names are the files of directory `dir` (absolute path). */
  provider(dir: string): StoreProvider;
  makeDir(dir: string): Promise<void>;
  dirExists(dir: string): Promise<boolean>;
  space(dir: string): Promise<StorageSpace>;
}

const MARKER = '.wasmvirt-dir';

function key(dir: string): string {
  return dir.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** A view of `base` limited to the direct children of `prefix/`. */
export class PrefixStoreProvider implements StoreProvider {
  readonly description: string;

  constructor(private readonly base: StoreProvider, private readonly prefix: string) {
    this.description = `${base.description}:/${prefix}`;
  }

  private full(name: string): string {
    if (name.includes('/') || name.startsWith('.')) throw new BlockError('EINVAL', `invalid volume name '${name}'`);
    return `${this.prefix}/${name}`;
  }

  open(name: string, options?: StoreOpenOptions): Promise<ByteStore> {
    return this.base.open(this.full(name), options);
  }

  delete(name: string): Promise<void> {
    return this.base.delete(this.full(name));
  }

  async list(): Promise<string[]> {
    const p = `${this.prefix}/`;
    return (await this.base.list())
      .filter((n) => n.startsWith(p) && !n.slice(p.length).includes('/') && !n.slice(p.length).startsWith('.'))
      .map((n) => n.slice(p.length))
      .sort();
  }

  exists(name: string): Promise<boolean> {
    return this.base.exists(this.full(name));
  }

  resolve(from: string, ref: string): string {
    const r = resolveStoreName(`${this.prefix}/${from}`, ref);
    const p = `${this.prefix}/`;
    if (!r.startsWith(p) || r.slice(p.length).includes('/')) {
      throw new BlockError('EINVAL', `backing file '${ref}' of '${from}' is outside the pool directory /${this.prefix}`);
    }
    return r.slice(p.length);
  }
}

/** Directories as name prefixes of one provider (IndexedDB in the browser, memory in tests). */
export class PrefixStorageHost implements StorageHost {
  constructor(
    private readonly base: StoreProvider,
    /** Total bytes the host offers (navigator.storage quota in the browser). */
    private readonly quota: () => Promise<{ quota: number; usage: number }>,
  ) {}

  provider(dir: string): StoreProvider {
    return new PrefixStoreProvider(this.base, key(dir));
  }

  async makeDir(dir: string): Promise<void> {
    const s = await this.base.open(`${key(dir)}/${MARKER}`, { create: true });
    await s.flush();
    await s.close();
  }

  dirExists(dir: string): Promise<boolean> {
    return this.base.exists(`${key(dir)}/${MARKER}`);
  }

  async space(): Promise<StorageSpace> {
    const { quota, usage } = await this.quota();
    return { capacity: quota, allocation: usage, available: Math.max(0, quota - usage) };
  }
}
