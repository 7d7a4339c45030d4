/*
 * types.ts — typed storage pool and volume definitions (libvirt's
 * virStoragePoolDef / virStorageVolDef), https://libvirt.org/formatstorage.html.
 *
 * Invariants after parsing: sizes are in bytes (libvirt's unit for storage);
 * uuid is lowercase 8-4-4-4-12; only pool type 'dir' is supported (its target
 * path names a directory in Node, or a key prefix in the browser's IndexedDB).
 */

export interface StoragePermissions {
  mode?: string; // octal, e.g. '0711'
  owner?: number;
  group?: number;
  label?: string;
}

export interface StoragePoolDef {
  type: 'dir';
  name: string;
  uuid: string;
  /** Live figures in bytes (formatted for a running pool; 0 when inactive). */
  capacity: number;
  allocation: number;
  available: number;
  /** <source> is empty for dir pools; kept verbatim children if any. */
  target: { path: string; permissions?: StoragePermissions };
}

export type VolFormat = 'raw' | 'qcow2';

export interface StorageVolDef {
  type: 'file';
  name: string;
  /** Unique key; for dir pools the volume's full path (set by the driver when absent). */
  key?: string;
  /** Bytes. */
  capacity: number;
  /** Bytes actually used (thin provisioning); undefined = fully allocated at create. */
  allocation?: number;
  physical?: number;
  target: {
    path?: string;
    format: VolFormat;
    permissions?: StoragePermissions;
    /** qcow2 compat level: '0.10' or '1.1' (default '1.1' for new qcow2 volumes). */
    compat?: string;
    /** qcow2 <features><lazy_refcounts/></features>. */
    lazyRefcounts?: boolean;
    clusterSize?: number; // bytes
  };
  backingStore?: { path: string; format?: VolFormat };
}
