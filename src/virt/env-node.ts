/*
 * env-node.ts — the Node backends of the management layer, chosen in this one
 * place: the state directory (DirStateStore), dir pools as real directories
 * (NodeStoreProvider), the real host for node* calls, and the hypervisor.
 *
 * Until the VMM's worker_threads hypervisor is plugged in (ConnectNodeOptions
 * .hypervisor), HostOnlyHypervisor answers the host and version calls and
 * refuses to start a VM with a clear error.
 */
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { NodeStoreProvider } from '../vmm/block/store-node.js';
import type { StoreProvider } from '../vmm/block/index.js';
import { VirError } from './error.js';
import { Connect } from './driver/connect.js';
import type { StorageHost, StorageSpace } from './driver/storage-host.js';
import type { HostInfo, Hypervisor, RunningVm } from './hypervisor.js';
import { DirStateStore, defaultStateDir } from './store/node.js';

const MAX_POOL_KIB = 4 * 1024 * 1024; // wasm32 shared memory: 65536 pages of 64 KiB

/** The real host: its cores and the memory a host pool can have on it. */
export function nodeHostInfo(poolKiB?: number): HostInfo {
  const cpus = os.cpus();
  const total = Math.floor(os.totalmem() / 1024);
  const memoryKiB = poolKiB ?? Math.min(total, MAX_POOL_KIB);
  const free = Math.min(memoryKiB, Math.floor(os.freemem() / 1024));
  return {
    hostname: os.hostname(),
    model: os.arch() === 'x64' ? 'x86_64' : os.arch(),
    cpus: cpus.length,
    mhz: cpus[0]?.speed ?? 0,
    sockets: 1,
    cores: cpus.length,
    threads: 1,
    nodes: 1,
    memoryKiB,
    freeKiB: free,
    buffersKiB: 0,
    cachedKiB: 0,
  };
}

/** core_version() of build/core.wasm, 0 if it is not built. */
export async function coreVersion(): Promise<number> {
  const path = fileURLToPath(new URL('../../build/core.wasm', import.meta.url));
  if (!existsSync(path)) return 0;
  try {
    const { instantiateCore, createPoolMemory } = await import('../worker/core-module.js');
    const mod = await WebAssembly.compile(readFileSync(path));
    const exp = await instantiateCore(mod, createPoolMemory(2));
    return exp.core_version();
  } catch {
    return 0;
  }
}

/** The hypervisor when no VMM is available: host facts yes, VMs no. */
export class HostOnlyHypervisor implements Hypervisor {
  readonly type = 'wasmvirt';

  version(): Promise<number> {
    return coreVersion();
  }

  async host(): Promise<HostInfo> {
    return nodeHostInfo();
  }

  async start(): Promise<RunningVm> {
    throw new VirError('VIR_ERR_OPERATION_UNSUPPORTED', 'this wasmvirt build has no VMM to run domains with', 'VIR_FROM_DOMAIN');
  }
}

/** A dir pool's files: the direct children of the directory, no dotfiles. */
class DirProvider extends NodeStoreProvider implements StoreProvider {
  async list(): Promise<string[]> {
    return (await super.list()).filter((n) => !n.includes('/') && !n.startsWith('.'));
  }
}

export class NodeStorageHost implements StorageHost {
  provider(dir: string): StoreProvider {
    return new DirProvider(dir);
  }

  async makeDir(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  }

  async dirExists(dir: string): Promise<boolean> {
    return (await fs.stat(dir).catch(() => undefined))?.isDirectory() ?? false;
  }

  async space(dir: string): Promise<StorageSpace> {
    const st = await fs.statfs(dir);
    return {
      capacity: st.blocks * st.bsize,
      allocation: (st.blocks - st.bfree) * st.bsize,
      available: st.bavail * st.bsize,
    };
  }
}

export interface ConnectNodeOptions {
  uri?: string;
  stateDir?: string;
  hypervisor?: Hypervisor;
  autostart?: boolean;
}

/**
 * A connection over the state directory: --state-dir, else $WASMVIRT_STATE_DIR, else
 * ${XDG_DATA_HOME:-~/.local/share}/wasmvirt; wasmvirt:///session keeps its own under session/.
 */
export async function connectNode(opts: ConnectNodeOptions = {}): Promise<Connect> {
  const base = opts.stateDir ?? process.env.WASMVIRT_STATE_DIR ?? defaultStateDir();
  // wasmvirt:///session is a driver of its own, as qemu:///session is beside qemu:///system.
  const dir = opts.uri?.replace(/\/$/, '') === 'wasmvirt:///session' ? join(base, 'session') : base;
  let store: DirStateStore;
  try {
    store = await DirStateStore.open(dir);
  } catch (e) {
    throw new VirError('VIR_ERR_SYSTEM_ERROR', `cannot open state directory '${dir}': ${(e as Error).message}`, 'VIR_FROM_NONE');
  }
  return Connect.open({
    uri: opts.uri, store, storage: new NodeStorageHost(),
    hypervisor: opts.hypervisor ?? new HostOnlyHypervisor(), autostart: opts.autostart,
  });
}
