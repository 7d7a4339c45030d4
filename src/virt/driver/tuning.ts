/*
 * tuning.ts — changing a domain's resources, live and/or in its persistent
 * definition (virDomainSetVcpusFlags, virDomainSetMemoryFlags,
 * virDomainSetBlockIoTune), with the qemu driver's rules and wording.
 *
 * Invariants: a live change is made on the VM first and recorded in the live
 * definition only when the VM accepted it; a config change is stored before it
 * is visible; when both are asked, both are checked before either is made.
 */
import type { DiskDef, DiskIoTune, DomainDef } from '../conf/index.js';
import type { DomainDriver } from './domains.js';
import type { DomainObj } from './domain-obj.js';
import { invalidArg, operationInvalid } from './errors.js';
import { VirError } from '../error.js';

export interface Affect {
  live: boolean;
  config: boolean;
}

/** The iotune fields in the order virsh blkdeviotune prints them (qemuDomainGetBlockIoTune). */
export const IOTUNE_FIELDS = [
  'total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_iops_sec', 'read_iops_sec', 'write_iops_sec',
  'total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max', 'total_iops_sec_max', 'read_iops_sec_max',
  'write_iops_sec_max', 'total_bytes_sec_max_length', 'read_bytes_sec_max_length', 'write_bytes_sec_max_length',
  'total_iops_sec_max_length', 'read_iops_sec_max_length', 'write_iops_sec_max_length', 'size_iops_sec', 'group_name',
] as const;

export type IoTuneField = (typeof IOTUNE_FIELDS)[number];

export class Tuning {
  constructor(private readonly domains: DomainDriver) {}

  private check(obj: DomainObj, a: Affect): void {
    if (a.live && !obj.isActive()) throw operationInvalid('domain is not running');
    if (a.config && !obj.persistent) throw operationInvalid('cannot change persistent config of a transient domain');
  }

  async setVcpus(obj: DomainObj, count: number, a: Affect, maximum = false): Promise<void> {
    this.check(obj, a);
    if (maximum) {
      if (a.live) throw new VirError('VIR_ERR_INVALID_ARG', 'cannot change the maximum vcpu count of a running domain', 'VIR_FROM_DOMAIN');
      if (count < 1) throw invalidArg('vcpus count must be at least 1');
      const def = this.domains.editable(obj.configDef());
      def.vcpu.max = count;
      if (def.vcpu.current !== undefined && def.vcpu.current >= count) def.vcpu.current = undefined;
      await this.domains.saveConfig(obj, def);
      return;
    }
    if (a.live) this.domains.checkVcpus(obj.def, count, true);
    if (a.config) this.domains.checkVcpus(obj.configDef(), count, false);
    if (a.live) {
      await this.domains.lifecycle.running(obj).setVcpus(count);
      obj.def.vcpu.current = count === obj.def.vcpu.max ? undefined : count;
    }
    if (a.config) {
      const def = this.domains.editable(obj.configDef());
      def.vcpu.current = count === def.vcpu.max ? undefined : count;
      await this.domains.saveConfig(obj, def);
    }
  }

  /** setmem: the balloon target (live) and/or <currentMemory> (config), KiB. */
  async setMemory(obj: DomainObj, kib: number, a: Affect): Promise<void> {
    this.check(obj, a);
    if (a.live && kib > obj.def.memory) throw invalidArg('cannot set memory higher than max memory');
    if (a.config && kib > obj.configDef().memory) throw invalidArg('cannot set memory higher than max memory');
    if (a.live) {
      await this.domains.lifecycle.running(obj).setMemory(kib);
      obj.def.currentMemory = kib;
    }
    if (a.config) {
      const def = this.domains.editable(obj.configDef());
      def.currentMemory = kib;
      await this.domains.saveConfig(obj, def);
    }
  }

  /** setmaxmem: <memory> of the persistent definition only. */
  async setMaxMemory(obj: DomainObj, kib: number, a: Affect): Promise<void> {
    this.check(obj, a);
    if (a.live) throw operationInvalid('cannot resize the maximum memory on an active domain');
    if (kib <= 0) throw invalidArg('memory size must be greater than zero');
    const def = this.domains.editable(obj.configDef());
    def.memory = kib;
    if (def.currentMemory > kib) def.currentMemory = kib;
    await this.domains.saveConfig(obj, def);
  }

  /** The disk named by target ("vda") or source path. */
  findDisk(def: DomainDef, name: string): DiskDef {
    const d = def.devices.disks.find((x) => x.target.dev === name || (x.source.type === 'file' && x.source.file === name));
    if (!d) throw invalidArg(`disk '${name}' was not found in the domain config`);
    return d;
  }

  getIoTune(obj: DomainObj, disk: string, a: Affect): DiskIoTune {
    const def = a.config && !a.live ? obj.configDef() : obj.def;
    return { ...(this.findDisk(def, disk).iotune ?? {}) };
  }

  async setIoTune(obj: DomainObj, disk: string, change: Partial<DiskIoTune>, a: Affect): Promise<void> {
    this.check(obj, a);
    const liveDisk = a.live ? this.findDisk(obj.def, disk) : undefined;
    const cfgDef = a.config ? this.domains.editable(obj.configDef()) : undefined;
    const cfgDisk = cfgDef ? this.findDisk(cfgDef, disk) : undefined;
    const merged = (cur: DiskIoTune | undefined) => mergeIoTune(cur ?? {}, change);
    const liveTune = liveDisk ? merged(liveDisk.iotune) : undefined;
    const cfgTune = cfgDisk ? merged(cfgDisk.iotune) : undefined;
    if (liveDisk && liveTune) {
      await this.domains.lifecycle.running(obj).setBlockIoTune(liveDisk.target.dev, liveTune);
      liveDisk.iotune = isEmpty(liveTune) ? undefined : liveTune;
    }
    if (cfgDef && cfgDisk && cfgTune) {
      cfgDisk.iotune = isEmpty(cfgTune) ? undefined : cfgTune;
      await this.domains.saveConfig(obj, cfgDef);
    }
  }
}

/** Applies a change as qemu does: setting total_* clears read_/write_* and the reverse; 0 clears. */
export function mergeIoTune(cur: DiskIoTune, change: Partial<DiskIoTune>): DiskIoTune {
  for (const kind of ['bytes_sec', 'iops_sec', 'bytes_sec_max', 'iops_sec_max'] as const) {
    const t = change[`total_${kind}`];
    const r = change[`read_${kind}`];
    const w = change[`write_${kind}`];
    if (t !== undefined && ((r ?? 0) > 0 || (w ?? 0) > 0) && t > 0) {
      throw invalidArg(`total and read/write of ${kind} cannot be set at the same time`);
    }
  }
  const out: DiskIoTune = { ...cur };
  const rec = out as Record<string, number | string | undefined>;
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    const m = /^(total|read|write)_(.*)$/.exec(k);
    if (m && typeof v === 'number' && v > 0) {
      if (m[1] === 'total') {
        delete rec[`read_${m[2]}`];
        delete rec[`write_${m[2]}`];
      } else {
        delete rec[`total_${m[2]}`];
      }
    }
    if (v === 0 || v === '') delete rec[k];
    else rec[k] = v;
  }
  for (const kind of ['bytes_sec', 'iops_sec'] as const) {
    for (const dir of ['total', 'read', 'write'] as const) {
      const max = out[`${dir}_${kind}_max`];
      const base = out[`${dir}_${kind}`];
      if (max && !base) throw invalidArg(`${dir}_${kind}_max cannot be set without ${dir}_${kind}`);
      if (max && base && max < base) throw invalidArg(`value '${dir}_${kind}_max' cannot be smaller than '${dir}_${kind}'`);
    }
  }
  return out;
}

function isEmpty(t: DiskIoTune): boolean {
  return Object.values(t).every((v) => v === undefined);
}
