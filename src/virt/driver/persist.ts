/*
 * persist.ts — writing a definition to the StateStore with compare-and-set
 * and merge-on-conflict, the way the driver keeps two tabs from losing each
 * other's changes.
 *
 * A write is a function of the record as currently stored: when the store
 * reports that another writer got there first (StoreConflict 'version'), the
 * fresh record is read and the write is recomputed on top of it (a define keeps
 * the other side's autostart flag; an autostart change keeps the other side's
 * XML). A name taken by another uuid becomes libvirt's "already exists with uuid",
 * a uuid stored under another name its "is already defined with uuid".
 */
import { duplicateNameError, duplicateUuidError, type DefinitionKind } from '../conf/index.js';
import type { ConfigKind, ConfigRecord, ConfigWrite, StateStore } from '../store/types.js';
import { StoreConflict } from '../store/types.js';
import { operationFailed } from './errors.js';

export interface Persisted {
  version: number;
}

const ATTEMPTS = 4;

export async function persistRecord(
  store: StateStore,
  kind: ConfigKind,
  obj: Persisted & { uuid: string },
  write: (current: ConfigRecord | undefined) => ConfigWrite,
): Promise<ConfigWrite> {
  let current = await store.get(kind, obj.uuid);
  let expected = current?.version ?? 0;
  for (let attempt = 0; ; attempt++) {
    const rec = write(current);
    if (current && current.name !== rec.name) throw duplicateUuidError(kind as DefinitionKind, current.name, current.uuid);
    try {
      obj.version = await store.put(rec, expected);
      return rec;
    } catch (e) {
      if (!(e instanceof StoreConflict)) throw operationFailed(`cannot save ${kind} '${rec.name}': ${(e as Error).message}`);
      if (e.reason === 'name') throw duplicateNameError(kind as DefinitionKind, rec.name, e.holder);
      if (attempt + 1 >= ATTEMPTS) throw operationFailed(`${kind} '${rec.name}' keeps being changed by another writer`);
      current = await store.get(kind, obj.uuid);
      expected = current?.version ?? 0;
    }
  }
}

export async function removeRecord(store: StateStore, kind: ConfigKind, obj: Persisted & { uuid: string; name: string }): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await store.get(kind, obj.uuid);
    if (!current) {
      obj.version = 0;
      return;
    }
    try {
      await store.remove(kind, obj.uuid, current.version);
      obj.version = 0;
      return;
    } catch (e) {
      if (!(e instanceof StoreConflict)) throw operationFailed(`cannot remove ${kind} '${obj.name}': ${(e as Error).message}`);
    }
  }
  throw operationFailed(`${kind} '${obj.name}' keeps being changed by another writer`);
}
