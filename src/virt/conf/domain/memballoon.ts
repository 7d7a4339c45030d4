/*
 * memballoon.ts — <memballoon> (formatdomain.html "Memory balloon device").
 *
 * model is required (libvirt: "Missing required attribute 'model' in element
 * 'memballoon'"); <stats period='N'/> sets the statistics interval in seconds.
 * When absent, the QEMU driver adds <memballoon model='virtio'/> for x86 pc
 * machines, and so do we. model='none' disables it.
 */
import { el, type XmlElement } from '../../xml/node.js';
import { ON_OFF, propEnum, propUInt } from '../props.js';
import { formatAliasAddress, parseDeviceInfo } from './device-info.js';
import type { MemballoonDef } from './types.js';

const MODELS = ['virtio', 'xen', 'none', 'virtio-transitional', 'virtio-non-transitional'] as const;

export function parseMemballoon(e: XmlElement, live: boolean): MemballoonDef {
  const info = parseDeviceInfo(e, live);
  const stats = e.child('stats');
  return {
    model: propEnum(e, 'model', MODELS, { required: true })!,
    autodeflate: propEnum(e, 'autodeflate', ON_OFF),
    freePageReporting: propEnum(e, 'freePageReporting', ON_OFF),
    statsPeriod: stats ? propUInt(stats, 'period', { required: true }) : undefined,
    alias: info.alias,
    address: info.address,
  };
}

export function formatMemballoon(m: MemballoonDef, inactive: boolean): XmlElement {
  return el('memballoon', { model: m.model, autodeflate: m.autodeflate, freePageReporting: m.freePageReporting }, [
    m.statsPeriod !== undefined && el('stats', { period: m.statsPeriod }),
    ...formatAliasAddress(m, inactive),
  ]);
}
