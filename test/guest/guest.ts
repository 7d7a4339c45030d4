// guest.ts — drives the debian guest image through the whole Node VM path for the in-guest device
// tests and the io benchmark: domain XML -> WorkerHypervisor (createNodeHypervisor) -> a VmWorker
// in a worker_thread -> the pc machine with virtio-pci devices -> the guest's own drivers. Commands
// are typed into the serial console between marker lines, the last carrying the exit status, so a
// caller gets the command's output and status back.
// Invariants: one command at a time per GuestVm; markers are unique per command; a VM that stops
// while a command waits fails that command with the console tail.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeHypervisor } from '../../src/cli/node-hypervisor.js';
import { parseDomainXML, parseNetworkXML } from '../../src/virt/conf/index.js';
import type { ConsoleStream, ResolvedDisk, ResolvedInterface, RunningVm, StopCause } from '../../src/virt/hypervisor.js';
import type { WorkerHypervisor } from '../../src/worker/hypervisor.js';

export const DEBIAN = fileURLToPath(new URL('../../public/images/debian/', import.meta.url));
export const HAVE_DEBIAN = existsSync(join(DEBIAN, 'manifest.json'));

/** The image carries the ext4 module (images built before the guest tests did not). */
export function debianHasExt4(): boolean {
  if (!HAVE_DEBIAN) return false;
  const m = JSON.parse(readFileSync(join(DEBIAN, 'manifest.json'), 'utf8')) as { initramfs: { modules: string[] } };
  return m.initramfs.modules.some((p) => p.endsWith('/ext4.ko'));
}

export interface GuestDisk { path: string; format: 'raw' | 'qcow2'; readOnly?: boolean }
export interface GuestNic { mac: string; network: string }
export interface GuestOptions {
  name: string;
  memoryMiB?: number;
  disks?: GuestDisk[];
  nics?: GuestNic[];
  rng?: boolean;
  balloon?: boolean;
  cmdline?: string;
}

export const NETWORK_XML = `<network><name>default</name><forward mode='nat'/><bridge name='virbr0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>`;

/** One shared pool and hypervisor for the VMs of a test file, with the default NAT network. */
export async function guestHypervisor(poolMiB = 1024): Promise<WorkerHypervisor> {
  const hv = await createNodeHypervisor({ poolMiB });
  const net = parseNetworkXML(NETWORK_XML);
  hv.lookupNetwork = (name) => (name === net.name ? net : undefined);
  hv.networkStarted(net);
  return hv;
}

function domainXml(o: GuestOptions): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');
  const disks = (o.disks ?? []).map((d, i) => `<disk type='file' device='disk'><driver name='qemu' type='${d.format}'/>` +
    `<source file='${esc(d.path)}'/><target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/>${d.readOnly ? '<readonly/>' : ''}</disk>`).join('');
  const nics = (o.nics ?? []).map((n) => `<interface type='network'><mac address='${n.mac}'/><source network='${n.network}'/><model type='virtio'/></interface>`).join('');
  const rng = o.rng ? `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>` : '';
  const balloon = `<memballoon model='${o.balloon ? 'virtio' : 'none'}'/>`;
  return `<domain type='kvm'><name>${esc(o.name)}</name><memory unit='MiB'>${o.memoryMiB ?? 256}</memory><vcpu>1</vcpu>` +
    `<os><type arch='x86_64' machine='pc'>hvm</type><kernel>${esc(join(DEBIAN, 'vmlinuz'))}</kernel>` +
    `<initrd>${esc(join(DEBIAN, 'initramfs.cpio.gz'))}</initrd><cmdline>${esc(o.cmdline ?? 'console=ttyS0 quiet')}</cmdline></os>` +
    `<features><acpi/><apic/></features><on_reboot>destroy</on_reboot>` +
    `<devices>${disks}${nics}${rng}${balloon}<serial type='pty'/><console type='pty'><target type='serial'/></console></devices></domain>`;
}

export class GuestVm {
  private out = '';
  private seq = 0;
  stoppedWith: { cause: StopCause; detail?: string } | undefined;
  private readonly stopped: Promise<{ cause: StopCause; detail?: string }>;
  private stop_!: (v: { cause: StopCause; detail?: string }) => void;
  vm!: RunningVm;
  private con!: ConsoleStream;

  private constructor(readonly hv: WorkerHypervisor, readonly opts: GuestOptions) {
    this.stopped = new Promise((r) => { this.stop_ = r; });
  }

  /** Starts the VM and waits for its shell. */
  static async boot(hv: WorkerHypervisor, opts: GuestOptions, bootSeconds = 300): Promise<GuestVm> {
    const g = new GuestVm(hv, opts);
    const def = parseDomainXML(domainXml(opts));
    const disks: ResolvedDisk[] = (opts.disks ?? []).map((d, i) => ({ target: `vd${String.fromCharCode(97 + i)}`, bus: 'virtio', device: 'disk',
      format: d.format, path: d.path, readOnly: d.readOnly ?? false }));
    const interfaces: ResolvedInterface[] = (opts.nics ?? []).map((n, i) => ({ mac: n.mac, model: 'virtio', target: `vnet-${opts.name}-${i}`,
      network: n.network, linkUp: true }));
    g.vm = await hv.start(def, { disks, interfaces, noReboot: true, paused: false }, {
      stopped: (cause, detail) => { g.stoppedWith = { cause, detail }; g.stop_({ cause, detail }); },
      reset: () => {},
    });
    g.con = g.vm.openConsole('serial0');
    const dec = new TextDecoder();
    g.con.onData((b) => { g.out += dec.decode(b, { stream: true }); });
    await g.waitFor(/WASMVIRT-READY[^]*wasmvirt:\S*# /, bootSeconds, 'the shell prompt');
    // The console keeps its echo: with `stty -echo` busybox ash reads its input with fgets, and a
    // SIGCHLD (a background job ending) then reads as end of input and the shell exits.
    await g.sh('PS1=""', 60);
    return g;
  }

  /** Everything the console printed so far. */
  get text(): string {
    return this.out;
  }

  /** Waits until the console text (from `from`) matches. */
  async waitFor(re: RegExp, seconds: number, what: string, from = 0): Promise<RegExpExecArray> {
    const stop = Date.now() + seconds * 1000;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m) return m;
      if (this.stoppedWith) throw new Error(`the VM ${this.opts.name} stopped (${this.stoppedWith.cause}: ${this.stoppedWith.detail}) before ${what}; console:\n${this.out.slice(-3000)}`);
      if (Date.now() > stop) throw new Error(`no ${what} on ${this.opts.name} after ${seconds} s; console:\n${this.out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  type(s: string): void {
    this.con.write(new TextEncoder().encode(s));
  }

  /** A BREAK on the serial line (after what was typed). */
  sendBreak(): Promise<void> {
    return this.con.sendBreak();
  }

  /** Runs a shell command line; resolves with its output (CR stripped) and exit status. */
  async sh(cmd: string, seconds = 120): Promise<{ out: string; status: number }> {
    const n = ++this.seq;
    const from = this.out.length;
    // One line (so the console echoes it once, before anything runs), bracketed by markers the
    // shell prints; they are split by quotes in the typed line, so its echo never matches them.
    this.type(`echo "WVBEG${n}""X"; ${cmd}; echo "WVEND${n}""X $?"\n`);
    const m = await this.waitFor(new RegExp(`WVBEG${n}X\\r?\\n([^]*?)WVEND${n}X (\\d+)\\r?\\n`), seconds, `the end of "${cmd}"`, from);
    const text = m[1]!.replace(/\r/g, '');
    return { out: text, status: Number(m[2]) };
  }

  /** Runs a command that must succeed; returns its output. */
  async ok(cmd: string, seconds = 120): Promise<string> {
    const r = await this.sh(cmd, seconds);
    if (r.status !== 0) throw new Error(`"${cmd}" on ${this.opts.name} exited ${r.status}:\n${r.out}\nconsole tail:\n${this.out.slice(-2000)}`);
    return r.out;
  }

  /** The md5sum of a file in the guest. */
  async md5(path: string, seconds = 300): Promise<string> {
    return (await this.ok(`md5sum ${path}`, seconds)).split(/\s+/)[0]!;
  }

  /** `poweroff -f` (after sync) and waits for the VM to stop. */
  async poweroff(seconds = 120): Promise<{ cause: StopCause; detail?: string }> {
    this.type('sync; poweroff -f\n');
    const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${this.opts.name} did not power off in ${seconds} s; console:\n${this.out.slice(-2000)}`)), seconds * 1000).unref());
    return Promise.race([this.stopped, timeout]);
  }

  async destroy(): Promise<void> {
    if (!this.stoppedWith) await this.vm.destroy();
  }
}

/**
 * Brings eth0 up with a DHCP lease (busybox udhcpc in the foreground, with the image's own event
 * script, /etc/udhcpc/default.script); returns the address it set on eth0.
 */
export async function dhcp(g: GuestVm): Promise<string> {
  await g.ok('ip link set lo up && ip link set eth0 up');
  await g.ok('udhcpc -i eth0 -n -q -t 10 -T 2 2>&1', 300);
  return eth0Address(g);
}

/** The IPv4 address on eth0 (throws naming what eth0 has if there is none). */
export async function eth0Address(g: GuestVm): Promise<string> {
  const out = await g.ok('ip -4 -o addr show dev eth0');
  const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out);
  if (!m) throw new Error(`${g.opts.name}: eth0 has no IPv4 address:\n${out}`);
  return m[1]!;
}
