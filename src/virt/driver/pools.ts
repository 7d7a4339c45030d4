/*
 * pools.ts — storage pools (libvirt's storage driver, dir backend only):
 * define/undefine, build, start/destroy, refresh, autostart, info.
 *
 * Invariants:
 *  - A dir pool's target path is a directory of the StorageHost; `build`
 *    creates it, `start` refuses a pool whose directory is missing.
 *  - Persistent pools are stored with their autostart flag and whether they
 *    were active (libvirt's /run state), so a new connection finds them as left.
 *  - Volumes are never stored as records: they are the pool directory's files,
 *    read again on every call (as libvirt's refresh does).
 */
import {
  checkUniqueDefinition, formatStoragePoolXML, parseStoragePoolXML, type StoragePoolDef,
} from '../conf/index.js';
import type { StateStore } from '../store/types.js';
import type { EventBus } from './events.js';
import type { StorageHost } from './storage-host.js';
import { persistRecord, removeRecord } from './persist.js';
import { noPoolByName, noPoolByUuid, operationInvalid, wrapError } from './errors.js';
import { VirError } from '../error.js';

export enum PoolState { Inactive = 0, Building = 1, Running = 2, Degraded = 3, Inaccessible = 4 }

export const POOL_STATE_NAMES = ['inactive', 'building', 'running', 'degraded', 'inaccessible'];

export class PoolObj {
  persistent: boolean;
  autostart = false;
  active = false;
  version = 0;

  constructor(public def: StoragePoolDef, persistent: boolean) {
    this.persistent = persistent;
  }

  get name(): string {
    return this.def.name;
  }

  get uuid(): string {
    return this.def.uuid;
  }

  get path(): string {
    return this.def.target.path.replace(/\/+$/, '') || '/';
  }
}

export interface PoolInfo {
  state: PoolState;
  capacity: number;
  allocation: number;
  available: number;
}

export class PoolDriver {
  private readonly objs = new Map<string, PoolObj>();

  constructor(private readonly store: StateStore, private readonly events: EventBus, readonly host: StorageHost) {}

  async load(): Promise<void> {
    for (const rec of await this.store.list('pool')) this.apply(rec.uuid, rec);
  }

  async reload(uuid: string): Promise<void> {
    this.apply(uuid, await this.store.get('pool', uuid));
  }

  private apply(uuid: string, rec: { xml: string; autostart: boolean; active?: boolean; version: number } | undefined): void {
    const obj = this.objs.get(uuid);
    if (!rec) {
      if (obj?.persistent && !obj.active) this.objs.delete(uuid);
      else if (obj) obj.persistent = false;
      return;
    }
    let def: StoragePoolDef;
    try {
      def = parseStoragePoolXML(rec.xml);
    } catch {
      return;
    }
    const o = obj ?? new PoolObj(def, true);
    o.def = def;
    o.persistent = true;
    o.autostart = rec.autostart;
    o.active = rec.active ?? false;
    o.version = rec.version;
    this.objs.set(uuid, o);
  }

  list(): PoolObj[] {
    return [...this.objs.values()];
  }

  lookupByName(name: string): PoolObj {
    for (const o of this.objs.values()) if (o.name === name) return o;
    throw noPoolByName(name);
  }

  lookupByUuid(uuid: string): PoolObj {
    const o = this.objs.get(uuid.toLowerCase());
    if (!o) throw noPoolByUuid(uuid);
    return o;
  }

  /** The pool whose directory holds `path`, if any. */
  poolOfPath(path: string): PoolObj | undefined {
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    return this.list().find((p) => p.path === dir);
  }

  async defineXML(xml: string): Promise<PoolObj> {
    const def = parseStoragePoolXML(xml);
    checkUniqueDefinition('pool', def, this.list());
    this.checkTargetFree(def);
    const existing = this.objs.get(def.uuid);
    if (existing?.active && existing.def.target.path !== def.target.path) {
      throw operationInvalid(`storage pool '${def.name}' is active; its target path cannot change`, 'VIR_FROM_STORAGE');
    }
    const target = existing ?? new PoolObj(def, true);
    await this.save(target, def, target.autostart, target.active);
    target.def = def;
    target.persistent = true;
    this.objs.set(def.uuid, target);
    this.events.emit({ type: 'pool-lifecycle', name: def.name, uuid: def.uuid, event: 'defined' });
    return target;
  }

  /** pool-create: a transient pool, started at once. */
  async createXML(xml: string): Promise<PoolObj> {
    const def = parseStoragePoolXML(xml);
    checkUniqueDefinition('pool', def, this.list());
    this.checkTargetFree(def);
    if (this.objs.has(def.uuid)) throw operationInvalid(`storage pool '${def.name}' already exists`, 'VIR_FROM_STORAGE');
    const obj = new PoolObj(def, false);
    await this.checkDir(obj);
    obj.active = true;
    this.objs.set(def.uuid, obj);
    this.events.emit({ type: 'pool-lifecycle', name: def.name, uuid: def.uuid, event: 'started' });
    return obj;
  }

  private checkTargetFree(def: StoragePoolDef): void {
    const path = def.target.path.replace(/\/+$/, '') || '/';
    const other = this.list().find((p) => p.uuid !== def.uuid && p.path === path);
    if (other) {
      throw new VirError('VIR_ERR_OPERATION_FAILED',
        `Storage source conflict with pool: '${other.name}'`, 'VIR_FROM_STORAGE');
    }
  }

  async build(obj: PoolObj): Promise<void> {
    if (obj.active) throw operationInvalid(`storage pool '${obj.name}' is already active`, 'VIR_FROM_STORAGE');
    try {
      await this.host.makeDir(obj.path);
    } catch (e) {
      throw wrapError(e, `cannot create path '${obj.path}'`, 'VIR_FROM_STORAGE');
    }
  }

  async start(obj: PoolObj, build = false): Promise<void> {
    if (obj.active) throw operationInvalid(`storage pool '${obj.name}' is already active`, 'VIR_FROM_STORAGE');
    if (build && !(await this.host.dirExists(obj.path))) await this.build(obj);
    await this.checkDir(obj);
    if (obj.persistent) await this.save(obj, obj.def, obj.autostart, true);
    obj.active = true;
    this.events.emit({ type: 'pool-lifecycle', name: obj.name, uuid: obj.uuid, event: 'started' });
  }

  private async checkDir(obj: PoolObj): Promise<void> {
    if (!(await this.host.dirExists(obj.path))) {
      throw new VirError('VIR_ERR_SYSTEM_ERROR', `cannot open directory '${obj.path}': No such file or directory`, 'VIR_FROM_STORAGE');
    }
  }

  async destroy(obj: PoolObj): Promise<void> {
    this.checkActive(obj);
    if (obj.persistent) await this.save(obj, obj.def, obj.autostart, false);
    obj.active = false;
    if (!obj.persistent) this.objs.delete(obj.uuid);
    this.events.emit({ type: 'pool-lifecycle', name: obj.name, uuid: obj.uuid, event: 'stopped' });
  }

  async undefine(obj: PoolObj): Promise<void> {
    if (obj.active) throw operationInvalid(`storage pool '${obj.name}' is still active`, 'VIR_FROM_STORAGE');
    if (!obj.persistent) throw operationInvalid(`storage pool '${obj.name}' is transient`, 'VIR_FROM_STORAGE');
    await removeRecord(this.store, 'pool', obj);
    this.objs.delete(obj.uuid);
    this.events.emit({ type: 'pool-lifecycle', name: obj.name, uuid: obj.uuid, event: 'undefined' });
  }

  async refresh(obj: PoolObj): Promise<void> {
    this.checkActive(obj);
    await this.checkDir(obj);
  }

  async setAutostart(obj: PoolObj, autostart: boolean): Promise<void> {
    if (!obj.persistent) throw operationInvalid('cannot set autostart for transient pool', 'VIR_FROM_STORAGE');
    await this.save(obj, obj.def, autostart, obj.active);
    obj.autostart = autostart;
  }

  async autostartAll(): Promise<void> {
    for (const p of this.list()) {
      if (p.autostart && !p.active) await this.start(p).catch(() => undefined);
    }
  }

  async info(obj: PoolObj): Promise<PoolInfo> {
    if (!obj.active) return { state: PoolState.Inactive, capacity: 0, allocation: 0, available: 0 };
    const space = await this.host.space(obj.path);
    return { state: PoolState.Running, ...space };
  }

  async xmlDesc(obj: PoolObj, inactive = false): Promise<string> {
    const info = await this.info(obj);
    const def: StoragePoolDef = { ...obj.def, capacity: info.capacity, allocation: info.allocation, available: info.available };
    return formatStoragePoolXML(inactive ? obj.def : def);
  }

  checkActive(obj: PoolObj): void {
    if (!obj.active) throw operationInvalid(`storage pool '${obj.name}' is not active`, 'VIR_FROM_STORAGE');
  }

  private async save(obj: PoolObj, def: StoragePoolDef, autostart: boolean, active: boolean): Promise<void> {
    await persistRecord(this.store, 'pool', obj, () => ({
      kind: 'pool', uuid: def.uuid, name: def.name, xml: formatStoragePoolXML({ ...def, capacity: 0, allocation: 0, available: 0 }),
      autostart, active,
    }));
  }
}
