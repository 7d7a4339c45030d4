/*
 * common.ts — pieces shared by pool and volume XML: sizes in bytes with
 * libvirt's units (default bytes, formatted as unit='bytes'), <permissions>
 * (octal mode, numeric owner/group, label), and path sanitising as
 * virFileSanitizePath (collapse '//' runs, drop a trailing '/').
 */
import { VirError } from '../../error.js';
import { el, textEl, type XmlElement } from '../../xml/node.js';
import { childText } from '../props.js';
import { LLONG_MAX, parseULongLong, scaleInteger } from '../units.js';
import type { StoragePermissions } from './types.js';

/** <capacity unit='G'>10</capacity> -> bytes (virStorageSize: every size reports "malformed capacity element"). */
export function parseStorageSize(e: XmlElement): number {
  const v = parseULongLong(e.textContent);
  if (v === null) throw new VirError('VIR_ERR_XML_ERROR', 'malformed capacity element', 'VIR_FROM_STORAGE');
  return Number(scaleInteger(v, e.attr('unit'), 1n, LLONG_MAX));
}

export function sizeEl(name: string, bytes: number | undefined): XmlElement | undefined {
  return bytes === undefined ? undefined : el(name, { unit: 'bytes' }, [String(bytes)]);
}

export function parsePermissions(e: XmlElement | undefined): StoragePermissions | undefined {
  if (!e) return undefined;
  const p: StoragePermissions = {};
  const mode = childText(e, 'mode');
  if (mode !== undefined) {
    const m = mode.trim();
    if (!/^[0-7]+$/.test(m) || parseInt(m, 8) > 0o777) {
      throw new VirError('VIR_ERR_XML_ERROR', 'malformed octal mode', 'VIR_FROM_STORAGE');
    }
    p.mode = `0${parseInt(m, 8).toString(8)}`; // formatted as libvirt's "0%o"

  }
  for (const k of ['owner', 'group'] as const) {
    const t = childText(e, k);
    if (t === undefined) continue;
    if (!/^-?\d+$/.test(t.trim())) throw new VirError('VIR_ERR_XML_ERROR', `malformed ${k} element`, 'VIR_FROM_STORAGE');
    p[k] = Number(t.trim());
  }
  p.label = childText(e, 'label');
  return p;
}

export function formatPermissions(p: StoragePermissions | undefined): XmlElement | undefined {
  if (!p) return undefined;
  return el('permissions', {}, [
    textEl('mode', p.mode), textEl('owner', p.owner), textEl('group', p.group), textEl('label', p.label),
  ]);
}

export function sanitizePath(path: string): string {
  let p = path.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}
