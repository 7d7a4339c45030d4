/*
 * controller.ts — <controller> devices (formatdomain.html "Controllers").
 *
 * type and index are parsed (index defaults to 0), model/ports/vectors kept,
 * any children (<model name>, <target>, <driver>) kept verbatim. Implicit
 * controllers are added as libvirt + QEMU do for a 'pc' machine: pci-root 0,
 * and one controller of each kind a disk bus or a virtio channel needs.
 * Order follows libvirt's insertion rule: document order, with controllers of
 * one type kept together by index.
 */
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { propEnum, propString, propUInt } from '../props.js';
import { DEVICE_INFO_CHILDREN, formatAliasAddress, parseDeviceInfo } from './device-info.js';
import type { ControllerDef, DomainDevices } from './types.js';

const TYPES = ['ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb', 'pci', 'xenbus', 'isa'] as const;

export function parseController(e: XmlElement, live: boolean): ControllerDef {
  const info = parseDeviceInfo(e, live);
  return {
    type: propEnum(e, 'type', TYPES) ?? 'ide',
    index: propUInt(e, 'index') ?? 0,
    model: propString(e, 'model'),
    ports: propUInt(e, 'ports'),
    vectors: propUInt(e, 'vectors'),
    extra: e.elements().filter((c) => !DEVICE_INFO_CHILDREN.has(c.name)).map(cloneElement),
    alias: info.alias,
    address: info.address,
  };
}

export function formatController(c: ControllerDef, inactive: boolean): XmlElement {
  return el('controller', { type: c.type, index: c.index, model: c.model, ports: c.ports, vectors: c.vectors }, [
    ...c.extra.map(cloneElement),
    ...formatAliasAddress(c, inactive),
  ]);
}

/**
 * Insert as virDomainControllerInsertPreAlloced does: at the end, unless other
 * controllers of the same type exist; then among them, before the first with
 * a higher index, or right after the last of them.
 */
export function insertController(list: ControllerDef[], c: ControllerDef): void {
  let insertAt = -1;
  let lastSameType = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].type !== c.type) continue;
    if (list[i].index > c.index) insertAt = i;
    if (lastSameType < 0) lastSameType = i;
  }
  if (insertAt < 0) insertAt = lastSameType >= 0 ? lastSameType + 1 : list.length;
  list.splice(insertAt, 0, c);
}

function ensure(devs: DomainDevices, type: ControllerDef['type'], model?: string): void {
  if (devs.controllers.some((c) => c.type === type && c.index === 0)) return;
  insertController(devs.controllers, { type, index: 0, model, extra: [] });
}

/** virDomainDefAddImplicitControllers + the QEMU driver's pc defaults. */
export function addImplicitControllers(devs: DomainDevices): void {
  // The QEMU driver's defaults run before the generic implicit controllers.
  ensure(devs, 'pci', 'pci-root');
  const buses = new Set(devs.disks.map((d) => d.target.bus));
  if (buses.has('ide')) ensure(devs, 'ide');
  if (buses.has('fdc')) ensure(devs, 'fdc');
  if (buses.has('scsi')) ensure(devs, 'scsi', 'lsilogic');
  if (buses.has('sata')) ensure(devs, 'sata');
  const virtioSerial = devs.channels.some((c) => c.target.type === 'virtio') || devs.consoles.some((c) => c.target.type === 'virtio');
  if (virtioSerial) ensure(devs, 'virtio-serial');
}
