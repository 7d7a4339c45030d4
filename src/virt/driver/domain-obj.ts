/*
 * domain-obj.ts — one domain as the driver holds it (libvirt's virDomainObj):
 * its definitions, persistence, state and reason, id, and the running VM.
 *
 * Invariants:
 *  - `def` is the live definition while active, the persistent one otherwise;
 *    `newDef` (only while active and persistent) is the persistent definition
 *    that takes effect at the next start (virsh dumpxml --inactive shows it).
 *  - id >= 1 exactly while the domain is active; -1 otherwise.
 *  - a transient domain (persistent false) exists only while active.
 *  - `version` is the stored record's version (0: not stored), used for the
 *    store's compare-and-set.
 */
import type { DomainDef } from '../conf/index.js';
import type { ResolvedDisk, RunningVm, StopCause } from '../hypervisor.js';
import { DomainState, isActiveState } from './states.js';

export class DomainObj {
  def: DomainDef;
  newDef: DomainDef | undefined;
  persistent: boolean;
  autostart = false;
  version = 0;
  state = DomainState.Shutoff;
  reason = 0;
  id = -1;
  vm: RunningVm | undefined;
  /** When the running VM started (Date.now() ms; its uptime), undefined while shut off. */
  startTime: number | undefined;
  /** The disks as resolved for the running VM (volume sources turned into paths). */
  disks: ResolvedDisk[] = [];
  /** Why the VM last stopped by itself (a crash's reason for the UI), if it did. */
  lastStop: { cause: StopCause; detail?: string } | undefined;
  /** Bumped at every start and stop: hook calls from an older VM instance are ignored. */
  generation = 0;

  constructor(def: DomainDef, persistent: boolean) {
    this.def = def;
    this.persistent = persistent;
  }

  get name(): string {
    return this.def.name;
  }

  get uuid(): string {
    return this.def.uuid;
  }

  isActive(): boolean {
    return isActiveState(this.state);
  }

  /** The persistent definition (what `dumpxml --inactive` shows). */
  configDef(): DomainDef {
    return this.newDef ?? this.def;
  }

  setState(state: DomainState, reason: number): void {
    this.state = state;
    this.reason = reason;
  }
}
