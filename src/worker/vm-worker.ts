// vm-worker.ts — one VM inside its worker (the QEMU process of the real stack): attaches to the
// shared host memory pool, builds the pc machine from the MachineSpec, binds its consoles and NICs
// to the host's rings, and runs the vCPU in slices so control calls (pause, destroy, stats) are
// answered between slices. Platform-neutral: the Web Worker and worker_thread entries pass a
// WorkerPlatform and expose it.
// Invariants: exactly one stopped() per start unless the host destroyed the VM; the heartbeat moves
// after every slice and every idle wake; a reset rebuilds the machine from the same spec and disks.
import type { DiskIoTune } from '../virt/conf/domain/types.js';
import type { StopCause, VmStats } from '../virt/hypervisor.js';
import type { BlockDevice } from '../vmm/block/device.js';
import type { ThrottleLimits } from '../vmm/block/throttle.js';
import { Kvm, type Vm } from '../vmm/kvm/index.js';
import type { PcMachine } from '../vmm/machine/pc.js';
import { describeEndState, type VmEndState } from '../vmm/machine/end-state.js';
import { buildDevices, buildMachine, type BuiltDevices, type MachineInputs } from './machine-builder.js';
import { RingCharBackend } from './ring-chardev.js';
import type { WorkerPlatform } from './worker-platform.js';
import type { VmControl, VmEvents, VmIdentity, VmInit } from './vm-protocol.js';
import { IDLE_WAIT_MAX_MS } from './vm-protocol.js';

/** Wall time of one run slice before the worker returns to its event loop. */
const SLICE_MS = 20;
/** Longest wait for in-flight disk requests before the vCPU runs again (its timers may be due). */
const IO_WAIT_MS = 4;

export class VmWorker implements VmControl {
  private kvm: Kvm | undefined;
  private vm: Vm | undefined;
  private machine: PcMachine | undefined;
  private devices: BuiltDevices | undefined;
  private inputs: MachineInputs | undefined;
  private events: VmEvents | undefined;
  private consoles: RingCharBackend[] = [];
  private heartbeat: Int32Array | undefined;
  private noReboot = false;
  private paused = false;
  private stopped = false;
  private fakeReboot = false;
  private resume_: (() => void) | undefined;
  private busyNs = 0;

  constructor(private readonly platform: WorkerPlatform) {}

  async start(init: VmInit, events: VmEvents): Promise<VmIdentity> {
    this.events = events;
    this.noReboot = init.noReboot;
    this.paused = init.paused;
    this.heartbeat = new Int32Array(init.heartbeat);
    this.kvm = await Kvm.attach(init.attach);
    const spec = init.machine;
    const [kernel, initrd] = await Promise.all([
      spec.kernel ? this.platform.readBootFile(spec.kernel) : Promise.reject(new Error('no kernel given: direct kernel boot needs <kernel>')),
      spec.initrd ? this.platform.readBootFile(spec.initrd) : Promise.resolve(undefined),
    ]);
    const disks = new Map<string, BlockDevice>();
    try {
      for (const d of spec.disks) disks.set(d.target, await this.platform.openDisk(d));
      this.consoles = init.consoles.map((c) => new RingCharBackend(c));
      const serial = this.consoles.filter((c) => c.spec.device.startsWith('serial'));
      this.inputs = { spec, kernel, initrd, disks, nics: init.nics, serial, log: (l) => events.log(l) };
      const identity = await this.build();
      setTimeout(() => void this.loop(), 0); // reply to start() first; a core that never returns is then caught by the heartbeat
      return identity;
    } catch (e) {
      // nothing stays behind a failed start: the VM's frames go back to the pool, the disks are closed
      this.release();
      for (const d of disks.values()) await d.close().catch(() => undefined);
      throw e;
    }
  }

  /** A fresh VM and machine from the same inputs (start, and every in-place reset). */
  private async build(): Promise<VmIdentity> {
    this.vm?.destroy();
    const vm = this.vm = this.kvm!.createVm();
    this.devices = buildDevices(vm, this.inputs!);
    this.bindVirtioConsole();
    this.machine = await buildMachine(vm, this.inputs!, this.devices);
    return { vcpu: (this.machine.vcpu as unknown as { pointer: number }).pointer, vm: vm.pointer, vmId: vm.id };
  }

  private bindVirtioConsole(): void {
    const port0 = this.devices?.console?.ports[0];
    const ring = this.consoles.find((c) => c.spec.device === 'console0');
    if (!port0 || !ring) return;
    port0.onData = (b) => ring.write(b);
    ring.connect({ push: (b) => port0.write(b) });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.paused) await new Promise<void>((r) => { this.resume_ = r; });
      if (this.stopped) break;
      const t0 = performance.now();
      const end = this.machine!.run({ sliceMs: SLICE_MS, maxSleepMs: IDLE_WAIT_MAX_MS, poll: () => this.poll(),
        pending: () => this.ioPending() });
      this.busyNs += (performance.now() - t0) * 1e6;
      Atomics.add(this.heartbeat!, 0, 1);
      if (end) await this.ended(end);
      if (this.ioPending()) await this.ioSettled(IO_WAIT_MS);
      else await yieldToEventLoop();
    }
  }

  /** Disk requests in flight: their completions run on this event loop. */
  private ioPending(): boolean {
    for (const b of this.devices?.blk.values() ?? []) if (b.dev.busy) return true;
    return false;
  }

  /** Waits until every disk request taken so far completed, or `ms` passed (guest timers stay on time). */
  private ioSettled(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const all = Promise.all([...this.devices!.blk.values()].map((b) => b.dev.idle()));
    return Promise.race([all.then(() => undefined), new Promise<void>((r) => { timer = setTimeout(r, ms); })])
      .finally(() => clearTimeout(timer));
  }

  private poll(): void {
    for (const c of this.consoles) c.poll();
    for (const n of this.devices?.nics.values() ?? []) n.uplink.poll();
    Atomics.add(this.heartbeat!, 0, 1);
  }

  private async ended(end: VmEndState): Promise<void> {
    const resetting = end.kind === 'reset' || (end.kind === 'poweroff' && this.fakeReboot);
    this.fakeReboot = false;
    if (resetting && !this.noReboot) {
      this.events!.reset(await this.build());
      return;
    }
    this.stopped = true;
    const cause: StopCause = end.kind === 'crash' ? 'crash' : resetting ? 'guest-reset' : 'guest-poweroff';
    this.release();
    await this.closeDisks(); // as QEMU at exit: flushed and closed before the host hears of the stop
    this.events!.stopped(cause, describeEndState(end));
  }

  private release(): void {
    for (const c of this.consoles) c.close();
    this.vm?.destroy();
    this.vm = undefined;
  }

  private async closeDisks(): Promise<void> {
    for (const { dev, disk } of this.devices?.blk.values() ?? []) {
      await dev.idle();
      await disk.flush().catch(() => undefined);
      await disk.close().catch(() => undefined);
    }
  }

  async pause(): Promise<void> { this.paused = true; }

  async resume(): Promise<void> {
    this.paused = false;
    this.resume_?.();
    this.resume_ = undefined;
  }

  async destroy(): Promise<void> {
    this.stopped = true;
    this.resume_?.();
    for (const { disk } of this.devices?.blk.values() ?? []) await disk.flush().catch(() => undefined);
    this.release();
  }

  async powerButton(): Promise<void> {
    const pm = this.machine?.devices.pm;
    if (!pm) throw new Error('the machine has no ACPI power button (<features><acpi/></features> is off)');
    pm.pressPowerButton();
  }

  /** As QEMU with libvirt: press the power button and start again when the guest powers off. */
  async reboot(): Promise<void> {
    this.fakeReboot = true;
    await this.powerButton();
  }

  async stats(): Promise<VmStats> {
    const vmStats = this.vm?.stats();
    const block: VmStats['block'] = {};
    for (const [target, { dev }] of this.devices?.blk ?? []) {
      const s = dev.stats;
      block[target] = { rdReq: s.rd_req, rdBytes: s.rd_bytes, wrReq: s.wr_req, wrBytes: s.wr_bytes, flushReq: s.flush_operations,
        errs: s.errs, rdTotalTimeNs: 0, wrTotalTimeNs: 0, flushTotalTimeNs: 0 };
    }
    const net: VmStats['net'] = {};
    for (const [target, { dev }] of this.devices?.nics ?? []) {
      const p = dev.port.stats; // the NIC's port: its tx is the guest's transmit
      net[target] = { rxBytes: p.rx_bytes, rxPackets: p.rx_packets, rxErrs: 0, rxDrop: p.rx_drop,
        txBytes: p.tx_bytes, txPackets: p.tx_packets, txErrs: 0, txDrop: p.tx_drop };
    }
    const b = this.devices?.balloon;
    const memKiB = (this.inputs?.spec.memoryBytes ?? 0) / 1024;
    const kib = (name: string) => (b?.stats[name] !== undefined ? b.stats[name]! / 1024 : undefined);
    return {
      cpuTimeNs: this.busyNs,
      vcpus: [{ timeNs: this.busyNs, online: true, exits: this.machine?.vcpu.stats() ?? {} }],
      rssKiB: (vmStats?.guestFrames ?? 0) * 4,
      balloon: { actualKiB: b ? memKiB - b.actualPages * 4 : memKiB, unusedKiB: kib('unused'), availableKiB: kib('available'),
        usableKiB: kib('usable'), diskCachesKiB: kib('disk_caches'), swapInKiB: kib('swap_in'), swapOutKiB: kib('swap_out'),
        majorFault: b?.stats['major_fault'], minorFault: b?.stats['minor_fault'] },
      block,
      net,
    };
  }

  async setVcpus(count: number): Promise<void> {
    if (count !== 1) throw new Error(`vCPU hot-plug is not implemented: this machine runs 1 vCPU (asked for ${count})`);
  }

  async setMemory(kib: number): Promise<void> {
    const b = this.devices?.balloon;
    if (!b) throw new Error('the VM has no memory balloon device');
    b.setTargetPages(Math.max(0, Math.floor(((this.inputs!.spec.memoryBytes / 1024) - kib) / 4)));
  }

  async setMemoryStatsPeriod(seconds: number): Promise<void> {
    if (!this.devices?.balloon) throw new Error('the VM has no memory balloon device');
    this.inputs!.spec.balloon = { statsPeriod: seconds };
    if (seconds > 0) this.devices.balloon.requestStats();
  }

  async setBlockIoTune(target: string, tune: DiskIoTune): Promise<void> {
    const d = this.devices?.blk.get(target);
    if (!d) throw new Error(`no disk '${target}'`);
    if (!d.throttle) throw new Error(`disk '${target}' was started without I/O limits; set <iotune> in its definition and restart`);
    d.throttle.group.setLimits(tune as ThrottleLimits);
  }

  async sendBreak(device: string): Promise<void> {
    const c = this.consoles.find((x) => x.spec.device === device);
    if (!c) throw new Error(`no console device '${device}'`);
    if (!c.sendBreak()) throw new Error(`console '${device}' is not a serial port: a BREAK is a serial line condition`);
  }

  async setLink(target: string, up: boolean): Promise<void> {
    const n = this.devices?.nics.get(target);
    if (!n) throw new Error(`no interface '${target}'`);
    n.dev.setLink(up);
  }
}

/** Lets queued messages (comlink calls) run between slices, in workers and worker_threads alike. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

export { describeEndState };
