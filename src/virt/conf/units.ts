/*
 * units.ts — libvirt's scaled integers (virScaleInteger) and memory sizes.
 *
 * A unit suffix is case-insensitive: "b"/"byte"/"bytes" = 1; a single letter
 * k/m/g/t/p/e or the same letter + "iB" is a power of 1024 (KiB, MiB ...); the
 * letter + "B" (KB, MB ...) is a power of 1000. No suffix means the element's
 * default scale (KiB for domain memory, bytes for storage). Memory is stored in
 * KiB, rounded up (VIR_DIV_UP(bytes, 1024)), as virDomainParseMemory does.
 * Arithmetic is done in BigInt so no value is silently rounded.
 */
import { VirError } from '../error.js';
import type { XmlElement } from '../xml/node.js';

const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };
export const ULLONG_MAX = (1n << 64n) - 1n;
export const LLONG_MAX = (1n << 63n) - 1n;

/** Multiplier for a unit suffix; throws VIR_ERR_INVALID_ARG "unknown suffix 'X'". */
export function unitScale(suffix: string | undefined, defaultScale: bigint): bigint {
  if (suffix === undefined || suffix === '') return defaultScale;
  const s = suffix.toLowerCase();
  if (s === 'b' || s === 'byte' || s === 'bytes') return 1n;
  let base: bigint;
  if (s.length === 1 || s.slice(1) === 'ib') base = 1024n;
  else if (s.length === 2 && s[1] === 'b') base = 1000n;
  else throw new VirError('VIR_ERR_INVALID_ARG', `unknown suffix '${suffix}'`);
  const power = POWERS[s[0]];
  if (power === undefined) throw new VirError('VIR_ERR_INVALID_ARG', `unknown suffix '${suffix}'`);
  return base ** BigInt(power);
}

/** value * scale(suffix), refusing results above `limit` (VIR_ERR_OVERFLOW "value too large: 5T"). */
export function scaleInteger(value: bigint, suffix: string | undefined, defaultScale: bigint, limit: bigint): bigint {
  const scale = unitScale(suffix, defaultScale);
  if (value !== 0n && value > limit / scale) {
    throw new VirError('VIR_ERR_OVERFLOW', `value too large: ${value}${suffix ?? ''}`);
  }
  return value * scale;
}

/** Parse an unsigned decimal integer as libvirt's virStrToLong_ullp does (leading spaces allowed, no sign). */
export function parseULongLong(text: string): bigint | null {
  const t = text.trim();
  if (!/^\+?\d+$/.test(t)) return null;
  const v = BigInt(t.replace('+', ''));
  return v > ULLONG_MAX ? null : v;
}

/**
 * Parse <memory unit='X'>N</memory>-style element into bytes (the element's text
 * is the number, `unit` its suffix), as virDomainParseScaledValue; `xpath` names
 * the element in errors ("Invalid value 'x' for element or attribute './memory[1]'").
 */
export function parseScaledElement(e: XmlElement, xpath: string, defaultScale: bigint, limit = LLONG_MAX): bigint {
  const text = e.textContent;
  const v = parseULongLong(text);
  if (v === null) {
    throw new VirError('VIR_ERR_XML_ERROR', `Invalid value '${text}' for element or attribute '${xpath}'`, 'VIR_FROM_DOMAIN');
  }
  return scaleInteger(v, e.attr('unit'), defaultScale, limit);
}

/** Bytes -> KiB rounded up (VIR_DIV_UP). */
export function bytesToKiB(bytes: bigint): number {
  return Number((bytes + 1023n) / 1024n);
}

/** Memory element -> KiB (default unit KiB). */
export function parseMemoryKiB(e: XmlElement, xpath: string): number {
  return bytesToKiB(parseScaledElement(e, xpath, 1024n));
}

/** Human-readable size as virsh vol-info prints it ("1.00 GiB"), using virDoubleToScaled's steps. */
export function formatScaledSize(bytes: number): { value: number; unit: string } {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return { value: v, unit: units[i] };
}
