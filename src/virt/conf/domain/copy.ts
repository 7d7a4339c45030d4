/*
 * copy.ts — a deep, independent copy of a DomainDef (libvirt's
 * virDomainDefCopy), made by formatting and re-parsing so that the copy holds
 * exactly what the XML holds: no shared XmlElement trees, live state kept.
 */
import { formatDomainXML } from './format.js';
import { parseDomainXML } from './parse.js';
import type { DomainDef } from './types.js';

export function copyDomainDef(def: DomainDef): DomainDef {
  return parseDomainXML(formatDomainXML(def), { live: true });
}
