/*
 * disk.ts — <disk> devices (formatdomain.html "Hard drives, floppy disks,
 * CDROMs"): file / block / volume sources, <driver> (raw|qcow2, cache,
 * discard, io, detect_zeroes), <target dev bus>, <readonly/>, <shareable/>,
 * <transient/>, <serial>, <wwn>, <boot order>, and every <iotune> field.
 *
 * Post-parse and validation as libvirt's virDomainDiskDefPostParse /
 * virDomainDiskDefValidate: bus inferred from the target prefix (hd ide, sd
 * scsi, vd virtio, xvd xen, ubd uml; floppy fdc); a cdrom is always readonly;
 * a disk with no target is VIR_ERR_NO_TARGET; a device='disk' with no source is
 * VIR_ERR_NO_SOURCE; total and read/write iotune limits are exclusive.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, textEl, type XmlElement } from '../../xml/node.js';
import { childText, propEnum, propString, ON_OFF } from '../props.js';
import { DEVICE_INFO_CHILDREN, formatAliasAddress, formatBoot, parseDeviceInfo } from './device-info.js';
import type { DiskBus, DiskDef, DiskDevice, DiskIoTune, DiskSource } from './types.js';

const DISK_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser'] as const;
const DISK_DEVICES: readonly DiskDevice[] = ['disk', 'cdrom', 'floppy', 'lun'];
const DISK_BUSES: readonly DiskBus[] = ['ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd'];
/** virStorageFileFormat names: known to libvirt; only raw and qcow2 are implemented. */
const STORAGE_FORMATS = ['none', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop',
  'cow', 'qcow', 'qcow2', 'qed', 'vmdk'];

export const IOTUNE_FIELDS: ReadonlyArray<keyof DiskIoTune> = [
  'total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec',
  'total_iops_sec', 'read_iops_sec', 'write_iops_sec',
  'total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max',
  'total_iops_sec_max', 'read_iops_sec_max', 'write_iops_sec_max',
  'size_iops_sec', 'group_name',
  'total_bytes_sec_max_length', 'read_bytes_sec_max_length', 'write_bytes_sec_max_length',
  'total_iops_sec_max_length', 'read_iops_sec_max_length', 'write_iops_sec_max_length',
];

const KNOWN = new Set(['driver', 'source', 'target', 'iotune', 'readonly', 'shareable', 'transient', 'serial', 'wwn',
  'backingStore', ...DEVICE_INFO_CHILDREN]);

/** An attribute, with '' read as absent (libvirt's "bogus '' source path" compatibility). */
function nonEmpty(e: XmlElement | undefined, name: string): string | undefined {
  const v = e ? propString(e, name) : undefined;
  return v === '' ? undefined : v;
}

function parseSource(type: string, src: XmlElement | undefined): DiskSource {
  if (type === 'file') return { type: 'file', file: nonEmpty(src, 'file') };
  if (type === 'block') return { type: 'block', dev: nonEmpty(src, 'dev') };
  if (type === 'volume') {
    const pool = nonEmpty(src, 'pool');
    const volume = nonEmpty(src, 'volume');
    if ((pool === undefined) !== (volume === undefined)) {
      throw new VirError('VIR_ERR_XML_ERROR', "'pool' and 'volume' must be specified together for 'pool' type source", 'VIR_FROM_DOMAIN');
    }
    return { type: 'volume', pool, volume, mode: src ? propEnum(src, 'mode', ['host', 'direct'] as const) : undefined };
  }
  throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `disk type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
}

function sourcePath(s: DiskSource): string | undefined {
  return s.type === 'file' ? s.file : s.type === 'block' ? s.dev : s.volume;
}

export function parseIoTune(e: XmlElement): DiskIoTune {
  const t: DiskIoTune = {};
  for (const c of e.elements()) {
    const f = c.name as keyof DiskIoTune;
    if (!IOTUNE_FIELDS.includes(f)) continue;
    const text = c.textContent.trim();
    if (f === 'group_name') {
      t.group_name = text;
      continue;
    }
    if (!/^\d+$/.test(text)) {
      throw new VirError('VIR_ERR_XML_ERROR', `disk iotune field '${f}' must be an integer`, 'VIR_FROM_DOMAIN');
    }
    (t as Record<string, number>)[f] = Number(text);
  }
  return t;
}

/** The four total-vs-read/write exclusions of virDomainDiskDefValidate (also used by blkdeviotune). */
export function validateIoTune(t: DiskIoTune): void {
  const pairs: Array<[keyof DiskIoTune, keyof DiskIoTune, keyof DiskIoTune, string]> = [
    ['total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'bytes_sec'],
    ['total_iops_sec', 'read_iops_sec', 'write_iops_sec', 'iops_sec'],
    ['total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max', 'bytes_sec_max'],
    ['total_iops_sec_max', 'read_iops_sec_max', 'write_iops_sec_max', 'iops_sec_max'],
  ];
  for (const [total, read, write, what] of pairs) {
    if (t[total] && (t[read] || t[write])) {
      throw new VirError('VIR_ERR_XML_ERROR', `total and read/write ${what} cannot be set at the same time`, 'VIR_FROM_DOMAIN');
    }
  }
}

function inferBus(device: DiskDevice, dev: string): DiskBus {
  if (device === 'floppy') return 'fdc';
  if (dev.startsWith('hd')) return 'ide';
  if (dev.startsWith('sd')) return 'scsi';
  if (dev.startsWith('vd')) return 'virtio';
  if (dev.startsWith('xvd')) return 'xen';
  if (dev.startsWith('ubd')) return 'uml';
  return 'ide';
}

export function parseDisk(e: XmlElement, live: boolean): DiskDef {
  const type = propEnum(e, 'type', DISK_TYPES) ?? 'file';
  const device = propEnum(e, 'device', DISK_DEVICES) ?? 'disk';
  const source = parseSource(type, e.child('source'));
  const info = parseDeviceInfo(e, live);
  const targetEl = e.child('target');
  const dev = targetEl?.attr('dev');
  if (!dev) {
    const s = source.type === 'volume' && source.pool ? `pool = '${source.pool}', volume = '${source.volume}'` : sourcePath(source) ?? '';
    throw new VirError('VIR_ERR_NO_TARGET', s, 'VIR_FROM_DOMAIN');
  }
  const bus = (targetEl && propEnum(targetEl, 'bus', DISK_BUSES)) || inferBus(device, dev);
  const disk: DiskDef = {
    device,
    source,
    target: {
      dev,
      bus,
      tray: targetEl ? propEnum(targetEl, 'tray', ['open', 'closed'] as const) : undefined,
      removable: targetEl ? propEnum(targetEl, 'removable', ON_OFF) : undefined,
    },
    readonly: !!e.child('readonly') || device === 'cdrom',
    shareable: !!e.child('shareable'),
    transient: !!e.child('transient'),
    serial: childText(e, 'serial'),
    wwn: childText(e, 'wwn'),
    bootOrder: info.bootOrder,
    alias: info.alias,
    address: info.address,
    extra: e.elements().filter((c) => !KNOWN.has(c.name)).map(cloneElement),
  };
  const drv = e.child('driver');
  if (drv) disk.driver = parseDriver(drv);
  const bs = e.child('backingStore');
  if (bs && bs.elements().length > 0) disk.backingStore = cloneElement(bs);
  const io = e.child('iotune');
  if (io) disk.iotune = parseIoTune(io);
  validateDisk(disk);
  return disk;
}

function parseDriver(d: XmlElement): NonNullable<DiskDef['driver']> {
  const fmt = d.attr('type');
  if (fmt !== undefined && !STORAGE_FORMATS.includes(fmt)) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `unknown driver format value '${fmt}'`, 'VIR_FROM_DOMAIN');
  }
  if (fmt !== undefined && fmt !== 'raw' && fmt !== 'qcow2') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `disk format '${fmt}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  return {
    name: propString(d, 'name'),
    type: fmt as 'raw' | 'qcow2' | undefined,
    cache: propEnum(d, 'cache', ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe'] as const),
    io: propEnum(d, 'io', ['threads', 'native', 'io_uring'] as const),
    discard: propEnum(d, 'discard', ['ignore', 'unmap'] as const),
    detect_zeroes: propEnum(d, 'detect_zeroes', ['off', 'on', 'unmap'] as const),
  };
}

function validateDisk(d: DiskDef): void {
  if (d.iotune) validateIoTune(d.iotune);
  const dst = d.target.dev;
  if (d.target.tray && d.device !== 'floppy' && d.device !== 'cdrom') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', 'tray is only valid for cdrom and floppy', 'VIR_FROM_DOMAIN');
  }
  if (d.device === 'floppy' && d.target.bus !== 'fdc') {
    throw new VirError('VIR_ERR_INTERNAL_ERROR', `Invalid bus type '${d.target.bus}' for floppy disk`, 'VIR_FROM_DOMAIN');
  }
  if (d.device !== 'floppy' && d.target.bus === 'fdc') {
    throw new VirError('VIR_ERR_INTERNAL_ERROR', `Invalid bus type '${d.target.bus}' for disk`, 'VIR_FROM_DOMAIN');
  }
  if (d.target.removable && d.target.bus !== 'usb') {
    throw new VirError('VIR_ERR_XML_ERROR', 'removable is only valid for usb disks', 'VIR_FROM_DOMAIN');
  }
  if ((d.device === 'disk' || d.device === 'lun') && !/^(hd|sd|vd|xvd|ubd)/.test(dst)) {
    throw new VirError('VIR_ERR_INTERNAL_ERROR', `Invalid harddisk device name: ${dst}`, 'VIR_FROM_DOMAIN');
  }
  if (d.device === 'floppy' && !dst.startsWith('fd')) {
    throw new VirError('VIR_ERR_INTERNAL_ERROR', `Invalid floppy device name: ${dst}`, 'VIR_FROM_DOMAIN');
  }
  const empty = d.source.type === 'volume' ? !d.source.pool || !d.source.volume : !sourcePath(d.source);
  if (empty && d.device === 'disk') throw new VirError('VIR_ERR_NO_SOURCE', dst, 'VIR_FROM_DOMAIN');
}

function formatSource(s: DiskSource): XmlElement | undefined {
  if (s.type === 'file') return s.file === undefined ? undefined : el('source', { file: s.file });
  if (s.type === 'block') return s.dev === undefined ? undefined : el('source', { dev: s.dev });
  if (s.pool === undefined && s.volume === undefined) return undefined;
  return el('source', { pool: s.pool, volume: s.volume, mode: s.mode });
}

export function formatIoTune(t: DiskIoTune): XmlElement | undefined {
  const kids = IOTUNE_FIELDS.filter((f) => t[f] !== undefined && t[f] !== 0 && t[f] !== '')
    .map((f) => el(f, {}, [String(t[f])]));
  return kids.length ? el('iotune', {}, kids) : undefined;
}

export function formatDisk(d: DiskDef, inactive: boolean): XmlElement {
  const drv = d.driver;
  return el('disk', { type: d.source.type, device: d.device }, [
    drv && el('driver', { name: drv.name, type: drv.type, cache: drv.cache, io: drv.io, discard: drv.discard, detect_zeroes: drv.detect_zeroes }),
    formatSource(d.source),
    d.backingStore && cloneElement(d.backingStore),
    el('target', { dev: d.target.dev, bus: d.target.bus, tray: d.target.tray, removable: d.target.removable }),
    d.iotune && formatIoTune(d.iotune),
    d.readonly && el('readonly'),
    d.shareable && el('shareable'),
    d.transient && el('transient'),
    textEl('serial', d.serial),
    textEl('wwn', d.wwn),
    ...d.extra.map(cloneElement),
    formatBoot(d.bootOrder),
    ...formatAliasAddress(d, inactive),
  ]);
}
