/*
 * format.ts — DomainDef -> domain XML text, as `virsh dumpxml` prints it
 * (virDomainDefFormat): libvirt's element order, sizes in KiB, defaults
 * written out, live-only state (id, pty paths, aliases, target devs) only when
 * not formatting the inactive definition.
 *
 * Invariant: parseDomainXML(formatDomainXML(def, {inactive:true})) formats to
 * the same text (round-trip stable).
 */
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { formatXml } from '../../xml/format.js';
import { formatChannel, formatConsole, formatSerial } from './chardev.js';
import { formatController } from './controller.js';
import { formatCpu, formatCputune, formatVcpu, formatVcpus } from './cpu.js';
import { formatDisk } from './disk.js';
import { formatGeneral, formatLifecycle } from './general.js';
import { formatInterface } from './interface.js';
import { formatMemballoon } from './memballoon.js';
import { formatMemory, formatMemoryBacking } from './memory.js';
import { formatClock, formatFeatures, formatOs } from './os.js';
import { formatRng } from './rng.js';
import type { DomainDef, DomainDevices } from './types.js';

export interface DomainFormatOptions {
  /** Format the persistent (inactive) definition: no id, no live-only state (virsh dumpxml --inactive). */
  inactive?: boolean;
}

/** Where libvirt writes each verbatim top-level element, relative to the typed ones. */
const VERBATIM_SLOT: Record<string, string> = {
  blkiotune: 'memory', memtune: 'memory', resource: 'cputune', pm: 'lifecycle', perf: 'lifecycle',
  on_lockfailure: 'lifecycle', seclabel: 'devices',
};

export function formatDomainXML(def: DomainDef, opts: DomainFormatOptions = {}): string {
  return formatXml(domainElement(def, opts));
}

export function domainElement(def: DomainDef, opts: DomainFormatOptions = {}): XmlElement {
  const inactive = !!opts.inactive;
  const slot = (s: string) => def.verbatim.filter((v) => VERBATIM_SLOT[v.name] === s).map(cloneElement);
  const kids: Array<XmlElement | undefined | false> = [
    ...formatGeneral(def),
    ...formatMemory(def),
    ...slot('memory'),
    def.memoryBacking && formatMemoryBacking(def.memoryBacking),
    formatVcpu(def.vcpu),
    def.vcpus && formatVcpus(def.vcpus),
    def.cputune && formatCputune(def.cputune),
    ...slot('cputune'),
    formatOs(def.os),
    def.features && formatFeatures(def.features),
    def.cpu && formatCpu(def.cpu),
    formatClock(def.clock),
    ...formatLifecycle(def),
    ...slot('lifecycle'),
    formatDevices(def.devices, inactive),
    ...slot('devices'),
    ...def.verbatim.filter((v) => !(v.name in VERBATIM_SLOT)).map(cloneElement),
  ];
  const id = !inactive && def.id !== undefined ? def.id : undefined;
  return el('domain', { type: def.type, id }, kids);
}

export function formatDevices(d: DomainDevices, inactive: boolean): XmlElement {
  return el('devices', {}, [
    d.emulator !== undefined && el('emulator', {}, [d.emulator]),
    ...d.disks.map((x) => formatDisk(x, inactive)),
    ...d.controllers.map((x) => formatController(x, inactive)),
    ...d.interfaces.map((x) => formatInterface(x, inactive)),
    ...d.serials.map((x) => formatSerial(x, inactive)),
    ...d.consoles.map((x) => formatConsole(x, inactive)),
    ...d.channels.map((x) => formatChannel(x, inactive)),
    ...d.inputs.map(cloneElement),
    ...d.graphics.map(cloneElement),
    ...d.verbatim.filter((v) => v.name === 'audio').map(cloneElement),
    ...d.videos.map(cloneElement),
    d.memballoon && formatMemballoon(d.memballoon, inactive),
    ...d.rngs.map((x) => formatRng(x, inactive)),
    ...d.verbatim.filter((v) => v.name !== 'audio').map(cloneElement),
  ]);
}
