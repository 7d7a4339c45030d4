// vm-worker.ts — one VM inside its worker (the QEMU process of the real stack): attaches to the
// shared host memory pool, builds the pc machine from the MachineSpec, binds its consoles and NICs
// to the host's rings, and runs the vCPU loop in slices so control calls (pause, destroy, stats)
// are answered between slices. Platform-neutral: the Web Worker and worker_thread entries only
// expose it.
import type { DiskIoTune } from '../virt/conf/domain/types.js';
import type { VmStats } from '../virt/hypervisor.js';
import type { VmControl, VmEvents, VmInit } from './vm-protocol.js';

export class VmWorker implements VmControl {
  private init: VmInit | undefined;
  private events: VmEvents | undefined;

  async start(init: VmInit, events: VmEvents): Promise<void> {
    this.init = init;
    this.events = events;
    throw new Error(`cannot start '${init.machine.name}': the pc machine model is not part of this build yet`);
  }

  async pause(): Promise<void> { this.notRunning(); }
  async resume(): Promise<void> { this.notRunning(); }
  async destroy(): Promise<void> {}
  async powerButton(): Promise<void> { this.notRunning(); }
  async reboot(): Promise<void> { this.notRunning(); }
  async stats(): Promise<VmStats> { return this.notRunning(); }
  async setVcpus(_n: number): Promise<void> { this.notRunning(); }
  async setMemory(_kib: number): Promise<void> { this.notRunning(); }
  async setMemoryStatsPeriod(_s: number): Promise<void> { this.notRunning(); }
  async setBlockIoTune(_t: string, _tune: DiskIoTune): Promise<void> { this.notRunning(); }
  async setLink(_t: string, _up: boolean): Promise<void> { this.notRunning(); }

  private notRunning(): never {
    throw new Error('the VM is not running');
  }
}
