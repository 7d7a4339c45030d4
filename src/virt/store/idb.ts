/*
 * idb.ts — the StateStore in IndexedDB (browser), through `idb`.
 *
 * Database `wasmvirt-state` (name configurable), object store `configs` keyed by
 * "kind/uuid", index `kind`. Every put()/remove() runs its checks and its write
 * in ONE readwrite transaction over `configs`; IndexedDB runs overlapping
 * readwrite transactions one after another even across tabs, so two tabs
 * defining at once cannot both pass the version/name check: one of them gets
 * StoreConflict and nothing of the other is lost. After a commit the store
 * posts {kind, uuid} on a BroadcastChannel so the other tabs reload.
 */
import { openDB, type IDBPDatabase } from 'idb';
import {
  type ConfigKind, type ConfigRecord, type ConfigWrite, type StateStore, checkPut, checkRemove,
} from './types.js';

const STORE = 'configs';

interface StoredRecord extends ConfigRecord {
  key: string;
}

interface ChangeMessage {
  kind: ConfigKind;
  uuid: string;
  from: string;
}

export class IdbStateStore implements StateStore {
  readonly description: string;
  private readonly channel: BroadcastChannel | undefined;
  private readonly listeners = new Set<(kind: ConfigKind, uuid: string) => void>();
  private readonly instance = Math.random().toString(36).slice(2);

  private constructor(private readonly db: IDBPDatabase, name: string) {
    this.description = `idb:${name}`;
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(`wasmvirt-state:${name}`);
      this.channel.onmessage = (ev: MessageEvent<ChangeMessage>) => {
        const m = ev.data;
        if (!m || m.from === this.instance) return;
        for (const l of [...this.listeners]) l(m.kind, m.uuid);
      };
    }
  }

  /** Opens (creating if needed) the database on the global indexedDB. */
  static async open(name = 'wasmvirt-state'): Promise<IdbStateStore> {
    const db = await openDB(name, 1, {
      upgrade(db) {
        const s = db.createObjectStore(STORE, { keyPath: 'key' });
        s.createIndex('kind', 'kind');
      },
    });
    return new IdbStateStore(db, name);
  }

  async list(kind: ConfigKind): Promise<ConfigRecord[]> {
    const rows = (await this.db.getAllFromIndex(STORE, 'kind', kind)) as StoredRecord[];
    return rows.map(strip).sort((a, b) => a.uuid.localeCompare(b.uuid));
  }

  async get(kind: ConfigKind, uuid: string): Promise<ConfigRecord | undefined> {
    const r = (await this.db.get(STORE, `${kind}/${uuid}`)) as StoredRecord | undefined;
    return r && strip(r);
  }

  async put(rec: ConfigWrite, expectedVersion: number): Promise<number> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    let version = 0;
    try {
      const existing = ((await store.index('kind').getAll(rec.kind)) as StoredRecord[]).map(strip);
      version = checkPut(existing, rec, expectedVersion);
      await store.put({ ...rec, version, key: `${rec.kind}/${rec.uuid}` } satisfies StoredRecord);
      await tx.done;
    } catch (e) {
      abortQuietly(tx);
      throw e;
    }
    this.post(rec.kind, rec.uuid);
    return version;
  }

  async remove(kind: ConfigKind, uuid: string, expectedVersion: number): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    try {
      const cur = (await store.get(`${kind}/${uuid}`)) as StoredRecord | undefined;
      checkRemove(cur && strip(cur), kind, uuid, expectedVersion);
      await store.delete(`${kind}/${uuid}`);
      await tx.done;
    } catch (e) {
      abortQuietly(tx);
      throw e;
    }
    this.post(kind, uuid);
  }

  onChange(listener: (kind: ConfigKind, uuid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private post(kind: ConfigKind, uuid: string): void {
    this.channel?.postMessage({ kind, uuid, from: this.instance } satisfies ChangeMessage);
  }

  async close(): Promise<void> {
    this.channel?.close();
    this.listeners.clear();
    this.db.close();
  }
}

function strip(r: StoredRecord): ConfigRecord {
  const { key: _key, ...rest } = r;
  return rest;
}

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    /* already finished */
  }
}
