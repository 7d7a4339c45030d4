/*
 * interface.ts — <interface> devices (formatdomain.html "Network interfaces"):
 * type network | bridge | user, <mac> (generated 52:54:00:xx:xx:xx when absent),
 * <source>, <model>, <link state>, <bandwidth>, <mtu>, <boot order>.
 *
 * Rules as virDomainNetDefParseXML: a network interface needs <source network>,
 * a bridge one <source bridge> ("No <source> 'bridge' attribute specified with
 * <interface type='bridge'/>"); a MAC must parse ("unable to parse mac address
 * 'X'") and be unicast. Other interface types (direct, ethernet, hostdev,
 * vhostuser ...) would give the guest a different NIC path and are refused.
 * Only virtio NIC models are emulated: other models are refused.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { generateMac, isMulticastMac, parseMac } from '../mac.js';
import { propEnum, propString, propUInt } from '../props.js';
import { DEVICE_INFO_CHILDREN, formatAliasAddress, formatBoot, parseDeviceInfo } from './device-info.js';
import type { BandwidthDirection, InterfaceDef } from './types.js';

const NET_TYPES = ['user', 'ethernet', 'vhostuser', 'server', 'client', 'mcast', 'network', 'bridge', 'internal',
  'direct', 'hostdev', 'udp', 'vdpa', 'null', 'vds'] as const;
const MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'];
const KNOWN = new Set(['mac', 'source', 'model', 'link', 'bandwidth', 'target', 'mtu', ...DEVICE_INFO_CHILDREN]);

function parseRate(e: XmlElement | undefined, inbound: boolean): BandwidthDirection | undefined {
  if (!e) return undefined;
  const r: BandwidthDirection = {
    average: propUInt(e, 'average'),
    peak: propUInt(e, 'peak'),
    burst: propUInt(e, 'burst'),
    floor: propUInt(e, 'floor'),
  };
  if (r.average === undefined && r.floor === undefined) {
    throw new VirError('VIR_ERR_XML_DETAIL', 'Missing mandatory average or floor attributes', 'VIR_FROM_NONE');
  }
  if ((r.peak !== undefined || r.burst !== undefined) && r.average === undefined) {
    throw new VirError('VIR_ERR_XML_DETAIL', "'peak' and 'burst' require 'average' attribute", 'VIR_FROM_NONE');
  }
  if (!inbound && r.floor !== undefined) {
    throw new VirError('VIR_ERR_XML_DETAIL', "floor attribute isn't supported for outbound bandwidth", 'VIR_FROM_NONE');
  }
  return r;
}

export function parseInterface(e: XmlElement, live: boolean, takenMacs: Set<string>): InterfaceDef {
  const type = propEnum(e, 'type', NET_TYPES, { required: true })!;
  if (type !== 'network' && type !== 'bridge' && type !== 'user') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      `interface type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  const src = e.child('source');
  const source: InterfaceDef['source'] = {};
  if (type === 'network') {
    source.network = src?.attr('network');
    if (!source.network) {
      throw new VirError('VIR_ERR_INTERNAL_ERROR',
        "No <source> 'network' attribute specified with <interface type='network'/>", 'VIR_FROM_DOMAIN');
    }
    source.portgroup = src?.attr('portgroup');
    if (live) source.bridge = src?.attr('bridge');
  } else if (type === 'bridge') {
    source.bridge = src?.attr('bridge');
    if (!source.bridge) {
      throw new VirError('VIR_ERR_INTERNAL_ERROR',
        "No <source> 'bridge' attribute specified with <interface type='bridge'/>", 'VIR_FROM_DOMAIN');
    }
  }
  const macText = e.child('mac')?.attr('address');
  let mac: string;
  if (macText !== undefined) {
    const parsed = parseMac(macText);
    if (!parsed) throw new VirError('VIR_ERR_XML_ERROR', `unable to parse mac address '${macText}'`, 'VIR_FROM_DOMAIN');
    if (isMulticastMac(parsed)) {
      throw new VirError('VIR_ERR_XML_ERROR', `expected unicast mac address, found multicast '${macText}'`, 'VIR_FROM_DOMAIN');
    }
    mac = parsed;
  } else {
    mac = generateMac(takenMacs);
  }
  takenMacs.add(mac);
  const modelEl = e.child('model');
  const model = modelEl ? propString(modelEl, 'type', { required: true }) : undefined;
  if (model !== undefined && !MODELS.includes(model)) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      `interface model '${model}' is not supported by the wasmvirt driver (only virtio)`, 'VIR_FROM_DOMAIN');
  }
  const info = parseDeviceInfo(e, live);
  const bw = e.child('bandwidth');
  const linkEl = e.child('link');
  const mtuEl = e.child('mtu');
  const targetEl = e.child('target');
  return {
    type,
    source,
    mac,
    model,
    link: linkEl ? propEnum(linkEl, 'state', ['up', 'down'] as const) : undefined,
    bandwidth: bw ? { inbound: parseRate(bw.child('inbound'), true), outbound: parseRate(bw.child('outbound'), false) } : undefined,
    target: parseTargetDev(targetEl, live),
    mtu: mtuEl ? propUInt(mtuEl, 'size', { required: true }) : undefined,
    bootOrder: info.bootOrder,
    alias: info.alias,
    address: info.address,
    extra: e.elements().filter((c) => !KNOWN.has(c.name)).map(cloneElement),
  };
}

/** libvirt's generated host-side names start with "vnet": those are live state; others are the user's. */
const GENERATED_TAP_PREFIX = 'vnet';

function parseTargetDev(t: XmlElement | undefined, live: boolean): string | undefined {
  const dev = t ? propString(t, 'dev') : undefined;
  if (dev === undefined || (!live && dev.startsWith(GENERATED_TAP_PREFIX))) return undefined;
  return dev;
}

function formatRate(name: string, r: BandwidthDirection | undefined): XmlElement | undefined {
  return r && el(name, { average: r.average, peak: r.peak, floor: r.floor, burst: r.burst });
}

export function formatInterface(n: InterfaceDef, inactive: boolean): XmlElement {
  const s = n.source;
  let source: XmlElement | undefined;
  if (n.type === 'network') source = el('source', { network: s.network, portgroup: s.portgroup, bridge: inactive ? undefined : s.bridge });
  else if (n.type === 'bridge') source = el('source', { bridge: s.bridge });
  const bw = n.bandwidth;
  return el('interface', { type: n.type }, [
    el('mac', { address: n.mac }),
    source,
    bw && (bw.inbound || bw.outbound) && el('bandwidth', {}, [formatRate('inbound', bw.inbound), formatRate('outbound', bw.outbound)]),
    n.target !== undefined && !(inactive && n.target.startsWith(GENERATED_TAP_PREFIX)) && el('target', { dev: n.target }),
    n.model !== undefined && el('model', { type: n.model }),
    n.link !== undefined && el('link', { state: n.link }),
    n.mtu !== undefined && el('mtu', { size: n.mtu }),
    ...n.extra.map(cloneElement),
    formatBoot(n.bootOrder),
    ...formatAliasAddress(n, inactive),
  ]);
}
