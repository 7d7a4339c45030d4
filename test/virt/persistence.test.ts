// persistence.test.ts — definitions survive a restart: a new Connect on the
// same Node state directory, and a "reload" of the browser store
// (fake-indexeddb); two tabs defining and changing at once lose nothing.
import 'fake-indexeddb/auto';
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirStateStore } from '../../src/virt/store/node.js';
import { IdbStateStore } from '../../src/virt/store/idb.js';
import { MemoryStoreProvider } from '../../src/vmm/block/index.js';
import { makeEnv, session, domainXml, type Env } from './harness.js';
import { FILES } from './golden-files.js';
import { settle } from './fake-hypervisor.js';
import type { StateStore } from '../../src/virt/store/types.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** Defines a bit of everything, changes some of it, and returns the listing to compare after a restart. */
async function populate(env: Env): Promise<string> {
  for (const [k, v] of Object.entries(FILES)) env.files.set(k, v);
  const s = session(env);
  await s.run('define vm1.xml', 'define web.xml', 'autostart vm1', 'setvcpus web-server 3 --config',
    'net-define net.xml', 'net-start default', 'net-autostart default', 'net-define isolated.xml',
    'pool-define pool.xml', 'pool-build default', 'pool-start default', 'vol-create-as default a.qcow2 1G --format qcow2',
    'create transient.xml', 'start vm1');
  expect(s.stderr()).toBe('');
  const listing = await s.run('list --all', 'net-list --all', 'pool-list --all', 'vol-list default', 'dominfo web-server');
  await s.vsh.close();
  return listing;
}

const AFTER_RESTART = [
  // Running VMs do not survive the process; the transient one is gone, the persistent ones are shut off.
  ' Id   Name         State\n-----------------------------\n -    vm1          shut off\n -    web-server   shut off\n\n',
  ' Name       State      Autostart   Persistent\n' + '-'.repeat(47) + '\n' + ' default    active     yes         yes\n isolated   inactive   no          yes\n\n',
  ' Name      State    Autostart\n-------------------------------\n default   active   no\n\n',
].join('');

async function afterRestart(env: Env): Promise<void> {
  const s = session(env);
  const out = await s.run('list --all', 'net-list --all', 'pool-list --all');
  expect(out).toBe(AFTER_RESTART);
  expect(await s.run('vol-list default')).toContain('a.qcow2');
  expect(await s.run('dominfo vm1')).toContain('Autostart:      enable');
  expect(await s.run('dominfo web-server')).toContain('CPU(s):         3');
  expect(await s.run('dumpxml web-server --inactive')).toContain("<vcpu placement='static' current='3'>4</vcpu>");
  await s.vsh.close();
}

describe('persistence across a restart', () => {
  it('Node: a new Connect on the same state directory finds every definition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-persist-'));
    dirs.push(dir);
    const blocks = new MemoryStoreProvider();
    await populate(makeEnv(await DirStateStore.open(dir), blocks));
    await afterRestart(makeEnv(await DirStateStore.open(dir), blocks));
  });

  it('browser: a reload (new IdbStateStore on the same database) finds every definition', async () => {
    const blocks = new MemoryStoreProvider();
    await populate(makeEnv(await IdbStateStore.open('persist-reload'), blocks));
    await afterRestart(makeEnv(await IdbStateStore.open('persist-reload'), blocks));
  });

  it('autostart starts marked networks, pools and domains when asked (page load / daemon start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-persist-'));
    dirs.push(dir);
    const blocks = new MemoryStoreProvider();
    await populate(makeEnv(await DirStateStore.open(dir), blocks));
    const env = makeEnv(await DirStateStore.open(dir), blocks);
    const { Connect } = await import('../../src/virt/driver/connect.js');
    const { PrefixStorageHost } = await import('../../src/virt/driver/storage-host.js');
    const conn = await Connect.open({
      store: env.store, hypervisor: env.hv, autostart: true,
      storage: new PrefixStorageHost(blocks, async () => ({ quota: 1, usage: 0 })),
    });
    expect(conn.domains.lookupByName('vm1').isActive()).toBe(true);
    expect(conn.domains.lookupByName('web-server').isActive()).toBe(false);
    await conn.close();
  });
});

describe('two tabs at once', () => {
  async function twoTabs(open: () => Promise<StateStore>): Promise<void> {
    const blocks = new MemoryStoreProvider();
    const envA = makeEnv(await open(), blocks);
    const envB = makeEnv(await open(), blocks);
    const files = {
      'one.xml': domainXml('one', { uuid: '11111111-0000-4000-8000-000000000001' }),
      'two.xml': domainXml('two', { uuid: '22222222-0000-4000-8000-000000000002' }),
      'one-big.xml': domainXml('one', { uuid: '11111111-0000-4000-8000-000000000001', memory: 524288 }),
      'clash.xml': domainXml('one', { uuid: '33333333-0000-4000-8000-000000000003' }),
    };
    for (const env of [envA, envB]) for (const [k, v] of Object.entries(files)) env.files.set(k, v);
    const a = session(envA);
    const b = session(envB);
    // Both tabs connect before either defines anything: each holds a stale view.
    await a.vsh.conn();
    await b.vsh.conn();
    await Promise.all([a.vsh.runLine('define one.xml'), b.vsh.runLine('define two.xml')]);
    await settle();
    await settle();
    expect(await a.run('list --all --name')).toBe('one\ntwo\n\n');
    expect(await b.run('list --all --name')).toBe('one\ntwo\n\n');
    // Tab B marks 'one' autostart; tab A (which last saw 'one' before that) redefines it.
    await b.run('autostart one');
    await a.run('define one-big.xml');
    await settle();
    const fresh = session(makeEnv(await open(), blocks));
    expect(await fresh.run('dominfo one')).toMatch(/Max memory:     524288 KiB[\s\S]*Autostart:      enable/);
    // A name taken in another tab is refused with libvirt's error, nothing defined.
    const out = await b.run('define clash.xml');
    expect(out).toContain("error: operation failed: domain 'one' already exists with uuid 11111111-0000-4000-8000-000000000001");
    expect(await fresh.run('list --all --name')).toBe('one\ntwo\n\n');
    for (const s of [a, b, fresh]) await s.vsh.close();
  }

  it('directory store (two processes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-tabs-'));
    dirs.push(dir);
    await twoTabs(() => DirStateStore.open(dir));
  });

  it('IndexedDB store (two tabs)', async () => {
    await twoTabs(() => IdbStateStore.open('two-tabs'));
  });
});

describe('one uuid, two names in two tabs', () => {
  it('refuses the second name with libvirt\'s "already defined with uuid"', async () => {
    const store = await IdbStateStore.open('uuid-clash');
    const blocks = new MemoryStoreProvider();
    const a = makeEnv(store, blocks);
    const b = makeEnv(await IdbStateStore.open('uuid-clash'), blocks);
    const ca = await a.open();
    const cb = await b.open();
    await ca.domains.defineXML(domainXml('first', { uuid: '44444444-0000-4000-8000-000000000004' }));
    await expect(cb.domains.defineXML(domainXml('second', { uuid: '44444444-0000-4000-8000-000000000004' })))
      .rejects.toThrow("operation failed: domain 'first' is already defined with uuid 44444444-0000-4000-8000-000000000004");
    expect((await store.list('domain')).map((r) => r.name)).toEqual(['first']);
    await ca.close();
    await cb.close();
  });
});
