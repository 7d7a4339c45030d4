/*
 * cpu.ts — <vcpu>, <vcpus>, <cputune>, <cpu> (formatdomain.html "CPU
 * Allocation", "CPU Tuning", "CPU model and topology").
 *
 * Rules as libvirt's virDomainVcpuParse / virDomainDefSetVcpus: <vcpu> absent
 * means 1; its count must be an integer ("maximum vcpus count must be an
 * integer"); current above the maximum is refused with
 * "maxvcpus must not be less than current vcpus (CUR < MAX)"; placement
 * defaults to static. A <cpu><topology> must multiply out to the vcpu count.
 * <cpu><numa> changes the guest's view of memory and is refused.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, textEl, type XmlElement } from '../../xml/node.js';
import { propEnum, propString, propUInt, unsupportedElement } from '../props.js';
import type { CpuDef, CpuTune, VcpuDef, VcpuInfo } from './types.js';

function vcpuCount(text: string, what: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new VirError('VIR_ERR_XML_ERROR', `${what} vcpus count must be an integer`, 'VIR_FROM_DOMAIN');
  return Number(t);
}

export function parseVcpu(root: XmlElement): VcpuDef {
  const v = root.child('vcpu');
  if (!v) return { max: 1, placement: 'static' };
  const max = vcpuCount(v.textContent, 'maximum');
  if (max === 0) throw new VirError('VIR_ERR_XML_ERROR', 'Invalid value for element \'vcpu\': Zero is not permitted', 'VIR_FROM_DOMAIN');
  const curText = v.attr('current');
  const current = curText === undefined ? undefined : vcpuCount(curText, 'current');
  if (current !== undefined && current > max) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      `maxvcpus must not be less than current vcpus (${current} < ${max})`, 'VIR_FROM_DOMAIN');
  }
  const placement = propEnum(v, 'placement', ['static', 'auto'] as const) ?? 'static';
  const cpuset = propString(v, 'cpuset');
  return { max, current: current === undefined || current === max ? undefined : current, placement, cpuset };
}

export function parseVcpus(root: XmlElement, max: number): VcpuInfo[] | undefined {
  const v = root.child('vcpus');
  if (!v) return undefined;
  const err = (m: string) => new VirError('VIR_ERR_XML_ERROR', m, 'VIR_FROM_DOMAIN');
  const out: VcpuInfo[] = [];
  for (const c of v.elements('vcpu')) {
    const idText = c.attr('id');
    if (idText === undefined || !/^\d+$/.test(idText.trim())) throw err('missing or invalid vcpu id');
    const id = Number(idText);
    if (id >= max) throw err(`vcpu id '${id}' is out of range of maximum vcpu count`);
    const enabled = c.attr('enabled');
    if (enabled === undefined) throw err('missing vcpu enabled state');
    if (enabled !== 'yes' && enabled !== 'no') throw err(`invalid vcpu 'enabled' value '${enabled}'`);
    const hp = c.attr('hotpluggable');
    if (hp !== undefined && hp !== 'yes' && hp !== 'no') throw err(`invalid vcpu 'hotpluggable' value '${hp}'`);
    const order = c.attr('order');
    if (order !== undefined && !/^\d+$/.test(order.trim())) throw err('invalid vcpu order');
    out.push({
      id,
      enabled: enabled === 'yes',
      hotpluggable: hp === undefined ? undefined : hp === 'yes',
      order: order === undefined ? undefined : Number(order),
    });
  }
  return out;
}

export function formatVcpu(v: VcpuDef): XmlElement {
  return el('vcpu', { placement: v.placement, cpuset: v.cpuset, current: v.current }, [String(v.max)]);
}

export function formatVcpus(list: VcpuInfo[]): XmlElement {
  return el('vcpus', {}, list.map((c) => el('vcpu', {
    id: c.id,
    enabled: c.enabled ? 'yes' : 'no',
    hotpluggable: c.hotpluggable === undefined ? undefined : c.hotpluggable ? 'yes' : 'no',
    order: c.order,
  })));
}

const TUNE_NUMBERS: Array<[keyof CpuTune, string]> = [
  ['shares', 'shares'], ['period', 'period'], ['quota', 'quota'],
  ['globalPeriod', 'global_period'], ['globalQuota', 'global_quota'],
  ['emulatorPeriod', 'emulator_period'], ['emulatorQuota', 'emulator_quota'],
  ['iothreadPeriod', 'iothread_period'], ['iothreadQuota', 'iothread_quota'],
];

export function parseCputune(root: XmlElement): CpuTune | undefined {
  const t = root.child('cputune');
  if (!t) return undefined;
  const tune: CpuTune = { vcpupin: [], extra: [] };
  const known = new Set(TUNE_NUMBERS.map(([, n]) => n));
  for (const c of t.elements()) {
    const entry = TUNE_NUMBERS.find(([, n]) => n === c.name);
    if (entry) {
      const text = c.textContent.trim();
      if (!/^-?\d+$/.test(text)) {
        throw new VirError('VIR_ERR_XML_ERROR', `can't parse cputune ${c.name} value`, 'VIR_FROM_DOMAIN');
      }
      (tune as unknown as Record<string, number>)[entry[0]] = Number(text);
    } else if (c.name === 'vcpupin') {
      tune.vcpupin.push({ vcpu: propUInt(c, 'vcpu', { required: true })!, cpuset: propString(c, 'cpuset', { required: true })! });
    } else if (c.name === 'emulatorpin') {
      tune.emulatorpin = propString(c, 'cpuset', { required: true });
    } else if (!known.has(c.name)) {
      tune.extra.push(cloneElement(c));
    }
  }
  return tune;
}

export function formatCputune(t: CpuTune): XmlElement {
  const kids: XmlElement[] = [];
  const num = (k: keyof CpuTune, n: string) => {
    const v = t[k];
    if (typeof v === 'number') kids.push(el(n, {}, [String(v)]));
  };
  num('shares', 'shares');
  num('globalPeriod', 'global_period');
  num('globalQuota', 'global_quota');
  num('period', 'period');
  num('quota', 'quota');
  num('emulatorPeriod', 'emulator_period');
  num('emulatorQuota', 'emulator_quota');
  num('iothreadPeriod', 'iothread_period');
  num('iothreadQuota', 'iothread_quota');
  for (const p of t.vcpupin) kids.push(el('vcpupin', { vcpu: p.vcpu, cpuset: p.cpuset }));
  if (t.emulatorpin) kids.push(el('emulatorpin', { cpuset: t.emulatorpin }));
  for (const x of t.extra) kids.push(cloneElement(x));
  return el('cputune', {}, kids);
}

export function parseCpu(root: XmlElement, vcpus: number): CpuDef | undefined {
  const c = root.child('cpu');
  if (!c) return undefined;
  const def: CpuDef = {
    mode: propEnum(c, 'mode', ['custom', 'host-model', 'host-passthrough', 'maximum'] as const),
    match: propEnum(c, 'match', ['minimum', 'exact', 'strict'] as const),
    check: propEnum(c, 'check', ['none', 'partial', 'full'] as const),
    migratable: propEnum(c, 'migratable', ['on', 'off'] as const),
    features: [],
    extra: [],
  };
  for (const k of c.elements()) {
    switch (k.name) {
      case 'model':
        def.model = {
          name: k.textContent.trim(),
          fallback: propEnum(k, 'fallback', ['allow', 'forbid'] as const),
          vendorId: propString(k, 'vendor_id'),
        };
        break;
      case 'vendor':
        def.vendor = k.textContent.trim();
        break;
      case 'topology': {
        const o = { nonzero: true };
        def.topology = {
          sockets: propUInt(k, 'sockets', o) ?? 1,
          dies: propUInt(k, 'dies', o),
          clusters: propUInt(k, 'clusters', o),
          cores: propUInt(k, 'cores', o) ?? 1,
          threads: propUInt(k, 'threads', o) ?? 1,
        };
        break;
      }
      case 'feature':
        def.features.push({
          policy: propEnum(k, 'policy', ['force', 'require', 'optional', 'disable', 'forbid'] as const),
          name: propString(k, 'name', { required: true })!,
        });
        break;
      case 'numa':
        throw unsupportedElement(k);
      default:
        def.extra.push(cloneElement(k));
    }
  }
  const t = def.topology;
  if (t) {
    const total = t.sockets * (t.dies ?? 1) * (t.clusters ?? 1) * t.cores * t.threads;
    if (total !== vcpus) {
      throw new VirError('VIR_ERR_XML_DETAIL',
        `CPU topology doesn't match maximum vcpu count`, 'VIR_FROM_DOMAIN');
    }
  }
  return def;
}

export function formatCpu(c: CpuDef): XmlElement {
  const kids: Array<XmlElement | undefined> = [];
  if (c.model) kids.push(el('model', { fallback: c.model.fallback, vendor_id: c.model.vendorId }, [c.model.name]));
  kids.push(textEl('vendor', c.vendor));
  if (c.topology) {
    const t = c.topology;
    kids.push(el('topology', { sockets: t.sockets, dies: t.dies, clusters: t.clusters, cores: t.cores, threads: t.threads }));
  }
  for (const x of c.extra) kids.push(cloneElement(x));
  for (const f of c.features) kids.push(el('feature', { policy: f.policy, name: f.name }));
  return el('cpu', { mode: c.mode, match: c.match, check: c.check, migratable: c.migratable }, kids);
}

