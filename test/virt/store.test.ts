// store.test.ts — the StateStore contract, run against the memory, directory
// (Node) and IndexedDB (fake-indexeddb) implementations: compare-and-set
// versions, name uniqueness, persistence across reopen, change notifications.
import 'fake-indexeddb/auto';
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStateBackend, MemoryStateStore } from '../../src/virt/store/memory.js';
import { DirStateStore, defaultStateDir } from '../../src/virt/store/node.js';
import { IdbStateStore } from '../../src/virt/store/idb.js';
import { StoreConflict, type StateStore } from '../../src/virt/store/types.js';

const U1 = '11111111-2222-3333-4444-555555555555';
const U2 = '66666666-7777-8888-9999-aaaaaaaaaaaa';
const rec = (uuid: string, name: string, xml = `<domain><name>${name}</name></domain>`) =>
  ({ kind: 'domain' as const, uuid, name, xml, autostart: false });

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

interface Flavour {
  name: string;
  /** Two views of the same state (two tabs / two processes). */
  pair(): Promise<[StateStore, StateStore, () => Promise<StateStore>]>;
}

let idbCount = 0;
const flavours: Flavour[] = [
  {
    name: 'memory',
    async pair() {
      const b = new MemoryStateBackend();
      return [new MemoryStateStore(b), new MemoryStateStore(b), async () => new MemoryStateStore(b)];
    },
  },
  {
    name: 'directory',
    async pair() {
      const d = mkdtempSync(join(tmpdir(), 'wasmvirt-state-'));
      dirs.push(d);
      return [await DirStateStore.open(d), await DirStateStore.open(d), () => DirStateStore.open(d)];
    },
  },
  {
    name: 'indexeddb',
    async pair() {
      const name = `state-test-${idbCount++}`;
      return [await IdbStateStore.open(name), await IdbStateStore.open(name), () => IdbStateStore.open(name)];
    },
  },
];

for (const f of flavours) {
  describe(`StateStore (${f.name})`, () => {
    it('stores, versions and survives a reopen', async () => {
      const [a, , reopen] = await f.pair();
      expect(await a.put(rec(U1, 'vm1'), 0)).toBe(1);
      expect(await a.put({ ...rec(U1, 'vm1'), autostart: true }, 1)).toBe(2);
      await a.close();
      const b = await reopen();
      const got = await b.get('domain', U1);
      expect(got).toMatchObject({ name: 'vm1', autostart: true, version: 2 });
      expect((await b.list('domain')).map((r) => r.name)).toEqual(['vm1']);
      expect(await b.list('network')).toEqual([]);
      await b.close();
    });

    it('refuses a write based on a stale version and keeps the other writer\'s change', async () => {
      const [a, b] = await f.pair();
      await a.put(rec(U1, 'vm1', '<v1/>'), 0);
      await a.put(rec(U1, 'vm1', '<from-a/>'), 1);
      await expect(b.put(rec(U1, 'vm1', '<from-b/>'), 1)).rejects.toBeInstanceOf(StoreConflict);
      expect((await b.get('domain', U1))?.xml).toBe('<from-a/>');
      await expect(b.remove('domain', U1, 1)).rejects.toMatchObject({ reason: 'version' });
      await b.remove('domain', U1, 2);
      expect(await a.get('domain', U1)).toBeUndefined();
      await a.close();
      await b.close();
    });

    it('keeps names unique per kind', async () => {
      const [a, b] = await f.pair();
      await a.put(rec(U1, 'same'), 0);
      const err = await b.put(rec(U2, 'same'), 0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreConflict);
      expect(err).toMatchObject({ reason: 'name', holder: U1 });
      expect((await a.list('domain')).length).toBe(1);
      await b.put({ ...rec(U2, 'same'), kind: 'network' }, 0);
      await a.close();
      await b.close();
    });

    it('two writers defining different objects concurrently lose neither', async () => {
      const [a, b] = await f.pair();
      await Promise.all([a.put(rec(U1, 'one'), 0), b.put(rec(U2, 'two'), 0)]);
      expect((await a.list('domain')).map((r) => r.name).sort()).toEqual(['one', 'two']);
      await a.close();
      await b.close();
    });

    it('tells the other writer about a change', async () => {
      const [a, b] = await f.pair();
      const heard = new Promise<string>((resolve) => b.onChange((_k, uuid) => resolve(uuid)));
      await a.put(rec(U1, 'vm1'), 0);
      expect(await heard).toBe(U1);
      await a.close();
      await b.close();
    });
  });
}

describe('DirStateStore files', () => {
  it('writes atomically (no temporary left) and skips a corrupt file without deleting it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wasmvirt-state-'));
    dirs.push(d);
    const s = await DirStateStore.open(d);
    await s.put(rec(U1, 'vm1'), 0);
    expect(readdirSync(join(d, 'domain'))).toEqual([`${U1}.json`]);
    writeFileSync(join(d, 'domain', `${U2}.json`), '{ not json');
    const warn = process.emitWarning;
    process.emitWarning = () => undefined;
    try {
      expect((await s.list('domain')).map((r) => r.name)).toEqual(['vm1']);
    } finally {
      process.emitWarning = warn;
    }
    expect(readdirSync(join(d, 'domain')).sort()).toEqual([`${U1}.json`, `${U2}.json`].sort());
  });

  it('defaults to $XDG_DATA_HOME/wasmvirt, else ~/.local/share/wasmvirt', () => {
    expect(defaultStateDir({ XDG_DATA_HOME: '/x/data', HOME: '/home/u' })).toBe('/x/data/wasmvirt');
    expect(defaultStateDir({ HOME: '/home/u' })).toBe('/home/u/.local/share/wasmvirt');
  });
});
