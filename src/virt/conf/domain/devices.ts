/*
 * devices.ts — the <devices> element: dispatch each child to its device kind,
 * then libvirt's device post-parse (ports, console/serial compatibility,
 * implicit controllers, default memballoon, PS/2 inputs with graphics) and the
 * cross-device checks (duplicate disk targets, duplicate boot orders).
 */
import { VirError } from '../../error.js';
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { assignPorts, checkIsaSerialPorts, parseChannel, parseConsole, parseSerial } from './chardev.js';
import { addImplicitControllers, insertController, parseController } from './controller.js';
import { parseDisk } from './disk.js';
import { parseInterface } from './interface.js';
import { parseMemballoon } from './memballoon.js';
import { parseMac } from '../mac.js';
import { parseRng } from './rng.js';
import type { DomainDevices } from './types.js';

export function emptyDevices(): DomainDevices {
  return {
    disks: [], controllers: [], interfaces: [], serials: [], consoles: [], channels: [],
    inputs: [], graphics: [], videos: [], verbatim: [], rngs: [],
  };
}

/** True when any device carries a per-device <boot order>. */
export function hasDeviceBoot(devicesEl: XmlElement | undefined): boolean {
  return !!devicesEl?.elements().some((d) => d.child('boot'));
}

export function parseDevices(devicesEl: XmlElement | undefined, live: boolean, takenMacs: Iterable<string> = []): DomainDevices {
  const devs = emptyDevices();
  const macs = new Set<string>(takenMacs);
  // Explicit MACs first, so a generated one never collides with a later interface's.
  for (const i of devicesEl?.elements('interface') ?? []) {
    const m = parseMac(i.child('mac')?.attr('address') ?? '');
    if (m) macs.add(m);
  }
  let balloons = 0;
  for (const d of devicesEl?.elements() ?? []) {
    switch (d.name) {
      case 'emulator': devs.emulator = d.textContent.trim(); break;
      case 'disk': devs.disks.push(parseDisk(d, live)); break;
      case 'controller': insertController(devs.controllers, parseController(d, live)); break;
      case 'interface': devs.interfaces.push(parseInterface(d, live, macs)); break;
      case 'serial': devs.serials.push(parseSerial(d, live)); break;
      case 'console': devs.consoles.push(parseConsole(d, live)); break;
      case 'channel': devs.channels.push(parseChannel(d, live)); break;
      case 'input': devs.inputs.push(cloneElement(d)); break;
      case 'graphics': devs.graphics.push(cloneElement(d)); break;
      case 'video': devs.videos.push(cloneElement(d)); break;
      case 'rng': devs.rngs.push(parseRng(d, live)); break;
      case 'memballoon':
        if (++balloons > 1) {
          throw new VirError('VIR_ERR_XML_ERROR', 'only a single memory balloon device is supported', 'VIR_FROM_DOMAIN');
        }
        devs.memballoon = parseMemballoon(d, live);
        break;
      default: devs.verbatim.push(cloneElement(d));
    }
  }
  postParseDevices(devs);
  validateDevices(devs);
  return devs;
}

function postParseDevices(devs: DomainDevices): void {
  checkIsaSerialPorts(devs.serials);
  assignPorts(devs.serials);
  // virDomainDefAddConsoleCompat: console 0 of type serial mirrors serial 0.
  const c0 = devs.consoles[0];
  if (c0 && c0.target.type === 'serial' && devs.serials.length === 0) {
    devs.serials.push({ source: { ...c0.source }, target: { type: 'isa-serial', port: 0, model: 'isa-serial' } });
  }
  if (devs.serials.length > 0) {
    const s0 = devs.serials[0];
    if (!c0) {
      devs.consoles.unshift({ source: { ...s0.source }, target: { type: 'serial', port: s0.target.port } });
    } else if (c0.target.type === 'serial') {
      c0.source = { ...s0.source };
      c0.target.port = s0.target.port;
    }
  }
  assignPorts(devs.consoles);
  addImplicitControllers(devs);
  if (!devs.memballoon) devs.memballoon = { model: 'virtio' };
  if (devs.graphics.length > 0) addPs2Inputs(devs);
}

function addPs2Inputs(devs: DomainDevices): void {
  for (const type of ['mouse', 'keyboard']) {
    const has = devs.inputs.some((i) => i.attr('type') === type && (i.attr('bus') ?? 'ps2') === 'ps2');
    if (!has) devs.inputs.push(el('input', { type, bus: 'ps2' }));
  }
}

function validateDevices(devs: DomainDevices): void {
  const targets = new Map<string, string>();
  for (const d of devs.disks) {
    const path = d.source.type === 'file' ? d.source.file : d.source.type === 'block' ? d.source.dev : d.source.volume;
    const prev = targets.get(d.target.dev);
    if (prev !== undefined) {
      throw new VirError('VIR_ERR_XML_ERROR',
        `target '${d.target.dev}' duplicated for disk sources '${prev}' and '${path ?? '<null>'}'`, 'VIR_FROM_DOMAIN');
    }
    targets.set(d.target.dev, path ?? '<null>');
  }
  const orders = new Set<number>();
  for (const o of [...devs.disks, ...devs.interfaces].map((d) => d.bootOrder)) {
    if (o === undefined) continue;
    if (orders.has(o)) {
      throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `boot order '${o}' used for more than one device`, 'VIR_FROM_DOMAIN');
    }
    orders.add(o);
  }
}
