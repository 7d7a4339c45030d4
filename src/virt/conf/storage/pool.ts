/*
 * pool.ts — storage pool XML (formatstorage.html "Storage pool XML"), type
 * 'dir' only: name, uuid, capacity/allocation/available, <source/>, target
 * path and permissions.
 *
 * Rules as virStoragePoolDefParseXML: type is a required libvirt pool type
 * (virXMLPropEnum wording); other types than dir are refused; a name is
 * required ("missing pool source name element") and cannot contain '/'; a bad
 * uuid is "malformed uuid element"; a dir pool needs a target path
 * ("missing storage pool target path"). The uuid is generated when absent.
 * Formatting prints the (live) sizes; libvirt writes an empty dir-pool source
 * as "<source>\n  </source>", and so do we.
 */
import { VirError } from '../../error.js';
import { el, type XmlElement } from '../../xml/node.js';
import { formatXml } from '../../xml/format.js';
import { parseXml } from '../../xml/parse.js';
import { childText, propEnum } from '../props.js';
import { generateUuid, parseUuid } from '../uuid.js';
import { formatPermissions, parsePermissions, parseStorageSize, sanitizePath, sizeEl } from './common.js';
import type { StoragePoolDef } from './types.js';

const POOL_TYPES = ['dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'iscsi-direct', 'scsi', 'mpath', 'rbd',
  'sheepdog', 'gluster', 'zfs', 'vstorage'];

export function parseStoragePoolXML(xml: string): StoragePoolDef {
  const root = parseXml(xml, { url: '(storage_pool_definition)', domain: 'VIR_FROM_STORAGE' });
  if (root.name !== 'pool') {
    throw new VirError('VIR_ERR_XML_ERROR', `expecting root element of 'pool', not '${root.name}'`, 'VIR_FROM_STORAGE');
  }
  const type = propEnum(root, 'type', POOL_TYPES, { required: true, domain: 'VIR_FROM_STORAGE' })!;
  if (type !== 'dir') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `storage pool type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_STORAGE');
  }
  const name = childText(root, 'name');
  if (!name) throw new VirError('VIR_ERR_XML_ERROR', 'missing pool source name element', 'VIR_FROM_STORAGE');
  if (name.includes('/')) throw new VirError('VIR_ERR_XML_ERROR', `name ${name} cannot contain '/'`, 'VIR_FROM_STORAGE');
  const uuidText = childText(root, 'uuid');
  let uuid = generateUuid();
  if (uuidText !== undefined) {
    const u = parseUuid(uuidText);
    if (!u) throw new VirError('VIR_ERR_XML_ERROR', 'malformed uuid element', 'VIR_FROM_STORAGE');
    uuid = u;
  }
  const target = root.child('target');
  const path = target ? childText(target, 'path') : undefined;
  if (!path) throw new VirError('VIR_ERR_XML_ERROR', 'missing storage pool target path', 'VIR_FROM_STORAGE');
  const size = (n: string) => {
    const e = root.child(n);
    return e ? parseStorageSize(e) : 0;
  };
  return {
    type: 'dir',
    name,
    uuid,
    capacity: size('capacity'),
    allocation: size('allocation'),
    available: size('available'),
    target: { path: sanitizePath(path), permissions: parsePermissions(target?.child('permissions')) },
  };
}

export function poolElement(def: StoragePoolDef): XmlElement {
  return el('pool', { type: def.type }, [
    el('name', {}, [def.name]),
    el('uuid', {}, [def.uuid]),
    sizeEl('capacity', def.capacity),
    sizeEl('allocation', def.allocation),
    sizeEl('available', def.available),
    el('source'),
    el('target', {}, [el('path', {}, [def.target.path]), formatPermissions(def.target.permissions)]),
  ]);
}

export function formatStoragePoolXML(def: StoragePoolDef): string {
  return formatXml(poolElement(def)).replace(/^( *)<source\/>$/m, '$1<source>\n$1</source>');
}
