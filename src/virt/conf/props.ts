/*
 * props.ts — reading attributes and child text the way libvirt's virXMLProp*
 * helpers do, with their exact error wording (src/util/virxml.c):
 *   Missing required attribute 'A' in element 'E'
 *   Invalid value for attribute 'A' in element 'E': 'V'.
 *   Invalid value for attribute 'A' in element 'E': 'V'. Expected non-negative integer value
 *   Invalid value for attribute 'A' in element 'E': Zero is not permitted
 * all as VIR_ERR_XML_ERROR. Also the "element not supported" refusal used for
 * XML this project does not implement, naming the element and its line.
 */
import { VirError, type VirErrorDomain } from '../error.js';
import type { XmlElement } from '../xml/node.js';

export interface PropOptions {
  required?: boolean;
  nonzero?: boolean;
  domain?: VirErrorDomain;
}

/** VIR_ERR_XML_ERROR about element `e`, carrying its position for editors. */
function xmlErr(detail: string, o: PropOptions | undefined, e: XmlElement) {
  const err = new VirError('VIR_ERR_XML_ERROR', detail, o?.domain ?? 'VIR_FROM_DOMAIN');
  if (e.line > 0) {
    err.line = e.line;
    err.column = e.column;
  }
  return err;
}

export function propString(e: XmlElement, name: string, o?: PropOptions): string | undefined {
  const v = e.attr(name);
  if (v === undefined && o?.required) {
    throw xmlErr(`Missing required attribute '${name}' in element '${e.name}'`, o, e);
  }
  return v;
}

/** An enum attribute: its value must be one of `values`. */
export function propEnum<T extends string>(
  e: XmlElement, name: string, values: readonly T[], o?: PropOptions,
): T | undefined {
  const v = propString(e, name, o);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw xmlErr(`Invalid value for attribute '${name}' in element '${e.name}': '${v}'.`, o, e);
  }
  return v as T;
}

/** An unsigned (32-bit) decimal integer attribute, as virXMLPropUInt with base 10. */
export function propUInt(e: XmlElement, name: string, o?: PropOptions): number | undefined {
  const v = propString(e, name, o);
  if (v === undefined) return undefined;
  if (!/^\s*\+?\d+$/.test(v) || Number(v) > 0xffffffff) {
    throw xmlErr(`Invalid value for attribute '${name}' in element '${e.name}': '${v}'. Expected non-negative integer value`, o, e);
  }
  const n = Number(v);
  if (o?.nonzero && n === 0) {
    throw xmlErr(`Invalid value for attribute '${name}' in element '${e.name}': Zero is not permitted`, o, e);
  }
  return n;
}

/** An unsigned long long attribute, returned as a number (exact up to 2^53). */
export function propULongLong(e: XmlElement, name: string, o?: PropOptions): number | undefined {
  const v = propString(e, name, o);
  if (v === undefined) return undefined;
  if (!/^\s*\+?\d+$/.test(v) || BigInt(v.trim().replace('+', '')) > (1n << 64n) - 1n) {
    throw xmlErr(`Invalid value for attribute '${name}' in element '${e.name}': '${v}'. Expected non-negative integer value`, o, e);
  }
  const n = Number(v);
  if (o?.nonzero && n === 0) {
    throw xmlErr(`Invalid value for attribute '${name}' in element '${e.name}': Zero is not permitted`, o, e);
  }
  return n;
}

export function propInt(e: XmlElement, name: string, o?: PropOptions): number | undefined {
  const v = propString(e, name, o);
  if (v === undefined) return undefined;
  if (!/^\s*[-+]?\d+$/.test(v)) {
    throw xmlErr(`Invalid value for attribute '${name}' in element '${e.name}': '${v}'. Expected integer value`, o, e);
  }
  return Number(v);
}

export const YES_NO = ['yes', 'no'] as const;
export const ON_OFF = ['on', 'off'] as const;

/** Text of the first child element `name` (undefined when absent). */
export function childText(e: XmlElement, name: string): string | undefined {
  const c = e.child(name);
  return c ? c.textContent : undefined;
}

/**
 * Refusal of an element this project does not implement but that would change
 * what the guest sees: VIR_ERR_CONFIG_UNSUPPORTED naming the element and line.
 */
export function unsupportedElement(e: XmlElement, domain: VirErrorDomain = 'VIR_FROM_DOMAIN'): VirError {
  const err = new VirError(
    'VIR_ERR_CONFIG_UNSUPPORTED',
    `element <${e.name}> at line ${e.line} is not supported by the wasmvirt driver`,
    domain,
  );
  err.line = e.line;
  err.column = e.column;
  return err;
}
