/*
 * general.ts — the domain's identity and lifecycle elements: name, uuid, genid,
 * title, description, metadata, on_poweroff / on_reboot / on_crash
 * (formatdomain.html "General metadata", "Events configuration").
 *
 * Rules (libvirt's wording): a name is required ("missing name information"),
 * may not contain '\n' ("invalid char in name: " + the character) nor '/' ("name X cannot
 * contain '/'"); a bad uuid is "malformed uuid element"; a title may not span
 * lines. Metadata children must each live in a namespace; one child per
 * namespace is kept, as libvirt's virXMLNodeSanitizeNamespaces does.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, textEl, type XmlElement } from '../../xml/node.js';
import { childText } from '../props.js';
import { generateUuid, parseUuid } from '../uuid.js';
import type { DomainDef, LifecycleAction } from './types.js';

export function parseName(root: XmlElement): string {
  const name = childText(root, 'name');
  if (name === undefined || name === '') throw new VirError('VIR_ERR_NO_NAME', '', 'VIR_FROM_DOMAIN');
  checkName(name);
  return name;
}

/** Name rules shared with the driver (rename): no newline, no '/'. */
export function checkName(name: string): void {
  // virXMLCheckIllegalChars("name", name, "\n") prints the character itself (%c).
  if (name.includes('\n')) throw new VirError('VIR_ERR_XML_DETAIL', 'invalid char in name: \n', 'VIR_FROM_DOMAIN');
  if (name.includes('/')) throw new VirError('VIR_ERR_XML_ERROR', `name ${name} cannot contain '/'`, 'VIR_FROM_DOMAIN');
}

export function parseDomainUuid(root: XmlElement): string {
  const text = childText(root, 'uuid');
  if (text === undefined) return generateUuid();
  const uuid = parseUuid(text);
  if (!uuid) throw new VirError('VIR_ERR_INTERNAL_ERROR', 'malformed uuid element', 'VIR_FROM_DOMAIN');
  return uuid;
}

export function parseGenid(root: XmlElement): string | undefined {
  const g = root.child('genid');
  if (!g) return undefined;
  const text = g.textContent.trim();
  if (text === '') return generateUuid();
  const uuid = parseUuid(text);
  if (!uuid) throw new VirError('VIR_ERR_INTERNAL_ERROR', 'malformed genid element', 'VIR_FROM_DOMAIN');
  return uuid;
}

export function parseTitle(root: XmlElement): string | undefined {
  const title = childText(root, 'title');
  if (title !== undefined && title.includes('\n')) {
    throw new VirError('VIR_ERR_XML_ERROR', "Domain title can't contain newlines", 'VIR_FROM_DOMAIN');
  }
  return title;
}

/** <metadata> children: namespaced ones only, first per namespace URI, deep-copied. */
export function parseMetadata(root: XmlElement): XmlElement[] {
  const m = root.child('metadata');
  if (!m) return [];
  const seen = new Set<string>();
  const out: XmlElement[] = [];
  for (const c of m.elements()) {
    const ns = c.namespaceURI();
    if (!ns || seen.has(ns)) continue;
    seen.add(ns);
    const copy = cloneElement(c);
    // Keep the namespace declaration on the copied element itself, as libvirt does.
    const decl = c.prefix ? `xmlns:${c.prefix}` : 'xmlns';
    if (!copy.hasAttr(decl)) copy.attrs.unshift({ name: decl, value: ns });
    copy.libxml2Dump = true;
    out.push(copy);
  }
  return out;
}

const POWEROFF: readonly LifecycleAction[] = ['destroy', 'restart', 'preserve', 'rename-restart'];
const CRASH: readonly LifecycleAction[] = [...POWEROFF, 'coredump-destroy', 'coredump-restart'];

export function parseLifecycle(root: XmlElement, name: 'on_poweroff' | 'on_reboot' | 'on_crash', dflt: LifecycleAction): LifecycleAction {
  const text = childText(root, name);
  if (text === undefined) return dflt;
  const allowed = name === 'on_crash' ? CRASH : POWEROFF;
  const v = text.trim();
  if (!(allowed as readonly string[]).includes(v)) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `unknown ${name} action: ${v}`, 'VIR_FROM_DOMAIN');
  }
  return v as LifecycleAction;
}

export function formatGeneral(def: DomainDef): XmlElement[] {
  const out: XmlElement[] = [el('name', {}, [def.name]), el('uuid', {}, [def.uuid])];
  if (def.genid) out.push(el('genid', {}, [def.genid]));
  const title = textEl('title', def.title);
  if (title) out.push(title);
  const desc = textEl('description', def.description);
  if (desc) out.push(desc);
  if (def.metadata.length) out.push(el('metadata', {}, def.metadata.map(cloneElement)));
  return out;
}

export function formatLifecycle(def: DomainDef): XmlElement[] {
  return [
    el('on_poweroff', {}, [def.onPoweroff]),
    el('on_reboot', {}, [def.onReboot]),
    el('on_crash', {}, [def.onCrash]),
  ];
}
