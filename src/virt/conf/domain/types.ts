/*
 * types.ts — the typed domain definition (libvirt's virDomainDef), as parsed from
 * and formatted to domain XML (https://libvirt.org/formatdomain.html).
 *
 * Invariants of a DomainDef returned by parseDomainXML():
 *  - every size is in KiB (libvirt's internal unit); every default libvirt fills
 *    in is present (type kvm, os hvm/x86_64/pc, lifecycle actions, clock utc,
 *    currentMemory <= memory, vcpu placement static, uuid, interface MACs ...);
 *  - uuid is lowercase 8-4-4-4-12; MACs are lowercase aa:bb:cc:dd:ee:ff;
 *  - `verbatim` / `extra` hold elements that are accepted but not interpreted
 *    (input, graphics, video, address, pm, seclabel ...); they are formatted back
 *    unchanged at libvirt's position for their name.
 * A DomainDef is plain data (no methods), so it can be structured-cloned and
 * stored; XmlElement fields survive as trees only in memory, so persist the XML
 * (formatDomainXML) rather than the object.
 */
import type { XmlElement } from '../../xml/node.js';

/** <domain type=...>: the hypervisor kind. */
export type DomainVirtType = 'kvm' | 'qemu' | 'test';

/** on_poweroff / on_reboot / on_crash values (virDomainLifecycleAction). */
export type LifecycleAction =
  | 'destroy' | 'restart' | 'rename-restart' | 'preserve' | 'coredump-destroy' | 'coredump-restart';

export interface MemoryBacking {
  hugepages?: XmlElement; // kept verbatim
  nosharepages: boolean;
  locked: boolean;
  source?: 'file' | 'anonymous' | 'memfd';
  access?: 'shared' | 'private';
  allocation?: { mode?: 'immediate' | 'ondemand'; threads?: number };
  discard: boolean;
}

export interface VcpuDef {
  /** <vcpu>N</vcpu>: maximum vCPUs. */
  max: number;
  /** current='N' (online at boot); undefined = all of max. */
  current?: number;
  placement: 'static' | 'auto';
  cpuset?: string;
}

/** <vcpus><vcpu id enabled hotpluggable order/></vcpus> */
export interface VcpuInfo {
  id: number;
  enabled: boolean;
  hotpluggable?: boolean;
  order?: number;
}

export interface CpuTune {
  shares?: number;
  period?: number;
  quota?: number;
  globalPeriod?: number;
  globalQuota?: number;
  emulatorPeriod?: number;
  emulatorQuota?: number;
  iothreadPeriod?: number;
  iothreadQuota?: number;
  vcpupin: Array<{ vcpu: number; cpuset: string }>;
  emulatorpin?: string;
  /** Other cputune children (vcpusched, cachetune, memorytune ...) kept verbatim. */
  extra: XmlElement[];
}

export interface CpuTopology {
  sockets: number;
  dies?: number;
  clusters?: number;
  cores: number;
  threads: number;
}

export interface CpuDef {
  mode?: 'custom' | 'host-model' | 'host-passthrough' | 'maximum';
  match?: 'minimum' | 'exact' | 'strict';
  check?: 'none' | 'partial' | 'full';
  migratable?: 'on' | 'off';
  model?: { name: string; fallback?: 'allow' | 'forbid'; vendorId?: string };
  vendor?: string;
  topology?: CpuTopology;
  features: Array<{ policy?: 'force' | 'require' | 'optional' | 'disable' | 'forbid'; name: string }>;
  /** numa, cache, maxphysaddr ... kept verbatim. */
  extra: XmlElement[];
}

export type BootDev = 'hd' | 'cdrom' | 'network' | 'fd';

export interface OsDef {
  type: 'hvm' | 'linux' | 'exe' | 'xen';
  arch: string; // 'x86_64'
  machine: string; // 'pc'
  firmware?: 'bios' | 'efi';
  loader?: { path?: string; readonly?: 'yes' | 'no'; type?: 'rom' | 'pflash'; secure?: 'yes' | 'no' };
  nvram?: XmlElement;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  dtb?: string;
  /** <boot dev=.../> in order. */
  boot: BootDev[];
  bootmenu?: { enable: 'yes' | 'no'; timeout?: number };
  smbios?: { mode: 'emulate' | 'host' | 'sysinfo' };
  bios?: { useserial?: 'yes' | 'no'; rebootTimeout?: number };
  /** init, initarg, acpi, ... other os children kept verbatim. */
  extra: XmlElement[];
}

/**
 * <features>: each child element by name. `present` features are switches
 * (<acpi/>); a feature with attributes or children (hyperv, kvm, vmport state=...,
 * smm ...) keeps its element verbatim.
 */
export interface FeaturesDef {
  list: Array<{ name: string; element?: XmlElement }>;
}

export interface TimerDef {
  name: 'platform' | 'pit' | 'rtc' | 'hpet' | 'tsc' | 'kvmclock' | 'hypervclock' | 'armvtimer';
  present?: 'yes' | 'no';
  tickpolicy?: 'delay' | 'catchup' | 'merge' | 'discard';
  track?: 'boot' | 'guest' | 'wall' | 'realtime';
  mode?: 'auto' | 'native' | 'emulate' | 'paravirt' | 'smpsafe';
  frequency?: number;
  /** <catchup threshold slew limit/> kept verbatim. */
  catchup?: XmlElement;
}

export interface ClockDef {
  offset: 'utc' | 'localtime' | 'timezone' | 'variable' | 'absolute';
  timezone?: string;
  adjustment?: string; // 'reset' or seconds
  basis?: 'utc' | 'localtime';
  start?: number;
  timers: TimerDef[];
}

/* ---------------------------------------------------------------- devices */

export type DiskDevice = 'disk' | 'cdrom' | 'floppy' | 'lun';
export type DiskBus = 'ide' | 'fdc' | 'scsi' | 'virtio' | 'xen' | 'usb' | 'uml' | 'sata' | 'sd';

/** All libvirt <iotune> fields (absent = unlimited). */
export interface DiskIoTune {
  total_bytes_sec?: number;
  read_bytes_sec?: number;
  write_bytes_sec?: number;
  total_iops_sec?: number;
  read_iops_sec?: number;
  write_iops_sec?: number;
  total_bytes_sec_max?: number;
  read_bytes_sec_max?: number;
  write_bytes_sec_max?: number;
  total_iops_sec_max?: number;
  read_iops_sec_max?: number;
  write_iops_sec_max?: number;
  size_iops_sec?: number;
  group_name?: string;
  total_bytes_sec_max_length?: number;
  read_bytes_sec_max_length?: number;
  write_bytes_sec_max_length?: number;
  total_iops_sec_max_length?: number;
  read_iops_sec_max_length?: number;
  write_iops_sec_max_length?: number;
}

export type DiskSource =
  | { type: 'file'; file?: string }
  | { type: 'block'; dev?: string }
  | { type: 'volume'; pool?: string; volume?: string; mode?: 'host' | 'direct' };

export interface DiskDef {
  device: DiskDevice;
  source: DiskSource;
  driver?: {
    name?: string; // 'qemu'
    type?: 'raw' | 'qcow2';
    cache?: 'default' | 'none' | 'writethrough' | 'writeback' | 'directsync' | 'unsafe';
    discard?: 'ignore' | 'unmap';
    io?: 'threads' | 'native' | 'io_uring';
    detect_zeroes?: 'off' | 'on' | 'unmap';
  };
  /** <backingStore> kept verbatim when given. */
  backingStore?: XmlElement;
  target: { dev: string; bus: DiskBus; tray?: 'open' | 'closed'; removable?: 'on' | 'off' };
  iotune?: DiskIoTune;
  readonly: boolean;
  shareable: boolean;
  transient: boolean;
  serial?: string;
  wwn?: string;
  /** per-device <boot order='N'/>. */
  bootOrder?: number;
  alias?: string;
  address?: XmlElement;
  /** Unrecognised harmless children (geometry, blockio, encryption ...), kept verbatim. */
  extra: XmlElement[];
}

export interface ControllerDef {
  type: 'ide' | 'fdc' | 'scsi' | 'sata' | 'virtio-serial' | 'ccid' | 'usb' | 'pci' | 'xenbus' | 'isa';
  index: number;
  model?: string;
  ports?: number;
  vectors?: number;
  /** model/target/driver children kept verbatim. */
  extra: XmlElement[];
  alias?: string;
  address?: XmlElement;
}

export interface BandwidthDirection {
  average?: number; // KiB/s
  peak?: number; // KiB/s
  burst?: number; // KiB
  floor?: number; // inbound only
}

export interface InterfaceDef {
  type: 'network' | 'bridge' | 'user';
  source: { network?: string; bridge?: string; portgroup?: string };
  /** Lowercase aa:bb:cc:dd:ee:ff; generated as 52:54:00:xx:xx:xx when absent. */
  mac: string;
  model?: string; // 'virtio', 'e1000', 'rtl8139'
  link?: 'up' | 'down';
  bandwidth?: { inbound?: BandwidthDirection; outbound?: BandwidthDirection };
  /** <target dev>: host-side name; generated 'vnetN' names are live state, other names persist. */
  target?: string;
  mtu?: number;
  bootOrder?: number;
  alias?: string;
  address?: XmlElement;
  extra: XmlElement[];
}

/** Character device source kinds implemented (pty/file/null; plus stdio/unix kept). */
export type CharSourceType = 'pty' | 'file' | 'null' | 'stdio' | 'unix' | 'vc';

export interface CharSource {
  type: CharSourceType;
  /** pty: allocated path (live); file: file path; unix: socket path. */
  path?: string;
  append?: 'on' | 'off';
  mode?: 'bind' | 'connect';
  /** <log file append/> kept verbatim. */
  log?: XmlElement;
}

export interface SerialDef {
  source: CharSource;
  target: { type?: 'isa-serial' | 'usb-serial' | 'pci-serial' | 'system-serial'; port: number; model?: string };
  alias?: string;
  address?: XmlElement;
}

export interface ConsoleDef {
  source: CharSource;
  target: { type: 'serial' | 'virtio' | 'xen' | 'sclp' | 'sclplm'; port: number };
  alias?: string;
  address?: XmlElement;
}

export interface ChannelDef {
  source: CharSource;
  target: { type: 'virtio' | 'guestfwd'; name?: string; state?: 'connected' | 'disconnected'; address?: string; port?: string };
  alias?: string;
  address?: XmlElement;
}

export interface MemballoonDef {
  model: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional' | 'xen' | 'none';
  autodeflate?: 'on' | 'off';
  freePageReporting?: 'on' | 'off';
  /** <stats period='N'/> in seconds (0 = off). */
  statsPeriod?: number;
  alias?: string;
  address?: XmlElement;
}

export interface RngDef {
  model: 'virtio' | 'virtio-transitional' | 'virtio-non-transitional';
  /** <rate bytes='N' period='ms'/> */
  rate?: { bytes: number; period?: number };
  backend:
    | { model: 'random'; path?: string } // path defaults to /dev/urandom
    | { model: 'egd'; type: string; source?: XmlElement[] }
    | { model: 'builtin' };
  alias?: string;
  address?: XmlElement;
}

export interface DomainDevices {
  emulator?: string;
  disks: DiskDef[];
  controllers: ControllerDef[];
  interfaces: InterfaceDef[];
  serials: SerialDef[];
  consoles: ConsoleDef[];
  channels: ChannelDef[];
  /** input / graphics / video / audio ...: accepted, preserved verbatim, not acted on. */
  inputs: XmlElement[];
  graphics: XmlElement[];
  videos: XmlElement[];
  /** other accepted-but-uninterpreted devices (audio ...), kept verbatim in libvirt order. */
  verbatim: XmlElement[];
  memballoon?: MemballoonDef;
  rngs: RngDef[];
}

export interface DomainDef {
  type: DomainVirtType;
  /** Live domain id (<domain id='N'>), set by the driver for running domains; never parsed from input. */
  id?: number;
  name: string;
  uuid: string;
  /** VM generation id: a uuid; `<genid/>` with no value asks for one to be generated. */
  genid?: string;
  title?: string;
  description?: string;
  /** Children of <metadata>, each in its own namespace, kept verbatim. */
  metadata: XmlElement[];
  /** <maxMemory slots='N'> in KiB. */
  maxMemory?: { kib: number; slots: number };
  /** <memory> in KiB: the maximum memory allocation at boot. */
  memory: number;
  /** <memory dumpCore='on|off'>: whether guest memory goes into a core dump. */
  memoryDumpCore?: 'on' | 'off';
  /** <currentMemory> in KiB: the balloon target; <= memory. */
  currentMemory: number;
  memoryBacking?: MemoryBacking;
  vcpu: VcpuDef;
  vcpus?: VcpuInfo[];
  cputune?: CpuTune;
  cpu?: CpuDef;
  os: OsDef;
  features?: FeaturesDef;
  clock: ClockDef;
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onCrash: LifecycleAction;
  devices: DomainDevices;
  /** Accepted top-level elements not interpreted here (blkiotune, memtune, resource, pm, perf, seclabel, on_lockfailure ...). */
  verbatim: XmlElement[];
}
