// machine-builder.ts — inside a VM worker: the devices of a MachineSpec (virtio-blk over the
// opened images with their I/O limits, virtio-net on NIC uplinks, virtio-rng, virtio-balloon,
// virtio-console with the named channels) and the pc machine built around them on a new VM of the
// shared pool. What QEMU does with its -device arguments.
import type { BlockDevice } from '../vmm/block/device.js';
import { ThrottledDevice, type ThrottleLimits } from '../vmm/block/throttle.js';
import type { Vm } from '../vmm/kvm/index.js';
import { createPcMachine, type PcMachine } from '../vmm/machine/pc.js';
import type { PciDevice } from '../vmm/pci/device.js';
import { VirtioPciFunction } from '../vmm/virtio/pci.js';
import { VirtioBlk } from '../vmm/virtio/devices/blk.js';
import { VirtioNet } from '../vmm/virtio/devices/net.js';
import { VirtioRng } from '../vmm/virtio/devices/rng.js';
import { VirtioBalloon } from '../vmm/virtio/devices/balloon.js';
import { VirtioConsole } from '../vmm/virtio/devices/console.js';
import type { CharBackend } from '../vmm/chardev/backend.js';
import { NicUplink } from './nic-uplink.js';
import type { MachineSpec, NicSpec } from './vm-protocol.js';

const PAGE = 4096;

export interface BuiltDevices {
  blk: Map<string, { dev: VirtioBlk; disk: BlockDevice; throttle?: ThrottledDevice }>;
  nics: Map<string, { dev: VirtioNet; uplink: NicUplink }>;
  balloon?: VirtioBalloon;
  console?: VirtioConsole;
  pci: PciDevice[];
}

export interface MachineInputs {
  spec: MachineSpec;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  disks: Map<string, BlockDevice>;
  nics: NicSpec[];
  serial: CharBackend[];
  log: (line: string) => void;
}

/** The virtio devices of the spec, each on a virtio-pci function over the VM's guest memory. */
export function buildDevices(vm: Vm, inp: MachineInputs): BuiltDevices {
  const out: BuiltDevices = { blk: new Map(), nics: new Map(), pci: [] };
  const plug = (d: ConstructorParameters<typeof VirtioPciFunction>[0]) =>
    out.pci.push(new VirtioPciFunction(d, vm.memory, (m) => inp.log(m)));
  for (const spec of inp.spec.disks) {
    const disk = inp.disks.get(spec.target)!;
    const throttle = spec.iotune && Object.keys(spec.iotune).length ? new ThrottledDevice(disk, spec.iotune as ThrottleLimits) : undefined;
    const dev = new VirtioBlk(throttle ?? disk, { serial: spec.serial });
    out.blk.set(spec.target, { dev, disk, throttle });
    plug(dev);
  }
  for (const nic of inp.nics) {
    const uplink = new NicUplink(nic);
    const dev = new VirtioNet(uplink.sw, nic.mac, nic.linkUp);
    out.nics.set(nic.target, { dev, uplink });
    plug(dev);
  }
  if (inp.spec.rng) {
    const r = inp.spec.rng;
    plug(new VirtioRng(r.rateBytes ? { rate: { bytes: r.rateBytes, period: r.ratePeriodMs ?? 1000 } } : {}));
  }
  if (inp.spec.balloon) {
    out.balloon = new VirtioBalloon({ releasePage: (gpa) => vm.unmap(gpa, PAGE) },
      { statsPeriod: inp.spec.balloon.statsPeriod, setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (t) => clearTimeout(t as number) });
    const targetPages = Math.max(0, (inp.spec.memoryBytes - inp.spec.currentMemoryBytes) / PAGE);
    if (targetPages) out.balloon.setTargetPages(targetPages);
    plug(out.balloon);
  }
  if (inp.spec.channels.length) {
    out.console = new VirtioConsole([{ console: true }, ...inp.spec.channels.map((name) => ({ name }))]);
    plug(out.console);
  }
  return out;
}

export async function buildMachine(vm: Vm, inp: MachineInputs, devices: BuiltDevices): Promise<PcMachine> {
  return createPcMachine(vm, {
    memory: inp.spec.memoryBytes,
    vcpus: inp.spec.vcpus,
    kernel: inp.kernel,
    initrd: inp.initrd,
    cmdline: inp.spec.cmdline,
    bootPath: inp.spec.bootProtocol === 'auto' ? 'auto' : inp.spec.bootProtocol === 'pvh' ? 'pvh' : 'bzimage',
    acpi: inp.spec.acpi,
    serial: inp.serial,
    pciDevices: devices.pci,
  });
}
