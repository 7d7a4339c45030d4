/*
 * index.ts — the public API of the libvirt XML layer (src/virt/conf).
 *
 * Every parse function does what virsh define / pool-define / vol-create /
 * net-define do before anything is stored: parse -> post-parse defaults ->
 * validate, and throws a VirError (src/virt/error.ts) with libvirt's code and
 * wording on the first problem; on success the returned definition is complete
 * (defaults filled in, units in KiB for domains and bytes for storage).
 * Every format function gives the document `virsh dumpxml` / `pool-dumpxml` /
 * `vol-dumpxml` / `net-dumpxml` would print, ending with a newline.
 *
 * Checks that need the driver's state (a name or uuid already used) are the
 * driver's: checkUniqueDefinition() gives it libvirt's exact errors.
 */
export type * from './domain/types.js';
export type * from './storage/types.js';
export type * from './network/types.js';
export { parseDomainXML, type DomainParseOptions } from './domain/parse.js';
export { formatDomainXML, type DomainFormatOptions } from './domain/format.js';
export { copyDomainDef } from './domain/copy.js';
export { checkName as checkDomainName } from './domain/general.js';
export { validateIoTune, IOTUNE_FIELDS } from './domain/disk.js';
export { parseStoragePoolXML, formatStoragePoolXML } from './storage/pool.js';
export { parseStorageVolXML, formatStorageVolXML } from './storage/volume.js';
export { parseNetworkXML, formatNetworkXML, fillNetworkDefaults, type NetworkParseOptions, type NetworkFormatOptions } from './network/network.js';
export { checkUniqueDefinition, duplicateNameError, duplicateUuidError, type DefinitionKind } from './unique.js';
export { parseUuid, isUuid, generateUuid } from './uuid.js';
export { parseMac, generateMac, isMulticastMac } from './mac.js';
export { unitScale, scaleInteger, bytesToKiB, formatScaledSize } from './units.js';

import type { StoragePoolDef, StorageVolDef } from './storage/types.js';
/** libvirt's own names for these definitions. */
export type PoolDef = StoragePoolDef;
export type VolDef = StorageVolDef;
