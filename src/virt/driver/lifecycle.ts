/*
 * lifecycle.ts — starting and stopping domains, and what happens when the
 * guest acts on its own: libvirt's qemuProcessStart/qemuProcessStop and the
 * on_poweroff / on_reboot / on_crash policies (formatdomain.html#events-configuration).
 *
 * Policies:
 *  - guest power-off:  on_poweroff destroy|preserve -> shut off (shutdown);
 *                      restart|rename-restart -> started again.
 *  - guest reset:      on_reboot restart -> the machine resets in place (noReboot
 *                      unset); destroy|preserve -> shut off (shutdown).
 *  - crash:            destroy|coredump-destroy -> shut off (crashed);
 *                      restart|coredump-restart|rename-restart -> started again;
 *                      preserve -> state crashed (panicked), id kept, until destroy.
 * A transient domain disappears when it stops; a persistent one picks up its
 * pending definition (newDef).
 */
import type { DomainDef } from '../conf/index.js';
import type { Hypervisor, ResolvedDisk, ResolvedInterface, StopCause } from '../hypervisor.js';
import { VirError } from '../error.js';
import type { DomainObj } from './domain-obj.js';
import type { EventBus } from './events.js';
import {
  CrashedReason, DomainEventType, DomainState, EventDetail, PausedReason, RunningReason, ShutoffReason,
} from './states.js';
import { internal, notRunning, operationInvalid } from './errors.js';

/** What the lifecycle needs from the rest of the driver. */
export interface LifecycleHost {
  hypervisor: Hypervisor;
  events: EventBus;
  /** A deep copy of a definition (format + parse). */
  cloneDef(def: DomainDef): DomainDef;
  resolveDisks(def: DomainDef): Promise<ResolvedDisk[]>;
  /** Plugs the interfaces into their networks; fills <target dev>. */
  plugInterfaces(def: DomainDef): Promise<ResolvedInterface[]>;
  unplugInterfaces(def: DomainDef): void;
  /** A transient domain stopped: forget it. */
  forget(obj: DomainObj): void;
}

export class Lifecycle {
  private nextId = 1;

  constructor(private readonly host: LifecycleHost) {}

  /** qemuProcessStart: resolve, start the VM, move to running (booted) or paused (user). */
  async start(obj: DomainObj, paused = false): Promise<void> {
    if (obj.isActive()) throw operationInvalid('domain is already running');
    const live = this.host.cloneDef(obj.def);
    const disks = await this.host.resolveDisks(live);
    const ifaces = await this.host.plugInterfaces(live);
    const id = this.nextId++;
    live.id = id;
    const generation = ++obj.generation;
    const hooks = {
      stopped: (cause: StopCause, detail?: string) => {
        if (obj.generation === generation) void this.guestStopped(obj, cause, detail);
      },
      reset: () => {
        if (obj.generation === generation) this.host.events.emit({ type: 'domain-reboot', name: obj.name, uuid: obj.uuid });
      },
    };
    try {
      obj.vm = await this.host.hypervisor.start(live, {
        disks, interfaces: ifaces, paused, noReboot: !isRestart(obj.def.onReboot),
      }, hooks);
    } catch (e) {
      obj.generation++;
      this.host.unplugInterfaces(live);
      if (e instanceof VirError) throw e;
      throw internal(`failed to start domain '${obj.name}': ${(e as Error).message}`);
    }
    if (obj.persistent) obj.newDef = obj.def;
    obj.def = live;
    obj.id = id;
    obj.startTime = Date.now();
    obj.disks = disks;
    if (paused) obj.setState(DomainState.Paused, PausedReason.User);
    else obj.setState(DomainState.Running, RunningReason.Booted);
    this.emit(obj, DomainEventType.Started, EventDetail.started.booted);
    if (paused) this.emit(obj, DomainEventType.Suspended, EventDetail.suspended.paused);
  }

  /** virDomainDestroy: power cut. */
  async destroy(obj: DomainObj): Promise<void> {
    if (!obj.isActive()) throw notRunning();
    const vm = obj.vm;
    obj.generation++;
    try {
      await vm?.destroy();
    } catch {
      /* the VM is gone already (its worker died): nothing left to stop */
    }
    this.stopped(obj, ShutoffReason.Destroyed, EventDetail.stopped.destroyed);
  }

  async shutdown(obj: DomainObj): Promise<void> {
    const vm = this.running(obj);
    await vm.powerButton();
  }

  async reboot(obj: DomainObj): Promise<void> {
    const vm = this.running(obj);
    await vm.reboot();
  }

  async suspend(obj: DomainObj): Promise<void> {
    const vm = this.running(obj);
    if (obj.state === DomainState.Paused) return;
    await vm.pause();
    obj.setState(DomainState.Paused, PausedReason.User);
    this.emit(obj, DomainEventType.Suspended, EventDetail.suspended.paused);
  }

  async resume(obj: DomainObj): Promise<void> {
    const vm = this.running(obj);
    if (obj.state !== DomainState.Paused) return;
    await vm.resume();
    obj.setState(DomainState.Running, RunningReason.Unpaused);
    this.emit(obj, DomainEventType.Resumed, EventDetail.resumed.unpaused);
  }

  /** The running VM, or libvirt's "domain is not running". */
  running(obj: DomainObj) {
    if (!obj.isActive() || !obj.vm) throw notRunning();
    return obj.vm;
  }

  private async guestStopped(obj: DomainObj, cause: StopCause, detail?: string): Promise<void> {
    obj.generation++;
    obj.lastStop = { cause, detail };
    if (cause === 'crash') {
      this.emit(obj, DomainEventType.Crashed, EventDetail.crashed.panicked);
      const action = obj.def.onCrash;
      if (action === 'preserve') {
        this.host.unplugInterfaces(obj.def);
        obj.vm = undefined;
        obj.setState(DomainState.Crashed, CrashedReason.Panicked);
        return;
      }
      await this.stopMaybeRestart(obj, ShutoffReason.Crashed, EventDetail.stopped.crashed, isRestart(action));
      return;
    }
    const action = cause === 'guest-poweroff' ? obj.def.onPoweroff : obj.def.onReboot;
    this.emit(obj, DomainEventType.Shutdown, EventDetail.shutdown.guest);
    await this.stopMaybeRestart(obj, ShutoffReason.Shutdown, EventDetail.stopped.shutdown,
      cause === 'guest-poweroff' && isRestart(action));
  }

  /** Stops; with `restart` boots it again (a transient domain is kept for that). */
  private async stopMaybeRestart(obj: DomainObj, reason: ShutoffReason, detail: number, restart: boolean): Promise<void> {
    this.stopped(obj, reason, detail, !restart);
    if (!restart) return;
    try {
      await this.start(obj);
    } catch {
      obj.setState(DomainState.Shutoff, ShutoffReason.Failed);
      if (!obj.persistent) this.host.forget(obj);
    }
  }

  /** qemuProcessStop's bookkeeping: shut off with a reason; transient domains go away. */
  private stopped(obj: DomainObj, reason: ShutoffReason, detail: number, forgetTransient = true): void {
    if (obj.state !== DomainState.Crashed) this.host.unplugInterfaces(obj.def); // a preserved crash unplugged already
    obj.vm = undefined;
    obj.disks = [];
    obj.id = -1;
    obj.startTime = undefined;
    obj.setState(DomainState.Shutoff, reason);
    if (obj.newDef) {
      obj.def = obj.newDef;
      obj.newDef = undefined;
    } else {
      delete obj.def.id;
    }
    this.emit(obj, DomainEventType.Stopped, detail);
    if (!obj.persistent && forgetTransient) this.host.forget(obj);
  }

  private emit(obj: DomainObj, event: DomainEventType, detail: number): void {
    this.host.events.emit({ type: 'domain-lifecycle', name: obj.name, uuid: obj.uuid, event, detail });
  }
}

function isRestart(action: string): boolean {
  return action === 'restart' || action === 'rename-restart' || action === 'coredump-restart';
}
