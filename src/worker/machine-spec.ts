// machine-spec.ts — from a libvirt domain definition to the machine a VM worker builds: what
// libvirt's qemu driver does when it turns domain XML into a QEMU command line. Only elements that
// change the machine are read; the rest was validated (or refused) by the XML layer.
import type { DomainDef } from '../virt/conf/domain/types.js';
import type { ResolvedDisk, StartOptions } from '../virt/hypervisor.js';
import type { BootFile, DiskSpec, MachineSpec } from './vm-protocol.js';

const KiB = 1024;

/** Where boot files come from on this platform (a file path in Node, a URL in the browser). */
export type BootFileResolver = (path: string) => BootFile;

export function machineSpecFromDomain(def: DomainDef, opts: StartOptions, resolve: BootFileResolver,
  clock: MachineSpec['clock'] = 'realtime'): MachineSpec {
  const dev = def.devices;
  const balloon = dev.memballoon && dev.memballoon.model !== 'none' ? dev.memballoon : undefined;
  const rng = dev.rngs?.[0];
  return {
    name: def.name,
    memoryBytes: def.memory * KiB,
    currentMemoryBytes: def.currentMemory * KiB,
    vcpus: def.vcpu.current ?? def.vcpu.max,
    maxVcpus: def.vcpu.max,
    kernel: def.os.kernel ? resolve(def.os.kernel) : undefined,
    initrd: def.os.initrd ? resolve(def.os.initrd) : undefined,
    cmdline: def.os.cmdline ?? '',
    bootProtocol: 'auto',
    acpi: def.features?.list.some((f) => f.name === 'acpi') ?? false,
    disks: opts.disks.filter((d) => d.bus === 'virtio').map((d) => diskSpec(def, d)),
    rng: rng ? { rateBytes: rng.rate?.bytes, ratePeriodMs: rng.rate?.period } : undefined,
    balloon: balloon ? { statsPeriod: balloon.statsPeriod ?? 0 } : undefined,
    channels: (dev.channels ?? []).flatMap((c) => (c.target?.name ? [c.target.name] : [])),
    clock,
  };
}

function diskSpec(def: DomainDef, d: ResolvedDisk): DiskSpec {
  const disk = def.devices.disks.find((x) => x.target.dev === d.target);
  return { target: d.target, path: d.path, format: d.format, readOnly: d.readOnly, serial: disk?.serial, iotune: disk?.iotune };
}
