// platform.ts — the browser's backends for the management layer, chosen in this one place:
// definitions in IndexedDB (IdbStateStore), disk images in IndexedDB (IdbStoreProvider under a
// PrefixStorageHost), VMs in Web Workers on one shared host memory pool (WorkerHypervisor). On a
// first visit it defines what a fresh libvirt install has: the `default` storage pool and the
// `default` NAT network (192.168.122.0/24), and the default VM.
import coreUrl from '../../build/core.wasm?url';
import { Connect } from '../../src/virt/driver/connect.js';
import { IdbStateStore } from '../../src/virt/store/idb.js';
import { PrefixStorageHost } from '../../src/virt/driver/storage-host.js';
import { IdbStoreProvider } from '../../src/vmm/block/store-idb.js';
import { Kvm, type PoolStats } from '../../src/vmm/kvm/index.js';
import * as Comlink from 'comlink';
import { WorkerHypervisor, type VmWorkerHandle } from '../../src/worker/hypervisor.js';
import type { VmControl } from '../../src/worker/vm-protocol.js';
import type { SmokeReply, SmokeRequest } from '../../src/worker/smoke-protocol.js';
import { formatVersion } from '../../src/worker/core-module.js';
import { defineDefaultVm } from './templates.js';

export const POOL_MIB = 1024;

export interface BrowserHost {
  kvm: Kvm;
  hypervisor: WorkerHypervisor;
  coreVersion: string;
  /** what a Web Worker reported after instantiating the core on the shared pool */
  workerCheck: SmokeReply;
  poolStats(): PoolStats;
}

export async function openBrowserConnect(): Promise<{ conn: Connect; host: BrowserHost }> {
  if (!crossOriginIsolated) throw new Error('this page is not crossOriginIsolated: serve it with COOP/COEP headers (npm start does)');
  const module = await WebAssembly.compileStreaming(fetch(coreUrl));
  const kvm = await Kvm.create(module, POOL_MIB);
  const hypervisor = new WorkerHypervisor(kvm, {
    spawnVmWorker,
    lock: webLocks,
    resolveBootFile: (path) => ({ url: new URL(path, location.origin).href }),
    hostname: () => location.hostname,
    cpus: () => navigator.hardwareConcurrency || 1,
  });
  // Disk images are the user's data: ask the browser not to evict them under storage pressure.
  void navigator.storage?.persist?.().catch(() => false);
  const store = await IdbStateStore.open();
  const storage = new PrefixStorageHost(new IdbStoreProvider(), async () => {
    const e = await navigator.storage.estimate();
    return { quota: e.quota ?? 0, usage: e.usage ?? 0 };
  });
  const conn = await Connect.open({ store, hypervisor, storage, autostart: true });
  hypervisor.lookupNetwork = (name) => conn.networks.list().find((n) => n.def.name === name && n.active)?.def;
  await ensureDefaults(conn);
  const workerCheck = await checkWorker(kvm);
  const coreVersion = formatVersion(await hypervisor.version());
  return { conn, host: { kvm, hypervisor, coreVersion, workerCheck, poolStats: () => kvm.poolStats() } };
}

function spawnVmWorker(name: string): VmWorkerHandle {
  const worker = new Worker(new URL('../../src/worker/vm-worker-web.ts', import.meta.url), { type: 'module', name });
  const died = new Promise<string>((resolve) => {
    worker.addEventListener('error', (e) => resolve(e.message || 'uncaught error'));
  });
  return {
    control: Comlink.wrap<VmControl>(worker), died,
    terminate: () => {
      worker.terminate();
      return new Promise((resolve) => setTimeout(resolve, TERMINATE_GRACE_MS));
    },
  };
}

/**
 * Worker.terminate() stops the thread at its next interrupt check (wasm loops have them) but gives no
 * signal when it has: the host waits this long before it frees the VM the worker may have left.
 */
const TERMINATE_GRACE_MS = 1000;

/**
 * Holds Web Locks `wasmvirt:<name>` until released: another tab (or this one) asking for the same
 * domain or disk is refused at once with the name of what is held, as libvirt refuses a second start.
 */
async function webLocks(names: string[]): Promise<() => void> {
  const releases: (() => void)[] = [];
  try {
    for (const name of names) {
      const acquired = await new Promise<(() => void) | null>((resolve) => {
        void navigator.locks.request(`wasmvirt:${name}`, { ifAvailable: true }, (lock) => {
          if (!lock) return resolve(null);
          return new Promise<void>((done) => resolve(done));
        });
      });
      if (!acquired) {
        const what = name.startsWith('domain:') ? 'the domain' : `disk ${name.slice(5)}`;
        throw new Error(`${what} is in use by another wasmvirt tab or window (Web Lock wasmvirt:${name} is held)`);
      }
      releases.push(acquired);
    }
  } catch (e) {
    for (const r of releases) r();
    throw e;
  }
  return () => { for (const r of releases.splice(0)) r(); };
}

/** The smoke path: a Web Worker joins the page's shared pool through the core and reports its version. */
async function checkWorker(kvm: Kvm): Promise<SmokeReply> {
  const worker = new Worker(new URL('../../src/worker/smoke-web.ts', import.meta.url), { type: 'module' });
  try {
    return await new Promise<SmokeReply>((resolve) => {
      worker.onmessage = (ev: MessageEvent<SmokeReply>) => resolve(ev.data);
      const attach = kvm.attachInfo();
      worker.postMessage({ module: attach.module, attach, poolMiB: 0 } satisfies SmokeRequest);
    });
  } finally {
    worker.terminate();
  }
}

const DEFAULT_POOL = `<pool type='dir'>
  <name>default</name>
  <target>
    <path>/var/lib/libvirt/images</path>
  </target>
</pool>`;

const DEFAULT_NETWORK = `<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>`;

/**
 * A fresh install's default pool and network, defined, started and set to autostart; on the first
 * visit also the default VM (templates.ts), which `npm start`'s URL boots.
 */
async function ensureDefaults(conn: Connect): Promise<void> {
  const firstVisit = !conn.pools.list().some((p) => p.def.name === 'default');
  if (firstVisit) {
    const pool = await conn.pools.defineXML(DEFAULT_POOL);
    await conn.pools.start(pool, true);
    await conn.pools.setAutostart(pool, true);
  }
  if (!conn.networks.list().some((n) => n.def.name === 'default')) {
    const net = await conn.networks.defineXML(DEFAULT_NETWORK);
    await conn.networks.start(net);
    await conn.networks.setAutostart(net, true);
  }
  if (firstVisit) await defineDefaultVm(conn);
}
