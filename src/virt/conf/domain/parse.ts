/*
 * parse.ts — domain XML text -> validated DomainDef (libvirt's
 * virDomainDefParseString + post-parse + validate, as `virsh define` runs it).
 *
 * Order of checks follows libvirt closely enough that the first error a user
 * sees is the one libvirt would show: well-formedness, root element, refused
 * elements (with their line), identity, memory, vcpus, os/boot, devices.
 * On any error a VirError is thrown and nothing is returned, so the caller
 * defines nothing.
 */
import { VirError } from '../../error.js';
import { cloneElement, type XmlElement } from '../../xml/node.js';
import { parseXml } from '../../xml/parse.js';
import { propEnum, propUInt } from '../props.js';
import { parseCpu, parseCputune, parseVcpu, parseVcpus } from './cpu.js';
import { hasDeviceBoot, parseDevices } from './devices.js';
import { parseDomainUuid, parseGenid, parseLifecycle, parseMetadata, parseName, parseTitle } from './general.js';
import { parseMemory, parseMemoryBacking } from './memory.js';
import { parseClock, parseFeatures, parseOs } from './os.js';
import type { DomainDef, DomainVirtType } from './types.js';
import { checkUnsupported } from './unsupported.js';
import { childText } from '../props.js';

export interface DomainParseOptions {
  /**
   * Read live-only state too (id, pty paths, aliases, interface target dev,
   * channel state): for reloading a running domain's saved status. `virsh
   * define` parses inactive (the default), so live-only state is dropped.
   */
  live?: boolean;
  /** MACs already used by other domains: generated MACs avoid them. */
  takenMacs?: Iterable<string>;
}

const VIRT_TYPES = ['none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox',
  'phyp', 'parallels', 'bhyve', 'vz', 'ch'] as const;

/** Elements read into typed fields; every other top-level element is refused or kept verbatim. */
const INTERPRETED = new Set(['name', 'uuid', 'genid', 'title', 'description', 'metadata', 'maxMemory', 'memory',
  'currentMemory', 'memoryBacking', 'vcpu', 'vcpus', 'cputune', 'cpu', 'os', 'features', 'clock', 'on_poweroff',
  'on_reboot', 'on_crash', 'devices']);

export function parseDomainXML(xml: string, opts: DomainParseOptions = {}): DomainDef {
  const root = parseXml(xml, { url: '(domain_definition)', domain: 'VIR_FROM_DOMAIN' });
  if (root.name !== 'domain') {
    throw new VirError('VIR_ERR_XML_ERROR', `expecting root element of 'domain', not '${root.name}'`, 'VIR_FROM_DOMAIN');
  }
  return parseDomainElement(root, opts);
}

export function parseDomainElement(root: XmlElement, opts: DomainParseOptions = {}): DomainDef {
  const live = !!opts.live;
  checkUnsupported(root);
  const type = parseVirtType(root);
  const name = parseName(root);
  const uuid = parseDomainUuid(root);
  const genid = parseGenid(root);
  const title = parseTitle(root);
  const description = childText(root, 'description');
  const metadata = parseMetadata(root);
  const mem = parseMemory(root);
  const memoryBacking = parseMemoryBacking(root);
  const vcpu = parseVcpu(root);
  const vcpus = parseVcpus(root, vcpu.max);
  const cputune = parseCputune(root);
  const cpu = parseCpu(root, vcpu.max);
  const devicesEl = root.child('devices');
  const os = parseOs(root, hasDeviceBoot(devicesEl));
  const features = parseFeatures(root);
  const clock = parseClock(root);
  const onPoweroff = parseLifecycle(root, 'on_poweroff', 'destroy');
  const onReboot = parseLifecycle(root, 'on_reboot', 'restart');
  const onCrash = parseLifecycle(root, 'on_crash', 'destroy');
  const devices = parseDevices(devicesEl, live, opts.takenMacs);
  const def: DomainDef = {
    type, name, uuid, genid, title, description, metadata,
    maxMemory: mem.maxMemory, memory: mem.memory, memoryDumpCore: mem.dumpCore, currentMemory: mem.currentMemory, memoryBacking,
    vcpu, vcpus, cputune, cpu, os, features, clock, onPoweroff, onReboot, onCrash, devices,
    verbatim: root.elements().filter((c) => !INTERPRETED.has(c.name)).map(cloneElement),
  };
  if (live) {
    const id = propUInt(root, 'id');
    if (id !== undefined) def.id = id;
  }
  return def;
}

function parseVirtType(root: XmlElement): DomainVirtType {
  const t = propEnum(root, 'type', VIRT_TYPES) ?? 'kvm';
  if (t !== 'kvm' && t !== 'qemu' && t !== 'test') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `domain type '${t}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  return t;
}
