// harness.ts — the management layer with no VM, for tests: a Connect over a
// memory (or given) StateStore, the fake hypervisor, and dir pools kept as name
// prefixes of one MemoryStoreProvider; plus a virsh session whose output is
// captured and whose "files" are a Map.
import { Connect } from '../../src/virt/driver/connect.js';
import { PrefixStorageHost } from '../../src/virt/driver/storage-host.js';
import { MemoryStateStore } from '../../src/virt/store/memory.js';
import type { StateStore } from '../../src/virt/store/types.js';
import { MemoryStoreProvider } from '../../src/vmm/block/index.js';
import { VIRSH_GROUPS } from '../../src/virt/virsh/groups.js';
import { Vsh, type VshIO, type ConsoleAttach } from '../../src/virt/virsh/vsh.js';
import { FakeHypervisor } from './fake-hypervisor.js';

export const GiB = 1024 ** 3;

export interface Env {
  store: StateStore;
  hv: FakeHypervisor;
  blocks: MemoryStoreProvider;
  files: Map<string, Uint8Array | string>;
  open(uri?: string): Promise<Connect>;
}

export function makeEnv(store: StateStore = new MemoryStateStore(), blocks = new MemoryStoreProvider()): Env {
  const hv = new FakeHypervisor();
  const storage = new PrefixStorageHost(blocks, async () => ({ quota: 10 * GiB, usage: 2 * GiB }));
  return {
    store, hv, blocks, files: new Map(),
    open: (uri) => Connect.open({ uri, store, hypervisor: hv, storage }),
  };
}

export interface Session {
  vsh: Vsh;
  /** stdout and stderr interleaved, as a terminal shows them. */
  output(): string;
  stdout(): string;
  stderr(): string;
  clear(): void;
  /** Runs shell lines; returns the transcript of what they printed. */
  run(...lines: string[]): Promise<string>;
  consoleAttached: ConsoleAttach[];
}

export function session(env: Env, opts: { quiet?: boolean; uri?: string } = {}): Session {
  let all = '';
  let out = '';
  let err = '';
  const consoleAttached: ConsoleAttach[] = [];
  const io: VshIO = {
    out: (t) => ((all += t), (out += t)),
    err: (t) => ((all += t), (err += t)),
    async readFile(path) {
      const f = env.files.get(path);
      if (f === undefined) throw new Error(`Failed to open file '${path}': No such file or directory`);
      return typeof f === 'string' ? f : new TextDecoder().decode(f);
    },
    async readStream(path) {
      const f = env.files.get(path);
      if (f === undefined) throw new Error(`cannot read ${path}`);
      const bytes = typeof f === 'string' ? new TextEncoder().encode(f) : f;
      return (async function* () {
        for (let o = 0; o < bytes.length; o += 4096) yield bytes.subarray(o, o + 4096);
      })();
    },
    async writeStream(path, data) {
      const parts: Uint8Array[] = [];
      for await (const c of data) parts.push(c.slice());
      const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) total.set(p, (o += p.length) - p.length);
      env.files.set(path, total);
    },
    /** The "editor" applies the [from, to] replacements listed as JSON in the file "$EDITOR". */
    async edit(text) {
      const f = env.files.get('$EDITOR');
      const edits = typeof f === 'string' ? (JSON.parse(f) as Array<[string, string]>) : [];
      return edits.reduce((t, [a, b]) => t.replace(a, b), text);
    },
    async console(a) {
      consoleAttached.push(a);
    },
  };
  const vsh = new Vsh({ io, groups: VIRSH_GROUPS, open: (uri) => env.open(uri), quiet: opts.quiet, uri: opts.uri });
  return {
    vsh, consoleAttached,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    clear: () => ((all = ''), (out = ''), (err = '')),
    async run(...lines) {
      const start = all.length;
      for (const l of lines) await vsh.runLine(l);
      return all.slice(start);
    },
  };
}

/** A small domain XML for tests. */
export function domainXml(name: string, opts: {
  uuid?: string; memory?: number; current?: number; vcpus?: number; vcpuCurrent?: number; title?: string;
  disks?: string; interfaces?: string; onPoweroff?: string; onReboot?: string; onCrash?: string;
} = {}): string {
  return `<domain type='kvm'>
  <name>${name}</name>
${opts.uuid ? `  <uuid>${opts.uuid}</uuid>\n` : ''}${opts.title ? `  <title>${opts.title}</title>\n` : ''}  <memory unit='KiB'>${opts.memory ?? 262144}</memory>
  <currentMemory unit='KiB'>${opts.current ?? opts.memory ?? 262144}</currentMemory>
  <vcpu${opts.vcpuCurrent ? ` current='${opts.vcpuCurrent}'` : ''}>${opts.vcpus ?? 1}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/boot/vmlinuz</kernel>
  </os>
${opts.onPoweroff ? `  <on_poweroff>${opts.onPoweroff}</on_poweroff>\n` : ''}${opts.onReboot ? `  <on_reboot>${opts.onReboot}</on_reboot>\n` : ''}${opts.onCrash ? `  <on_crash>${opts.onCrash}</on_crash>\n` : ''}  <devices>
${opts.disks ?? ''}${opts.interfaces ?? ''}    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
  </devices>
</domain>
`;
}
