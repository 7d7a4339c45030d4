/*
 * hypervisor.ts — the interface the management layer (the libvirt twin) uses to
 * run a VM, the way libvirt's qemu driver runs a QEMU process and talks QMP to it.
 *
 * The driver hands a DomainDef plus the resolved disks to Hypervisor.start() and
 * gets back a RunningVm: the control surface (pause/resume/destroy/ACPI power
 * button/reboot), statistics, vcpu and balloon setters, console byte streams;
 * and it is told, through VmHooks, what the VM did on its own (the guest powered
 * off, reset, crashed). The real implementation runs src/vmm in a worker; tests
 * use a double that honours the same contract (test/virt/fake-hypervisor.ts).
 *
 * Contract:
 *  - start() resolves once the VM is running (vCPUs released) or rejects with
 *    the reason; a rejected start leaves nothing running.
 *  - After hooks.stopped() the VM runs no more guest code and every method
 *    except stats() may reject; stopped() is called at most once, and never
 *    for a stop the driver asked for with destroy() (destroy resolves instead).
 *  - With options.noReboot, a guest reset stops the VM (stopped 'guest-reset',
 *    QEMU's -no-reboot); without it the machine resets in place and reset() is
 *    called for information.
 *  - Sizes are KiB (libvirt's unit), times nanoseconds, counters cumulative
 *    since start.
 */
import type { DiskIoTune, DomainDef } from './conf/domain/types.js';
import type { NetworkDef } from './conf/network/types.js';
import type { ImageFormat } from '../vmm/block/device.js';

/** A disk with its source resolved to a store in the host's block backend. */
export interface ResolvedDisk {
  /** Guest device name (<target dev>), e.g. "vda". */
  target: string;
  bus: string;
  device: 'disk' | 'cdrom' | 'floppy' | 'lun';
  format: ImageFormat;
  /**
   * Absolute path of the image: a file in Node; in the browser the IndexedDB
   * store name is the path without its leading '/' (see driver/storage-host.ts).
   */
  path: string;
  readOnly: boolean;
}

/** A network interface with the virtual network it is plugged into, if any. */
export interface ResolvedInterface {
  mac: string;
  model: string;
  /** <target dev>: host-side name given by the driver, e.g. "vnet0". */
  target: string;
  /** Name of the virtual network (type 'network'), undefined for user/bridge. */
  network?: string;
  linkUp: boolean;
}

export interface StartOptions {
  disks: ResolvedDisk[];
  interfaces: ResolvedInterface[];
  /** A guest reset stops the VM instead of resetting it (on_reboot != restart). */
  noReboot: boolean;
  /** Start with the vCPUs paused (virsh start --paused). */
  paused: boolean;
}

/** Why a VM stopped by itself. */
export type StopCause =
  /** The guest powered the machine off (ACPI S5, debug-exit, a "no reboot" reset policy...). */
  | 'guest-poweroff'
  /** The guest reset the machine while noReboot was set. */
  | 'guest-reset'
  /** The VM failed: triple fault with no reboot, internal error, guest panic. */
  | 'crash';

export interface VmHooks {
  stopped(cause: StopCause, detail?: string): void;
  /** The guest reset the machine and it keeps running (noReboot unset). */
  reset(): void;
}

export interface VcpuStats {
  /** Guest time on this vCPU, ns. */
  timeNs: number;
  online: boolean;
  /** The vCPU's exits by reason and in-kernel events, by kvm_stat's names (exits_io, halt_wakeups, ...). */
  exits: Record<string, number>;
}

export interface BlockStats {
  rdReq: number;
  rdBytes: number;
  wrReq: number;
  wrBytes: number;
  flushReq: number;
  errs: number;
  rdTotalTimeNs: number;
  wrTotalTimeNs: number;
  flushTotalTimeNs: number;
}

export interface NetStats {
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
}

/** virtio-balloon statistics (VIRTIO_BALLOON_S_*), KiB; absent when the guest did not report them. */
export interface BalloonStats {
  /** Current balloon size seen from the host: memory the guest may use. */
  actualKiB: number;
  swapInKiB?: number;
  swapOutKiB?: number;
  majorFault?: number;
  minorFault?: number;
  unusedKiB?: number;
  availableKiB?: number;
  usableKiB?: number;
  diskCachesKiB?: number;
  /** Seconds since the epoch of the guest's last report. */
  lastUpdate?: number;
}

export interface VmStats {
  cpuTimeNs: number;
  vcpus: VcpuStats[];
  /** Host memory the VM's RAM really occupies (frames touched), KiB. */
  rssKiB: number;
  balloon: BalloonStats;
  /** By disk target ("vda"). */
  block: Record<string, BlockStats>;
  /** By interface target ("vnet0"). */
  net: Record<string, NetStats>;
}

/** A console byte stream (serial port or virtio console). */
export interface ConsoleStream {
  /** Bytes from the guest; returns a function that unsubscribes. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  write(bytes: Uint8Array): void;
  /** A BREAK on the line after the bytes written (serial ports: Linux then takes the next key as Magic SysRq). */
  sendBreak(): Promise<void>;
  close(): void;
}

export interface RunningVm {
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Power cut: the VM stops at once. */
  destroy(): Promise<void>;
  /** Press the ACPI power button; the guest decides what to do. */
  powerButton(): Promise<void>;
  /** Ask the guest to reboot (ACPI/keyboard-controller reset as the machine offers). */
  reboot(): Promise<void>;
  stats(): Promise<VmStats>;
  /** Set the number of online vCPUs (hotplug within <vcpu> max). */
  setVcpus(count: number): Promise<void>;
  /** Balloon target in KiB (within <memory>). */
  setMemory(kib: number): Promise<void>;
  setMemoryStatsPeriod(seconds: number): Promise<void>;
  /** Live I/O limits of one disk (<iotune>; absent fields = unlimited). */
  setBlockIoTune(target: string, tune: DiskIoTune): Promise<void>;
  /** Console by device name: "serial0" (default) or a virtio console "console1". */
  openConsole(device?: string): ConsoleStream;
}

/** The host as the node* calls report it. */
export interface HostInfo {
  hostname: string;
  /** CPU model string ("x86_64"). */
  model: string;
  cpus: number;
  mhz: number;
  sockets: number;
  cores: number;
  threads: number;
  nodes: number;
  /** Memory of the host memory pool, KiB. */
  memoryKiB: number;
  /** Pool usage, KiB. */
  freeKiB: number;
  buffersKiB: number;
  cachedKiB: number;
}

/** A lease of a virtual network's DHCP server (the shape of src/vmm/net/dhcp.ts DhcpLease). */
/** An entry of a network's neighbour table (the host's ARP table on virbrN). */
export interface HostNeighbour {
  ip: string;
  mac: string;
}

export interface HostDhcpLease {
  mac: string;
  ip: string;
  hostname?: string | null;
  clientId?: string | null;
  /** Seconds since the epoch. */
  expiry: number;
}

export interface Hypervisor {
  /** Name as `virsh version` prints it ("wasmvirt"). */
  readonly type: string;
  /** Encoded major*1e6+minor*1e3+patch (core.wasm's core_version()), 0 if unknown. */
  version(): Promise<number>;
  host(): Promise<HostInfo>;
  start(def: DomainDef, options: StartOptions, hooks: VmHooks): Promise<RunningVm>;
  /**
   * Optional, for a hypervisor that runs the virtual switches (what virbrN +
   * dnsmasq are to libvirt): a network became active / inactive, and the
   * active leases of its DHCP server, and the neighbour (ARP) table of its
   * gateway. Without them the driver keeps its own lease table
   * (NetworkDriver.dhcpRequest) and knows no neighbours.
   */
  networkStarted?(def: NetworkDef): void;
  networkStopped?(name: string): void;
  networkLeases?(network: string): HostDhcpLease[] | undefined;
  networkNeighbours?(network: string): HostNeighbour[] | undefined;
}
