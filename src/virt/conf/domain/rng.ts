/*
 * rng.ts — <rng> random number generator devices (formatdomain.html "Random
 * number generator device"): model virtio, <rate bytes period/> and
 * <backend model='random'>path</backend> (default /dev/random, as libvirt's
 * virDomainRNGDefPostParse), 'builtin', or 'egd' (its <source> kept verbatim).
 */
import { VirError } from '../../error.js';
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { propEnum, propString, propUInt } from '../props.js';
import { formatAliasAddress, parseDeviceInfo } from './device-info.js';
import type { RngDef } from './types.js';

export function parseRng(e: XmlElement, live: boolean): RngDef {
  const info = parseDeviceInfo(e, live);
  const model = propEnum(e, 'model', ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const, { required: true })!;
  const backends = e.elements('backend');
  if (backends.length !== 1) throw new VirError('VIR_ERR_XML_ERROR', 'only one RNG backend is supported', 'VIR_FROM_DOMAIN');
  const b = backends[0];
  const bm = propEnum(b, 'model', ['random', 'egd', 'builtin'] as const, { required: true })!;
  let backend: RngDef['backend'];
  if (bm === 'random') backend = { model: 'random', path: b.textContent.trim() || '/dev/random' };
  else if (bm === 'egd') backend = { model: 'egd', type: propString(b, 'type', { required: true })!, source: b.elements().map(cloneElement) };
  else backend = { model: 'builtin' };
  const rate = e.child('rate');
  return {
    model,
    rate: rate ? { bytes: propUInt(rate, 'bytes', { required: true, nonzero: true })!, period: propUInt(rate, 'period', { nonzero: true }) } : undefined,
    backend,
    alias: info.alias,
    address: info.address,
  };
}

export function formatRng(r: RngDef, inactive: boolean): XmlElement {
  const b = r.backend;
  const backend =
    b.model === 'random' ? el('backend', { model: 'random' }, [b.path ?? '/dev/random'])
      : b.model === 'egd' ? el('backend', { model: 'egd', type: b.type }, (b.source ?? []).map(cloneElement))
        : el('backend', { model: 'builtin' });
  return el('rng', { model: r.model }, [
    r.rate && el('rate', { bytes: r.rate.bytes, period: r.rate.period }),
    backend,
    ...formatAliasAddress(r, inactive),
  ]);
}
