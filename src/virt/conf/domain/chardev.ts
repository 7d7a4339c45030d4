/*
 * chardev.ts — character devices: <serial>, <console>, <channel>
 * (formatdomain.html "Consoles, serial, parallel & channel devices").
 *
 * Source types implemented: pty, file, null (plus stdio, vc and unix, which
 * the VMM maps to its console ring or a socket-like endpoint). TCP, UDP, pipe,
 * dev, spice and other backends need host facilities a browser has not and are
 * refused. Post-parse as libvirt: serial targets default to isa-serial with
 * model isa-serial on x86; ports are assigned max+1; a console's target type
 * defaults to serial; a file source needs a path ("Missing source path
 * attribute for char device"). The first <console> of target type serial
 * mirrors the first <serial> (virDomainDefAddConsoleCompat), so one is added
 * when serials exist and no console does. Channels: virtio target (e.g.
 * org.qemu.guest_agent.0); guestfwd is refused.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { propEnum, propString, propUInt, ON_OFF } from '../props.js';
import { parseDeviceInfo, formatAliasAddress } from './device-info.js';
import type { ChannelDef, CharSource, CharSourceType, ConsoleDef, SerialDef } from './types.js';

const CHR_TYPES = ['null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix', 'spicevmc', 'spiceport',
  'nmdm', 'qemu-vdagent', 'dbus'] as const;
const IMPLEMENTED: readonly CharSourceType[] = ['pty', 'file', 'null', 'stdio', 'unix', 'vc'];

export function parseCharSource(e: XmlElement, live: boolean, dflt: CharSourceType = 'pty'): CharSource {
  const type = propEnum(e, 'type', CHR_TYPES) ?? dflt;
  if (!(IMPLEMENTED as readonly string[]).includes(type)) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      `character device type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  const src = e.child('source');
  const s: CharSource = { type: type as CharSourceType };
  if (src) {
    const path = propString(src, 'path');
    if (type === 'file' || type === 'unix' || (type === 'pty' && live)) s.path = path;
    if (type === 'file') s.append = propEnum(src, 'append', ON_OFF);
    if (type === 'unix') s.mode = propEnum(src, 'mode', ['bind', 'connect'] as const);
  }
  if (type === 'file' && !s.path) {
    throw new VirError('VIR_ERR_INTERNAL_ERROR', 'Missing source path attribute for char device', 'VIR_FROM_DOMAIN');
  }
  const log = e.child('log');
  if (log) s.log = cloneElement(log);
  return s;
}

export function parseSerial(e: XmlElement, live: boolean): SerialDef {
  const t = e.child('target');
  const info = parseDeviceInfo(e, live);
  const type = t ? propEnum(t, 'type', ['isa-serial', 'usb-serial', 'pci-serial', 'system-serial', 'isa-debug'] as const) : undefined;
  if (type && type !== 'isa-serial') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `serial target type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  const modelEl = t?.child('model');
  return {
    source: parseCharSource(e, live),
    target: { type: 'isa-serial', port: t ? propUInt(t, 'port') ?? -1 : -1, model: modelEl?.attr('name') ?? 'isa-serial' },
    alias: info.alias,
    address: info.address,
  };
}

export function parseConsole(e: XmlElement, live: boolean): ConsoleDef {
  const t = e.child('target');
  const info = parseDeviceInfo(e, live);
  const type = (t && propEnum(t, 'type', ['serial', 'xen', 'uml', 'virtio', 'lxc', 'openvz', 'sclp', 'sclplm'] as const)) || 'serial';
  if (type !== 'serial' && type !== 'virtio') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `console target type '${type}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  return {
    source: parseCharSource(e, live),
    target: { type, port: t ? propUInt(t, 'port') ?? -1 : -1 },
    alias: info.alias,
    address: info.address,
  };
}

export function parseChannel(e: XmlElement, live: boolean): ChannelDef {
  const t = e.child('target');
  const info = parseDeviceInfo(e, live);
  const type = t ? propEnum(t, 'type', ['guestfwd', 'virtio', 'xen'] as const, { required: true }) : undefined;
  if (type !== 'virtio') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      `channel target type '${type ?? ''}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  return {
    source: parseCharSource(e, live),
    target: {
      type,
      name: t ? propString(t, 'name') : undefined,
      state: live && t ? propEnum(t, 'state', ['connected', 'disconnected'] as const) : undefined,
    },
    alias: info.alias,
    address: info.address,
  };
}

/** ISA serial ports: at most 4, each port once (virDomainChrIsaSerialDefPostParse). */
export function checkIsaSerialPorts(serials: SerialDef[]): void {
  const used = new Set<number>();
  serials.forEach((s, i) => {
    if (i >= 4 || s.target.port >= 4) {
      throw new VirError('VIR_ERR_INTERNAL_ERROR', "Maximum supported number of ISA serial ports is '4'", 'VIR_FROM_DOMAIN');
    }
    if (s.target.port === -1) return;
    if (used.has(s.target.port)) {
      throw new VirError('VIR_ERR_INTERNAL_ERROR', `target port '${s.target.port}' already allocated`, 'VIR_FROM_DOMAIN');
    }
    used.add(s.target.port);
  });
}

/** Assign unset ports as max+1 (virDomainChrDefPostParse), in document order. */
export function assignPorts(list: Array<{ target: { port: number } }>): void {
  for (const c of list) {
    if (c.target.port !== -1) continue;
    let max = -1;
    for (const o of list) max = Math.max(max, o.target.port);
    c.target.port = max + 1;
  }
}

function sourceChildren(s: CharSource, inactive: boolean): XmlElement[] {
  const out: XmlElement[] = [];
  if (s.type === 'file') out.push(el('source', { path: s.path, append: s.append }));
  else if (s.type === 'unix' && (s.path || s.mode)) out.push(el('source', { mode: s.mode, path: s.path }));
  else if (s.type === 'pty' && s.path && !inactive) out.push(el('source', { path: s.path }));
  if (s.log) out.push(cloneElement(s.log));
  return out;
}

export function formatSerial(s: SerialDef, inactive: boolean): XmlElement {
  return el('serial', { type: s.source.type }, [
    ...sourceChildren(s.source, inactive),
    el('target', { type: s.target.type, port: s.target.port }, [el('model', { name: s.target.model })]),
    ...formatAliasAddress(s, inactive),
  ]);
}

export function formatConsole(c: ConsoleDef, inactive: boolean): XmlElement {
  const tty = c.source.type === 'pty' && !inactive ? c.source.path : undefined;
  return el('console', { type: c.source.type, tty }, [
    ...sourceChildren(c.source, inactive),
    el('target', { type: c.target.type, port: c.target.port }),
    ...formatAliasAddress(c, inactive),
  ]);
}

export function formatChannel(c: ChannelDef, inactive: boolean): XmlElement {
  const src = c.source;
  return el('channel', { type: src.type }, [
    ...sourceChildren(src, inactive),
    el('target', { type: c.target.type, name: c.target.name, state: inactive ? undefined : c.target.state }),
    ...formatAliasAddress(c, inactive),
  ]);
}
