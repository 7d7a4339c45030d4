/*
 * types.ts — the persistent configuration store of the management layer: what
 * libvirt keeps under /etc/libvirt (domain, network and pool XML, autostart
 * links), here as records in IndexedDB (browser) or a state directory (Node).
 *
 * Invariants every implementation keeps (test/virt/store.test.ts):
 *  - A record is keyed by (kind, uuid); names are unique within a kind.
 *  - put()/remove() are compare-and-set on `version`: a write based on a stale
 *    read fails with StoreConflict('version') instead of overwriting a change
 *    made by another tab or process; a name taken by another uuid fails with
 *    StoreConflict('name'). Nothing is written when a check fails.
 *  - A write is atomic and durable when its promise resolves: after a crash the
 *    store holds either the old or the new record, never a mix.
 *  - onChange() listeners hear about writes made by *other* writers (other tabs,
 *    other processes), so a long-lived connection can reload.
 */

export type ConfigKind = 'domain' | 'network' | 'pool';

export interface ConfigRecord {
  kind: ConfigKind;
  uuid: string;
  name: string;
  /** The inactive (persistent) XML definition. */
  xml: string;
  autostart: boolean;
  /**
   * Pools and networks: active when last seen (libvirt keeps this under /run,
   * so a restarted daemon finds them still active). Unused for domains.
   */
  active?: boolean;
  /** 1 for the first write, +1 for every write after. */
  version: number;
}

export type ConfigWrite = Omit<ConfigRecord, 'version'>;

export class StoreConflict extends Error {
  constructor(
    readonly reason: 'version' | 'name',
    /** For 'name': the uuid that holds the name; for 'version': the stored version (0 = absent). */
    readonly holder: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreConflict';
  }
}

export interface StateStore {
  /** Where the state lives, for messages ("dir:/home/u/.local/share/wasmvirt", "idb:wasmvirt-state"). */
  readonly description: string;
  list(kind: ConfigKind): Promise<ConfigRecord[]>;
  get(kind: ConfigKind, uuid: string): Promise<ConfigRecord | undefined>;
  /**
   * Writes `rec` if the stored version is `expectedVersion` (0: the record must
   * not exist). Returns the new version.
   */
  put(rec: ConfigWrite, expectedVersion: number): Promise<number>;
  /** Removes the record if its stored version is `expectedVersion`. */
  remove(kind: ConfigKind, uuid: string, expectedVersion: number): Promise<void>;
  onChange(listener: (kind: ConfigKind, uuid: string) => void): () => void;
  close(): Promise<void>;
}

/** The checks every put() makes, given the records currently stored of that kind. */
export function checkPut(existing: ConfigRecord[], rec: ConfigWrite, expectedVersion: number): number {
  const cur = existing.find((r) => r.uuid === rec.uuid);
  const curVersion = cur?.version ?? 0;
  if (curVersion !== expectedVersion) {
    throw new StoreConflict('version', String(curVersion),
      `${rec.kind} '${rec.name}' was changed by another writer (stored version ${curVersion}, expected ${expectedVersion})`);
  }
  const clash = existing.find((r) => r.name === rec.name && r.uuid !== rec.uuid);
  if (clash) {
    throw new StoreConflict('name', clash.uuid, `${rec.kind} '${rec.name}' already exists with uuid ${clash.uuid}`);
  }
  return curVersion + 1;
}

export function checkRemove(cur: ConfigRecord | undefined, kind: ConfigKind, uuid: string, expectedVersion: number): void {
  const v = cur?.version ?? 0;
  if (v !== expectedVersion) {
    throw new StoreConflict('version', String(v),
      `${kind} ${uuid} was changed by another writer (stored version ${v}, expected ${expectedVersion})`);
  }
}
