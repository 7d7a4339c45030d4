/*
 * volumes.ts — storage volumes of dir pools: the files of the pool directory,
 * made and changed through the block layer (src/vmm/block: createImage,
 * openImage, imageInfo, resizeImage), as libvirt's storage_backend_fs does with
 * qemu-img.
 *
 * Invariants:
 *  - A volume is named by its file name in the pool; its key and path are the
 *    absolute path <pool target>/<name>.
 *  - Capacity is the image's virtual size; allocation is what its store really
 *    holds (a sparse raw or a fresh qcow2 shows how thin it is).
 *  - A backing volume must live in the same pool directory (the overlay names
 *    it relatively, as qemu-img does).
 *  - Nothing is left behind by a failed create or clone.
 */
import { formatStorageVolXML, parseStorageVolXML, type StorageVolDef } from '../conf/index.js';
import {
  createImage, imageInfo, openImage, resizeImage, type ImageFormat, type StoreProvider,
} from '../../vmm/block/index.js';
import { VirError } from '../error.js';
import type { PoolDriver, PoolObj } from './pools.js';
import { invalidArg, noVolume, operationInvalid, wrapError } from './errors.js';

export class VolObj {
  constructor(readonly pool: PoolObj, readonly name: string) {}

  get path(): string {
    return `${this.pool.path === '/' ? '' : this.pool.path}/${this.name}`;
  }

  get key(): string {
    return this.path;
  }
}

export interface VolInfo {
  /** virStorageVolType: 0 file */
  type: 0;
  format: ImageFormat;
  capacity: number;
  allocation: number;
  backing?: { path: string; format?: ImageFormat };
}

const COPY_CHUNK = 1 << 20;
/** Zero runs of this size stay holes in a clone. */
const SPARSE_UNIT = 64 << 10;

export class VolumeDriver {
  constructor(private readonly pools: PoolDriver) {}

  private provider(pool: PoolObj): StoreProvider {
    this.pools.checkActive(pool);
    return this.pools.host.provider(pool.path);
  }

  async list(pool: PoolObj): Promise<VolObj[]> {
    const names = await this.provider(pool).list();
    return names.map((n) => new VolObj(pool, n));
  }

  async lookupByName(pool: PoolObj, name: string): Promise<VolObj> {
    if (!name.includes('/') && (await this.provider(pool).exists(name))) return new VolObj(pool, name);
    throw noVolume(`no storage vol with matching name '${name}'`);
  }

  /** By key or path (the same for dir pools). */
  async lookupByPath(path: string): Promise<VolObj> {
    const pool = this.pools.poolOfPath(path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (pool?.active && name && (await this.pools.host.provider(pool.path).exists(name))) return new VolObj(pool, name);
    throw noVolume(`no storage vol with matching path '${path}'`);
  }

  async lookupByKey(key: string): Promise<VolObj> {
    try {
      return await this.lookupByPath(key);
    } catch {
      throw noVolume(`no storage vol with matching key ${key}`);
    }
  }

  async info(vol: VolObj): Promise<VolInfo> {
    try {
      const i = await imageInfo(this.provider(vol.pool), vol.name);
      const info: VolInfo = { type: 0, format: i.format, capacity: i.virtualSize, allocation: i.actualSize };
      if (i.fullBackingFilename) info.backing = { path: `${vol.pool.path}/${i.fullBackingFilename}`, format: i.backingFormat };
      return info;
    } catch (e) {
      throw wrapError(e, `cannot read volume '${vol.path}'`, 'VIR_FROM_STORAGE');
    }
  }

  async xmlDesc(vol: VolObj): Promise<string> {
    const i = await this.info(vol);
    const def: StorageVolDef = {
      type: 'file', name: vol.name, key: vol.key, capacity: i.capacity, allocation: i.allocation,
      physical: i.allocation, target: { path: vol.path, format: i.format },
    };
    if (i.backing) def.backingStore = { path: i.backing.path, format: i.backing.format };
    return formatStorageVolXML(def);
  }

  /** virStorageVolCreateXML / CreateXMLFrom (clone when `from` is given). */
  async createXML(pool: PoolObj, xml: string, from?: VolObj): Promise<VolObj> {
    const def = parseStorageVolXML(xml);
    const provider = this.provider(pool);
    if (def.name.includes('/') || def.name.startsWith('.')) {
      throw invalidArg(`volume name '${def.name}' cannot contain '/' or start with '.'`, 'VIR_FROM_STORAGE');
    }
    if (await provider.exists(def.name)) throw new VirError('VIR_ERR_STORAGE_VOL_EXIST', `'${def.name}'`, 'VIR_FROM_STORAGE');
    const vol = new VolObj(pool, def.name);
    try {
      if (from) await this.copy(from, vol, def);
      else await this.create(provider, def, pool);
    } catch (e) {
      await provider.delete(def.name).catch(() => undefined);
      throw wrapError(e, `cannot create volume '${vol.path}'`, 'VIR_FROM_STORAGE');
    }
    return vol;
  }

  private async create(provider: StoreProvider, def: StorageVolDef, pool: PoolObj): Promise<void> {
    const format = def.target.format;
    let backing: { name: string; format: ImageFormat } | undefined;
    if (def.backingStore) {
      const b = def.backingStore.path;
      const dir = b.slice(0, b.lastIndexOf('/')) || '/';
      if (dir !== pool.path) {
        throw operationInvalid(`backing volume '${b}' must be in the pool directory '${pool.path}'`, 'VIR_FROM_STORAGE');
      }
      const name = b.slice(b.lastIndexOf('/') + 1);
      if (!(await provider.exists(name))) throw noVolume(`no storage vol with matching path '${b}'`);
      const bf = def.backingStore.format ?? (await imageInfo(provider, name)).format;
      backing = { name, format: bf };
      if (format !== 'qcow2') throw invalidArg(`a backing store needs a qcow2 volume, not ${format}`, 'VIR_FROM_STORAGE');
    }
    await createImage(provider, def.name, { format, capacity: def.capacity || undefined, backing });
    if (format === 'raw' && def.allocation && def.allocation > 0) {
      await this.preallocate(provider, def.name, Math.min(def.allocation, def.capacity));
    }
  }

  private async preallocate(provider: StoreProvider, name: string, bytes: number): Promise<void> {
    const s = await provider.open(name);
    try {
      for (let off = 0; off < bytes; off += COPY_CHUNK) await s.write(off, new Uint8Array(Math.min(COPY_CHUNK, bytes - off)));
      await s.flush();
    } finally {
      await s.close();
    }
  }

  /** vol-clone: a full copy (a qcow2 with a backing file is flattened); zero chunks stay unallocated. */
  private async copy(from: VolObj, to: VolObj, def: StorageVolDef): Promise<void> {
    const srcProvider = this.provider(from.pool);
    const dstProvider = this.provider(to.pool);
    const src = await openImage(srcProvider, from.name, { readOnly: true });
    try {
      const format = def.target.format ?? src.format;
      await createImage(dstProvider, to.name, { format, capacity: src.capacity });
      const dst = await openImage(dstProvider, to.name, { format });
      try {
        for (let off = 0; off < src.capacity; off += COPY_CHUNK) {
          const data = await src.read(off, Math.min(COPY_CHUNK, src.capacity - off));
          for (let o = 0; o < data.length; o += SPARSE_UNIT) {
            const piece = data.subarray(o, o + SPARSE_UNIT);
            if (piece.some((b) => b !== 0)) await dst.write(off + o, piece);
          }
        }
        await dst.flush();
      } finally {
        await dst.close();
      }
    } finally {
      await src.close();
    }
  }

  async delete(vol: VolObj): Promise<void> {
    try {
      await this.provider(vol.pool).delete(vol.name);
    } catch (e) {
      throw wrapError(e, `cannot unlink file '${vol.path}'`, 'VIR_FROM_STORAGE');
    }
  }

  /** vol-wipe: the whole volume reads as zeros afterwards ('trim' also releases the space). */
  async wipe(vol: VolObj, algorithm = 'zero'): Promise<void> {
    if (algorithm !== 'zero' && algorithm !== 'trim') {
      throw new VirError('VIR_ERR_ARGUMENT_UNSUPPORTED', `unsupported wipe algorithm ${algorithm}`, 'VIR_FROM_STORAGE');
    }
    const dev = await openImage(this.provider(vol.pool), vol.name).catch((e) => {
      throw wrapError(e, `cannot open volume '${vol.path}'`, 'VIR_FROM_STORAGE');
    });
    try {
      await dev.writeZeroes(0, dev.capacity, { unmap: algorithm === 'trim' });
      await dev.flush();
    } finally {
      await dev.close();
    }
  }

  /** vol-resize: new capacity in bytes (delta: added to the current one). */
  async resize(vol: VolObj, capacity: number, opts: { delta?: boolean; shrink?: boolean } = {}): Promise<void> {
    const i = await this.info(vol);
    const target = opts.shrink && opts.delta ? i.capacity - capacity : opts.delta ? i.capacity + capacity : capacity;
    if (target < i.capacity && !opts.shrink) {
      throw invalidArg(`Can't shrink capacity below current capacity unless shrink flag explicitly specified`, 'VIR_FROM_STORAGE');
    }
    if (target < 0) throw invalidArg(`Can't shrink capacity below zero`, 'VIR_FROM_STORAGE');
    try {
      await resizeImage(this.provider(vol.pool), vol.name, target, { format: i.format });
    } catch (e) {
      throw wrapError(e, `cannot resize volume '${vol.path}'`, 'VIR_FROM_STORAGE');
    }
  }

  /** vol-upload: bytes of the file are written into the volume's file from `offset`. */
  async upload(vol: VolObj, data: AsyncIterable<Uint8Array>, offset = 0, length = 0): Promise<number> {
    const s = await this.provider(vol.pool).open(vol.name);
    let written = 0;
    try {
      for await (let chunk of data) {
        if (length && written + chunk.length > length) chunk = chunk.subarray(0, length - written);
        await s.write(offset + written, chunk);
        written += chunk.length;
        if (length && written >= length) break;
      }
      await s.flush();
    } catch (e) {
      throw wrapError(e, `cannot upload to volume '${vol.path}'`, 'VIR_FROM_STORAGE');
    } finally {
      await s.close();
    }
    return written;
  }

  /** vol-download: the bytes of the volume's file, in chunks. */
  async *download(vol: VolObj, offset = 0, length = 0): AsyncGenerator<Uint8Array> {
    const s = await this.provider(vol.pool).open(vol.name, { readOnly: true });
    try {
      const size = await s.size();
      const end = length ? Math.min(size, offset + length) : size;
      for (let off = offset; off < end; off += COPY_CHUNK) yield await s.read(off, Math.min(COPY_CHUNK, end - off));
    } finally {
      await s.close();
    }
  }
}
