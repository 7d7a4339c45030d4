/*
 * volume.ts — storage volume XML (formatstorage.html "Storage volume XML"):
 * name, key, capacity / allocation / physical with units, target path, format
 * raw|qcow2, qcow2 compat and lazy_refcounts, permissions, backingStore path
 * and format.
 *
 * Rules as virStorageVolDefParseXML: a name is required and may not contain
 * '/'; capacity is required unless a backing store gives it ("missing capacity
 * element"); sizes take libvirt's units (default bytes); a format must be a
 * libvirt volume format ("unknown volume format type X") and only raw and
 * qcow2 exist here; an absent target format is raw (the dir pool default); an
 * absent backing format stays unset, for the driver to probe. A qcow2 volume defaults to compat 1.1; lazy_refcounts
 * needs compat 1.1.
 */
import { VirError } from '../../error.js';
import { el, textEl, type XmlElement } from '../../xml/node.js';
import { formatXml } from '../../xml/format.js';
import { parseXml } from '../../xml/parse.js';
import { childText, propString } from '../props.js';
import { formatPermissions, parsePermissions, parseStorageSize, sizeEl } from './common.js';
import type { StorageVolDef, VolFormat } from './types.js';

const VOL_FORMATS = ['none', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop',
  'cow', 'qcow', 'qcow2', 'qed', 'vmdk'];

function parseFormat(e: XmlElement | undefined): VolFormat | undefined {
  const t = e ? propString(e, 'type', { domain: 'VIR_FROM_STORAGE' }) : undefined;
  if (t === undefined) return undefined;
  if (!VOL_FORMATS.includes(t)) throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `unknown volume format type ${t}`, 'VIR_FROM_STORAGE');
  if (t !== 'raw' && t !== 'qcow2') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `volume format '${t}' is not supported by the wasmvirt driver`, 'VIR_FROM_STORAGE');
  }
  return t;
}

export function parseStorageVolXML(xml: string): StorageVolDef {
  const root = parseXml(xml, { url: '(storage_volume_definition)', domain: 'VIR_FROM_STORAGE' });
  if (root.name !== 'volume') {
    throw new VirError('VIR_ERR_XML_ERROR', `expecting root element of 'volume', not '${root.name}'`, 'VIR_FROM_STORAGE');
  }
  const type = root.attr('type') ?? 'file';
  if (!['file', 'block', 'dir', 'network', 'netdir', 'ploop'].includes(type)) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `unknown volume type '${type}'`, 'VIR_FROM_STORAGE');
  }
  if (type !== 'file') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `volume type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_STORAGE');
  }
  const name = childText(root, 'name');
  if (!name) throw new VirError('VIR_ERR_XML_ERROR', 'missing volume name element', 'VIR_FROM_STORAGE');
  if (name.includes('/')) throw new VirError('VIR_ERR_XML_ERROR', `volume name '${name}' cannot contain '/'`, 'VIR_FROM_STORAGE');
  const bsEl = root.child('backingStore');
  let backingStore: StorageVolDef['backingStore'];
  if (bsEl) {
    const path = childText(bsEl, 'path');
    if (!path) throw new VirError('VIR_ERR_XML_ERROR', 'missing backing store path', 'VIR_FROM_STORAGE');
    backingStore = { path, format: parseFormat(bsEl.child('format')) };
  }
  const capEl = root.child('capacity');
  if (!capEl && !backingStore) throw new VirError('VIR_ERR_XML_ERROR', 'missing capacity element', 'VIR_FROM_STORAGE');
  const allocEl = root.child('allocation');
  const physEl = root.child('physical');
  const target = root.child('target');
  const format = parseFormat(target?.child('format')) ?? 'raw';
  const compat = target ? childText(target, 'compat')?.trim() : undefined;
  if (compat !== undefined && !/^\d+\.\d+/.test(compat)) {
    throw new VirError('VIR_ERR_XML_ERROR', `forbidden characters in 'compat' attribute`, 'VIR_FROM_STORAGE');
  }
  const features = target?.child('features');
  for (const f of features?.elements() ?? []) {
    if (f.name !== 'lazy_refcounts' && f.name !== 'extended_l2') {
      throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `unsupported feature ${f.name}`, 'VIR_FROM_STORAGE');
    }
  }
  const lazy = !!features?.child('lazy_refcounts');
  const csEl = target?.child('clusterSize');
  const def: StorageVolDef = {
    type: 'file',
    name,
    key: childText(root, 'key'),
    capacity: capEl ? parseStorageSize(capEl) : 0,
    allocation: allocEl ? parseStorageSize(allocEl) : undefined,
    physical: physEl ? parseStorageSize(physEl) : undefined,
    target: {
      path: target ? childText(target, 'path') : undefined,
      format,
      permissions: parsePermissions(target?.child('permissions')),
      compat: format === 'qcow2' ? compat ?? '1.1' : compat,
      lazyRefcounts: lazy || undefined,
      clusterSize: csEl ? parseStorageSize(csEl) : undefined,
    },
    backingStore,
  };
  if (compat !== undefined && format !== 'qcow2') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `compat is only supported for the qcow2 format`, 'VIR_FROM_STORAGE');
  }
  if (lazy && def.target.compat === '0.10') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', 'lazy_refcounts not supported with compat level 0.10', 'VIR_FROM_STORAGE');
  }
  return def;
}

export function volumeElement(def: StorageVolDef): XmlElement {
  const t = def.target;
  return el('volume', { type: def.type }, [
    el('name', {}, [def.name]),
    textEl('key', def.key),
    sizeEl('capacity', def.capacity),
    sizeEl('allocation', def.allocation ?? def.capacity), // libvirt: allocation defaults to capacity
    sizeEl('physical', def.physical),
    el('target', {}, [
      textEl('path', t.path),
      el('format', { type: t.format }),
      formatPermissions(t.permissions),
      textEl('compat', t.compat),
      t.clusterSize !== undefined && el('clusterSize', { unit: 'B' }, [String(t.clusterSize)]),
      t.lazyRefcounts && el('features', {}, [el('lazy_refcounts')]),
    ]),
    def.backingStore && el('backingStore', {}, [
      el('path', {}, [def.backingStore.path]),
      def.backingStore.format && el('format', { type: def.backingStore.format }),
    ]),
  ]);
}

export function formatStorageVolXML(def: StorageVolDef): string {
  return formatXml(volumeElement(def));
}
