// vm-protocol.ts — what the host side (the libvirt twin, on the page or in the Node CLI) and a VM
// worker (the QEMU twin: machine model + vCPU) say to each other. Control calls go through comlink;
// bulk bytes (console, NIC frames) go through SharedArrayBuffer rings named here. The host wakes a
// worker parked in Atomics.wait (idle guest) by kicking its vCPU (vcpu_kick on the shared pool), so
// it answers control calls and console input at once.
// Everything in VmInit is structured-cloneable.
import type { KvmAttachInfo } from '../vmm/kvm/index.js';
import type { DiskIoTune } from '../virt/conf/domain/types.js';
import type { ImageFormat } from '../vmm/block/device.js';
import type { RunningVm, StopCause } from '../virt/hypervisor.js';

/** A kernel, initrd or firmware file: a path (Node), a URL (browser) or the bytes themselves. */
export type BootFile = { path: string } | { url: string } | { bytes: ArrayBuffer };

export interface DiskSpec {
  target: string;
  /** Node: a file path; browser: the IndexedDB store name */
  path: string;
  format: ImageFormat;
  readOnly: boolean;
  serial?: string;
  iotune?: DiskIoTune;
}

export interface NicSpec {
  target: string;
  mac: string;
  linkUp: boolean;
  /** frames guest -> switch / switch -> guest */
  tx: SharedArrayBuffer;
  rx: SharedArrayBuffer;
}

export interface ConsoleSpec {
  /** "serial0" (COM1), "serial1"… or "console0" (virtio-console port 0), "channel:<name>" */
  device: string;
  /** guest output -> host; host input -> guest */
  out: SharedArrayBuffer;
  in: SharedArrayBuffer;
}

/** The machine to build, derived from the domain definition (see machine-spec.ts). */
export interface MachineSpec {
  name: string;
  memoryBytes: number;
  /** balloon target at start (currentMemory) */
  currentMemoryBytes: number;
  vcpus: number;
  maxVcpus: number;
  kernel?: BootFile;
  initrd?: BootFile;
  cmdline: string;
  /** 'auto' = the fast path (host-side decompression + PVH) when the kernel allows it */
  bootProtocol: 'auto' | 'bzimage' | 'pvh' | 'multiboot';
  acpi: boolean;
  disks: DiskSpec[];
  rng?: { rateBytes?: number; ratePeriodMs?: number };
  balloon?: { statsPeriod: number };
  /** virtio-console ports after port 0: channel names (org.qemu.guest_agent.0 …) */
  channels: string[];
  /** the guest clock: 'realtime' for users, 'deterministic' for tests and benchmarks */
  clock: 'realtime' | 'deterministic';
}

export interface VmInit {
  attach: KvmAttachInfo;
  machine: MachineSpec;
  consoles: ConsoleSpec[];
  nics: NicSpec[];
  /** Int32Array over it: [0] heartbeat, bumped by the worker after every run slice and every idle wake */
  heartbeat: SharedArrayBuffer;
  paused: boolean;
  noReboot: boolean;
}

/** The worker's calls back to the host (a comlink proxy). */
export interface VmEvents {
  stopped(cause: StopCause, detail?: string): void;
  /** The machine reset in place; its new vCPU struct is at `vcpu` in the pool. */
  reset(vcpu: VmIdentity): void;
  log(line: string): void;
}

/**
 * Where a worker's VM lives in the shared pool: the vCPU's struct (the host kicks it to wake the
 * worker) and the VM's struct and id (the host frees the VM if its worker dies without doing so; the
 * id, never reused, tells it from a later VM at the same address). A reset in place makes new ones.
 */
export interface VmIdentity {
  vcpu: number;
  vm: number;
  vmId: number;
}

/**
 * The control surface a VM worker exposes (comlink): the driver's RunningVm calls (consoles go
 * through rings instead), plus start and the NIC link switch.
 */
export interface VmControl extends Omit<RunningVm, 'openConsole'> {
  /** Builds and starts the machine; resolves with where its VM and vCPU are in the pool. */
  start(init: VmInit, events: VmEvents): Promise<VmIdentity>;
  setLink(target: string, up: boolean): Promise<void>;
  /** A BREAK on a serial console's receive line (after the input already sent). */
  sendBreak(device: string): Promise<void>;
}

/** A worker whose heartbeat has not moved for this long while it should be running is hung. */
export const HEARTBEAT_TIMEOUT_MS = 5000;
/** The longest a worker sleeps in Atomics.wait before it beats again (idle guests too). */
export const IDLE_WAIT_MAX_MS = 250;

/** Rings' default sizes. */
export const CONSOLE_RING_BYTES = 256 * 1024;
export const NIC_RING_BYTES = 1024 * 1024;

/** The exit status in describeEndState()'s text for a debug-exit end (src/vmm/machine/end-state.ts), or undefined. */
export function debugExitStatus(detail: string | undefined): number | undefined {
  const m = /^isa-debug-exit: .*exit status (\d+)$/.exec(detail ?? '');
  return m ? Number(m[1]) : undefined;
}
