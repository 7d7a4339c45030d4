/*
 * states.ts — domain states and reasons as libvirt reports them
 * (include/libvirt/libvirt-domain.h: virDomainState, virDomain*Reason) and
 * their wording in virsh (tools/virsh-domain-monitor.c), plus the lifecycle
 * event types (virDomainEventType and details).
 *
 * Invariant: the numeric values are libvirt's, so they can cross an API
 * boundary unchanged.
 */

export enum DomainState {
  NoState = 0,
  Running = 1,
  Blocked = 2,
  Paused = 3,
  Shutdown = 4,
  Shutoff = 5,
  Crashed = 6,
  PmSuspended = 7,
}

export enum RunningReason { Unknown = 0, Booted = 1, Migrated = 2, Restored = 3, FromSnapshot = 4, Unpaused = 5,
  MigrationCanceled = 6, SaveCanceled = 7, Wakeup = 8, Crashed = 9, Postcopy = 10, PostcopyFailed = 11 }
export enum PausedReason { Unknown = 0, User = 1, Migration = 2, Save = 3, Dump = 4, IoError = 5, Watchdog = 6,
  FromSnapshot = 7, ShuttingDown = 8, Snapshot = 9, Crashed = 10, StartingUp = 11, Postcopy = 12, PostcopyFailed = 13,
  ApiError = 14 }
export enum ShutdownReason { Unknown = 0, User = 1 }
export enum ShutoffReason { Unknown = 0, Shutdown = 1, Destroyed = 2, Crashed = 3, Migrated = 4, Saved = 5, Failed = 6,
  FromSnapshot = 7, Daemon = 8 }
export enum CrashedReason { Unknown = 0, Panicked = 1 }

const STATE_NAMES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'];

const REASON_NAMES: Record<DomainState, string[]> = {
  [DomainState.NoState]: ['unknown'],
  [DomainState.Running]: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused',
    'migration canceled', 'save canceled', 'event wakeup', 'crashed', 'post-copy', 'post-copy failed'],
  [DomainState.Blocked]: ['unknown'],
  [DomainState.Paused]: ['unknown', 'user', 'migrating', 'saving', 'dumping', 'I/O error', 'watchdog',
    'from snapshot', 'shutting down', 'creating snapshot', 'crashed', 'starting up', 'post-copy',
    'post-copy failed', 'api error'],
  [DomainState.Shutdown]: ['unknown', 'user'],
  [DomainState.Shutoff]: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed',
    'from snapshot', 'daemon'],
  [DomainState.Crashed]: ['unknown', 'panicked'],
  [DomainState.PmSuspended]: ['unknown'],
};

/** virshDomainStateToString */
export function stateName(state: DomainState): string {
  return STATE_NAMES[state] ?? 'no state';
}

/** virshDomainStateReasonToString */
export function reasonName(state: DomainState, reason: number): string {
  return REASON_NAMES[state]?.[reason] ?? 'unknown';
}

/** virDomainEventType */
export enum DomainEventType {
  Defined = 0, Undefined = 1, Started = 2, Suspended = 3, Resumed = 4, Stopped = 5, Shutdown = 6,
  PmSuspended = 7, Crashed = 8,
}

/** Details used here (virDomainEvent*DetailType). */
export const EventDetail = {
  defined: { added: 0, updated: 1 },
  undefined: { removed: 0 },
  started: { booted: 0 },
  suspended: { paused: 0 },
  resumed: { unpaused: 0 },
  stopped: { shutdown: 0, destroyed: 1, crashed: 2, failed: 5 },
  shutdown: { finished: 0, guest: 1, host: 2 },
  crashed: { panicked: 0 },
} as const;

/** True for states in which the domain is "active" (has an id, a VM or its remains). */
export function isActiveState(state: DomainState): boolean {
  return state !== DomainState.Shutoff && state !== DomainState.NoState;
}
