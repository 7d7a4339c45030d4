/*
 * memory.ts — a StateStore kept in memory: for tests and for a session that
 * should leave nothing behind (wasmvirt:///session?state=memory). Same
 * contract as the IndexedDB and directory stores (see types.ts); two
 * MemoryStateStore views over one MemoryStateBackend behave like two tabs.
 */
import {
  type ConfigKind, type ConfigRecord, type ConfigWrite, type StateStore, checkPut, checkRemove,
} from './types.js';

type Listener = (kind: ConfigKind, uuid: string, from: MemoryStateStore) => void;

/** The shared "disk" of memory stores. */
export class MemoryStateBackend {
  readonly records = new Map<string, ConfigRecord>();
  readonly listeners = new Set<Listener>();
}

export class MemoryStateStore implements StateStore {
  readonly description = 'memory';
  private readonly unsubs: Array<() => void> = [];

  constructor(private readonly backend = new MemoryStateBackend()) {}

  async list(kind: ConfigKind): Promise<ConfigRecord[]> {
    return [...this.backend.records.values()].filter((r) => r.kind === kind).map((r) => ({ ...r }));
  }

  async get(kind: ConfigKind, uuid: string): Promise<ConfigRecord | undefined> {
    const r = this.backend.records.get(`${kind}/${uuid}`);
    return r && { ...r };
  }

  async put(rec: ConfigWrite, expectedVersion: number): Promise<number> {
    const version = checkPut(await this.list(rec.kind), rec, expectedVersion);
    this.backend.records.set(`${rec.kind}/${rec.uuid}`, { ...rec, version });
    this.notify(rec.kind, rec.uuid);
    return version;
  }

  async remove(kind: ConfigKind, uuid: string, expectedVersion: number): Promise<void> {
    checkRemove(await this.get(kind, uuid), kind, uuid, expectedVersion);
    this.backend.records.delete(`${kind}/${uuid}`);
    this.notify(kind, uuid);
  }

  onChange(listener: (kind: ConfigKind, uuid: string) => void): () => void {
    const l: Listener = (k, u, from) => {
      if (from !== this) listener(k, u);
    };
    this.backend.listeners.add(l);
    const off = () => this.backend.listeners.delete(l);
    this.unsubs.push(off);
    return off;
  }

  private notify(kind: ConfigKind, uuid: string): void {
    for (const l of [...this.backend.listeners]) l(kind, uuid, this);
  }

  async close(): Promise<void> {
    this.unsubs.forEach((f) => f());
  }
}
