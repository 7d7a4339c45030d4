/*
 * device-info.ts — what every device element may carry besides its own
 * content: <alias name='...'/>, <address .../> (kept verbatim) and
 * <boot order='N'/> (virDomainDeviceInfo). Aliases are live state and are only
 * read back when parsing a live document.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { propString } from '../props.js';

export interface DeviceInfo {
  alias?: string;
  address?: XmlElement;
  bootOrder?: number;
}

export const DEVICE_INFO_CHILDREN = new Set(['alias', 'address', 'boot']);

export function parseDeviceInfo(dev: XmlElement, live: boolean): DeviceInfo {
  const info: DeviceInfo = {};
  const alias = dev.child('alias');
  if (alias && live) info.alias = propString(alias, 'name');
  const addr = dev.child('address');
  if (addr) info.address = cloneElement(addr);
  const boot = dev.child('boot');
  if (boot) info.bootOrder = parseBootOrder(boot);
  return info;
}

/** <boot order='N'/>, N a positive integer (virDomainDeviceBootParseXML). */
function parseBootOrder(boot: XmlElement): number {
  const order = boot.attr('order');
  if (order === undefined) throw new VirError('VIR_ERR_INTERNAL_ERROR', 'missing boot order attribute', 'VIR_FROM_DOMAIN');
  if (!/^\s*\d+$/.test(order) || Number(order) === 0 || Number(order) > 0xffffffff) {
    throw new VirError('VIR_ERR_INTERNAL_ERROR', `incorrect boot order '${order}', expecting positive integer`, 'VIR_FROM_DOMAIN');
  }
  return Number(order);
}

/** <boot order/> goes where virDomainDeviceInfoFormat puts it: after the device's own children, before <alias>. */
export function formatBoot(order: number | undefined): XmlElement | undefined {
  return order === undefined ? undefined : el('boot', { order });
}

export function formatAliasAddress(info: { alias?: string; address?: XmlElement }, inactive: boolean): XmlElement[] {
  const out: XmlElement[] = [];
  if (info.alias && !inactive) out.push(el('alias', { name: info.alias }));
  if (info.address) out.push(cloneElement(info.address));
  return out;
}
