/*
 * events.ts — the connection's event bus: the twin of libvirt's
 * virConnectDomainEventRegisterAny (lifecycle, reboot), network and storage
 * pool lifecycle events. Listeners are called synchronously, in registration
 * order; a throwing listener does not stop the others.
 */
import type { DomainEventType } from './states.js';

export interface DomainLifecycleEvent {
  type: 'domain-lifecycle';
  name: string;
  uuid: string;
  event: DomainEventType;
  detail: number;
}

export interface DomainRebootEvent {
  type: 'domain-reboot';
  name: string;
  uuid: string;
}

/** virNetworkEventLifecycleType / virStoragePoolEventLifecycleType: defined, undefined, started, stopped. */
export interface ObjectLifecycleEvent {
  type: 'network-lifecycle' | 'pool-lifecycle';
  name: string;
  uuid: string;
  event: 'defined' | 'undefined' | 'started' | 'stopped' | 'created' | 'deleted';
}

/** Definitions changed behind this connection's back (another tab or process). */
export interface ReloadEvent {
  type: 'reload';
}

export type VirtEvent = DomainLifecycleEvent | DomainRebootEvent | ObjectLifecycleEvent | ReloadEvent;

export class EventBus {
  private readonly listeners = new Set<(e: VirtEvent) => void>();

  on(listener: (e: VirtEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: VirtEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}
