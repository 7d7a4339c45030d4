/*
 * domains.ts — the domain half of the driver (libvirt's qemu driver + virdomainobjlist):
 * lookup, define/undefine, create, the lifecycle calls, and the live/config setters.
 *
 * Invariants:
 *  - Nothing changes (in memory or in the store) when a call fails.
 *  - Names and uuids are unique across every domain this connection knows,
 *    persistent or transient (checkUniqueDefinition, then the store's own check
 *    against other tabs/processes).
 *  - The store holds the persistent definition of every persistent domain and
 *    its autostart flag; running state is never stored (VMs die with the process).
 */
import {
  checkUniqueDefinition, formatDomainXML, parseDomainXML, type DomainDef,
} from '../conf/index.js';
import { copyDomainDef } from '../conf/domain/copy.js';
import type { StateStore } from '../store/types.js';
import type { EventBus } from './events.js';
import { DomainObj } from './domain-obj.js';
import { Lifecycle, type LifecycleHost } from './lifecycle.js';
import { persistRecord, removeRecord } from './persist.js';
import { DomainEventType, DomainState, EventDetail } from './states.js';
import {
  invalidArg, noDomainById, noDomainByName, noDomainByUuid, operationInvalid,
} from './errors.js';

export interface DomainInfo {
  state: DomainState;
  /** KiB */
  maxMem: number;
  /** KiB */
  memory: number;
  nrVirtCpu: number;
  cpuTimeNs: number;
}

export class DomainDriver {
  private readonly objs = new Map<string, DomainObj>();
  readonly lifecycle: Lifecycle;

  constructor(
    private readonly store: StateStore,
    private readonly events: EventBus,
    host: Omit<LifecycleHost, 'forget' | 'cloneDef' | 'events'>,
  ) {
    this.lifecycle = new Lifecycle({
      ...host,
      events,
      cloneDef: (d) => copyDomainDef(d),
      forget: (obj) => {
        if (this.objs.get(obj.uuid) === obj) this.objs.delete(obj.uuid);
      },
    });
  }

  /** Loads every stored persistent domain (all shut off). */
  async load(): Promise<void> {
    for (const rec of await this.store.list('domain')) this.applyRecord(rec.uuid, rec);
  }

  /** Another tab/process changed the stored definition of `uuid`. */
  async reload(uuid: string): Promise<void> {
    this.applyRecord(uuid, await this.store.get('domain', uuid));
  }

  private applyRecord(uuid: string, rec: { xml: string; autostart: boolean; version: number } | undefined): void {
    const obj = this.objs.get(uuid);
    if (!rec) {
      if (!obj || !obj.persistent) return;
      obj.version = 0;
      if (obj.isActive()) {
        obj.persistent = false;
        obj.newDef = undefined;
      } else {
        this.objs.delete(uuid);
      }
      return;
    }
    if (obj && obj.version === rec.version) return;
    let def: DomainDef;
    try {
      def = parseDomainXML(rec.xml);
    } catch {
      return; /* a record this version cannot read is left alone in the store */
    }
    if (!obj) {
      const o = new DomainObj(def, true);
      o.autostart = rec.autostart;
      o.version = rec.version;
      this.objs.set(uuid, o);
      return;
    }
    if (obj.isActive()) obj.newDef = def;
    else obj.def = def;
    obj.persistent = true;
    obj.autostart = rec.autostart;
    obj.version = rec.version;
  }

  list(): DomainObj[] {
    return [...this.objs.values()];
  }

  lookupByName(name: string): DomainObj {
    for (const o of this.objs.values()) if (o.name === name) return o;
    throw noDomainByName(name);
  }

  lookupByUuid(uuid: string): DomainObj {
    const o = this.objs.get(uuid.toLowerCase());
    if (!o) throw noDomainByUuid(uuid);
    return o;
  }

  lookupById(id: number): DomainObj {
    for (const o of this.objs.values()) if (o.id === id && o.isActive()) return o;
    throw noDomainById(id);
  }

  /** virDomainDefineXML */
  async defineXML(xml: string): Promise<DomainObj> {
    const def = parseDomainXML(xml);
    checkUniqueDefinition('domain', def, this.list().map((o) => ({ name: o.name, uuid: o.uuid })));
    const existing = this.objs.get(def.uuid);
    const target = existing ?? new DomainObj(def, true);
    await persistRecord(this.store, 'domain', target, (cur) => ({
      kind: 'domain', uuid: def.uuid, name: def.name, xml: formatDomainXML(def, { inactive: true }),
      autostart: cur?.autostart ?? target.autostart,
    }));
    if (existing) {
      if (existing.isActive()) existing.newDef = def;
      else existing.def = def;
      existing.persistent = true;
    } else {
      this.objs.set(def.uuid, target);
    }
    this.emit(target, DomainEventType.Defined, existing ? EventDetail.defined.updated : EventDetail.defined.added);
    return target;
  }

  /** virDomainUndefine: a running domain becomes transient. */
  async undefine(obj: DomainObj): Promise<void> {
    if (!obj.persistent) throw operationInvalid('cannot undefine transient domain');
    await removeRecord(this.store, 'domain', obj);
    obj.autostart = false;
    if (obj.isActive()) {
      obj.persistent = false;
      obj.newDef = undefined;
    } else {
      this.objs.delete(obj.uuid);
    }
    this.emit(obj, DomainEventType.Undefined, EventDetail.undefined.removed);
  }

  /** virDomainCreateXML: a transient domain, started at once. */
  async createXML(xml: string, paused = false): Promise<DomainObj> {
    const def = parseDomainXML(xml);
    checkUniqueDefinition('domain', def, this.list().map((o) => ({ name: o.name, uuid: o.uuid })));
    const existing = this.objs.get(def.uuid);
    if (existing) {
      if (existing.isActive()) throw operationInvalid(`domain '${existing.name}' is already active`);
      const saved = existing.def;
      existing.def = def;
      try {
        await this.lifecycle.start(existing, paused);
      } catch (e) {
        existing.def = saved;
        throw e;
      }
      existing.newDef = saved;
      return existing;
    }
    const obj = new DomainObj(def, false);
    this.objs.set(def.uuid, obj);
    try {
      await this.lifecycle.start(obj, paused);
    } catch (e) {
      this.objs.delete(def.uuid);
      throw e;
    }
    return obj;
  }

  async start(obj: DomainObj, paused = false): Promise<void> {
    await this.lifecycle.start(obj, paused);
  }

  async setAutostart(obj: DomainObj, autostart: boolean): Promise<void> {
    if (!obj.persistent) throw operationInvalid('cannot set autostart for transient domain');
    if (obj.autostart === autostart) return;
    await persistRecord(this.store, 'domain', obj, (cur) => ({
      kind: 'domain', uuid: obj.uuid, name: obj.name,
      xml: cur?.xml ?? formatDomainXML(obj.configDef(), { inactive: true }), autostart,
    }));
    obj.autostart = autostart;
  }

  /** Starts every persistent domain marked autostart that is not running. */
  async autostartAll(): Promise<Array<{ name: string; error?: string }>> {
    const out: Array<{ name: string; error?: string }> = [];
    for (const o of this.list()) {
      if (!o.autostart || o.isActive()) continue;
      try {
        await this.lifecycle.start(o);
        out.push({ name: o.name });
      } catch (e) {
        out.push({ name: o.name, error: (e as Error).message });
      }
    }
    return out;
  }

  /** Saves a changed persistent definition (setvcpus --config, setmem --config …). */
  async saveConfig(obj: DomainObj, def: DomainDef): Promise<void> {
    await persistRecord(this.store, 'domain', obj, (cur) => ({
      kind: 'domain', uuid: obj.uuid, name: obj.name, xml: formatDomainXML(def, { inactive: true }),
      autostart: cur?.autostart ?? obj.autostart,
    }));
    if (obj.isActive()) obj.newDef = def;
    else obj.def = def;
  }

  xmlDesc(obj: DomainObj, inactive: boolean): string {
    if (inactive) return formatDomainXML(obj.configDef(), { inactive: true });
    return formatDomainXML(obj.def, { inactive: !obj.isActive() });
  }

  async info(obj: DomainObj): Promise<DomainInfo> {
    const def = obj.def;
    let memory = def.currentMemory;
    let cpuTimeNs = 0;
    let nrVirtCpu = def.vcpu.current ?? def.vcpu.max;
    if (obj.vm) {
      const st = await obj.vm.stats();
      cpuTimeNs = st.cpuTimeNs;
      memory = st.balloon.actualKiB || memory;
      nrVirtCpu = st.vcpus.filter((v) => v.online).length || nrVirtCpu;
    }
    return { state: obj.state, maxMem: def.memory, memory, nrVirtCpu, cpuTimeNs };
  }

  /** A copy of the definition to change, for the setters. */
  editable(def: DomainDef): DomainDef {
    return parseDomainXML(formatDomainXML(def, { inactive: true }));
  }

  checkVcpus(def: DomainDef, count: number, live: boolean): void {
    if (count < 1) throw invalidArg('vcpus count must be at least 1');
    if (count > def.vcpu.max) {
      throw invalidArg(`requested vcpus is greater than max allowable vcpus for the ${live ? 'live' : 'persistent'} domain: ${count} > ${def.vcpu.max}`);
    }
  }

  private emit(obj: DomainObj, event: DomainEventType, detail: number): void {
    this.events.emit({ type: 'domain-lifecycle', name: obj.name, uuid: obj.uuid, event, detail });
  }
}
