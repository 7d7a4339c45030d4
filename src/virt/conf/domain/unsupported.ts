/*
 * unsupported.ts — which domain XML elements are refused, kept verbatim, or
 * interpreted.
 *
 * Refused (VIR_ERR_CONFIG_UNSUPPORTED naming the element and its line): what
 * would change the hardware or resources the guest sees, where wasmvirt has no
 * such thing — host device passthrough, NUMA and iothread placement, SMBIOS
 * tables, TPM, sound, watchdog, pvpanic, shared memory, vsock, extra memory
 * modules, parallel ports, filesystems, QEMU command-line passthrough ...
 * Kept verbatim: host-side settings that change nothing the guest observes
 * here (blkiotune, memtune, resource, seclabel, pm, perf, on_lockfailure) and
 * elements libvirt itself does not know (libvirt ignores those; we keep them so
 * a document loses nothing).
 */
import type { XmlElement } from '../../xml/node.js';
import { unsupportedElement } from '../props.js';

export const REFUSED_TOP = new Set([
  'numatune', 'iothreads', 'iothreadids', 'defaultiothread', 'sysinfo', 'idmap', 'keywrap', 'launchSecurity',
  'throttlegroups', 'bootloader', 'bootloader_args',
]);

export const REFUSED_DEVICES = new Set([
  'hostdev', 'redirdev', 'redirfilter', 'smartcard', 'tpm', 'sound', 'hub', 'watchdog', 'nvram', 'panic', 'shmem',
  'memory', 'iommu', 'vsock', 'crypto', 'pstore', 'filesystem', 'lease', 'parallel',
]);

/** libvirt's QEMU namespace: <qemu:commandline> etc. pass raw options to QEMU. */
export const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** Throw for the first refused element, in document order. */
export function checkUnsupported(root: XmlElement): void {
  for (const c of root.elements()) {
    if (REFUSED_TOP.has(c.name) || c.namespaceURI() === QEMU_NS) throw unsupportedElement(c);
    if (c.name === 'devices') {
      for (const d of c.elements()) if (REFUSED_DEVICES.has(d.name)) throw unsupportedElement(d);
    }
  }
}
