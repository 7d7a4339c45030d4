// fake-hypervisor.ts — a test double of src/virt/hypervisor.ts: VMs that run no
// guest code but keep the whole contract (start/stop, pause, power button,
// reboot, stats, setters, consoles, hooks), with a guest the test scripts:
// whether it honours ACPI, when it powers off, resets or crashes, what its
// counters read. Deterministic: nothing advances unless the test says so,
// except that guest reactions to the power button and reboot happen on the
// next macrotask (await settle()).
import type {
  ConsoleStream, HostInfo, HostNeighbour, Hypervisor, RunningVm, StartOptions, VmHooks, VmStats,
} from '../../src/virt/hypervisor.js';
import type { DiskIoTune, DomainDef } from '../../src/virt/conf/index.js';

export const settle = () => new Promise<void>((r) => setTimeout(r, 0));

export class FakeConsole implements ConsoleStream {
  private readonly listeners = new Set<(b: Uint8Array) => void>();
  readonly written: Uint8Array[] = [];
  breaks = 0;
  closed = false;

  onData(l: (b: Uint8Array) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  write(bytes: Uint8Array): void {
    this.written.push(bytes);
  }

  async sendBreak(): Promise<void> {
    this.breaks++;
  }

  /** The guest prints. */
  emit(text: string): void {
    const b = new TextEncoder().encode(text);
    for (const l of this.listeners) l(b);
  }

  close(): void {
    this.closed = true;
  }
}

export class FakeVm implements RunningVm {
  state: 'running' | 'paused' | 'stopped';
  online: number;
  balloonKiB: number;
  cpuTimeNs = 0;
  statsPeriod = 0;
  readonly iotune = new Map<string, DiskIoTune>();
  readonly consoles = new Map<string, FakeConsole>();
  readonly stats_: VmStats;
  /** The guest reacts to the ACPI power button (a guest without ACPI ignores it). */
  acpi = true;
  readonly log: string[] = [];

  constructor(readonly def: DomainDef, readonly options: StartOptions, private readonly hooks: VmHooks) {
    this.state = options.paused ? 'paused' : 'running';
    this.online = def.vcpu.current ?? def.vcpu.max;
    this.balloonKiB = def.currentMemory;
    this.stats_ = {
      cpuTimeNs: 0, vcpus: [], rssKiB: 0, balloon: { actualKiB: this.balloonKiB },
      block: Object.fromEntries(options.disks.map((d) => [d.target, {
        rdReq: 0, rdBytes: 0, wrReq: 0, wrBytes: 0, flushReq: 0, errs: 0, rdTotalTimeNs: 0, wrTotalTimeNs: 0, flushTotalTimeNs: 0,
      }])),
      net: Object.fromEntries(options.interfaces.map((i) => [i.target, {
        rxBytes: 0, rxPackets: 0, rxErrs: 0, rxDrop: 0, txBytes: 0, txPackets: 0, txErrs: 0, txDrop: 0,
      }])),
    };
  }

  private alive(): void {
    if (this.state === 'stopped') throw new Error('VM is not running');
  }

  async pause() {
    this.alive();
    this.log.push('pause');
    this.state = 'paused';
  }

  async resume() {
    this.alive();
    this.log.push('resume');
    this.state = 'running';
  }

  async destroy() {
    this.log.push('destroy');
    this.state = 'stopped';
  }

  async powerButton() {
    this.alive();
    this.log.push('powerButton');
    if (this.acpi) setTimeout(() => this.guestPoweroff(), 0);
  }

  async reboot() {
    this.alive();
    this.log.push('reboot');
    setTimeout(() => this.guestReset(), 0);
  }

  /** The guest powers the machine off. */
  guestPoweroff(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.hooks.stopped('guest-poweroff');
  }

  /** The guest resets the machine. */
  guestReset(): void {
    if (this.state === 'stopped') return;
    if (this.options.noReboot) {
      this.state = 'stopped';
      this.hooks.stopped('guest-reset');
    } else {
      this.hooks.reset();
    }
  }

  crash(reason = 'triple fault'): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.hooks.stopped('crash', reason);
  }

  async stats(): Promise<VmStats> {
    const s = structuredClone(this.stats_);
    s.cpuTimeNs = this.cpuTimeNs;
    s.vcpus = Array.from({ length: this.def.vcpu.max }, (_, i) => ({
      timeNs: i < this.online ? Math.floor(this.cpuTimeNs / this.online) : 0, online: i < this.online, exits: {},
    }));
    s.balloon.actualKiB = this.balloonKiB;
    return s;
  }

  async setVcpus(count: number) {
    this.alive();
    this.online = count;
  }

  async setMemory(kib: number) {
    this.alive();
    this.balloonKiB = kib;
  }

  async setMemoryStatsPeriod(seconds: number) {
    this.statsPeriod = seconds;
  }

  async setBlockIoTune(target: string, tune: DiskIoTune) {
    this.alive();
    this.iotune.set(target, tune);
  }

  openConsole(device = 'serial0'): FakeConsole {
    let c = this.consoles.get(device);
    if (!c || c.closed) {
      c = new FakeConsole();
      this.consoles.set(device, c);
    }
    return c;
  }
}

export const FAKE_HOST: HostInfo = {
  hostname: 'testhost', model: 'x86_64', cpus: 2, mhz: 0, sockets: 1, cores: 2, threads: 1, nodes: 1,
  memoryKiB: 4194304, freeKiB: 3145728, buffersKiB: 0, cachedKiB: 0,
};

export class FakeHypervisor implements Hypervisor {
  readonly type = 'wasmvirt';
  readonly vms: FakeVm[] = [];
  /** When set, the next start() rejects with it. */
  failNextStart: Error | undefined;
  /** The networks' neighbour tables (their gateways' ARP entries), by network name. */
  readonly neighbours = new Map<string, HostNeighbour[]>();

  networkNeighbours(network: string): HostNeighbour[] | undefined {
    return this.neighbours.get(network);
  }

  async version(): Promise<number> {
    return 1000; // 0.1.0, as core.wasm's core_version() encodes it
  }

  async host(): Promise<HostInfo> {
    return { ...FAKE_HOST };
  }

  async start(def: DomainDef, options: StartOptions, hooks: VmHooks): Promise<RunningVm> {
    if (this.failNextStart) {
      const e = this.failNextStart;
      this.failNextStart = undefined;
      throw e;
    }
    const vm = new FakeVm(def, options, hooks);
    this.vms.push(vm);
    return vm;
  }

  /** The VM most recently started for domain `name`. */
  vm(name: string): FakeVm {
    const vm = [...this.vms].reverse().find((v) => v.def.name === name);
    if (!vm) throw new Error(`no VM was started for ${name}`);
    return vm;
  }
}
