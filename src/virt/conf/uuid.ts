/*
 * uuid.ts — libvirt's UUID rules (virUUIDParse / virUUIDFormat / virUUIDGenerate).
 *
 * Parsing accepts 32 hex digits with '-' allowed between any two byte pairs and
 * surrounding blanks, as virUUIDParse does; formatting always gives the
 * canonical lowercase 8-4-4-4-12 form. Generated UUIDs are random (version 4).
 */

/** Canonical form of a UUID string, or null when it is not one. */
export function parseUuid(text: string): string | null {
  let s = text.trim();
  const hex: string[] = [];
  let i = 0;
  while (hex.length < 16) {
    while (s[i] === '-') i++;
    const pair = s.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return null;
    hex.push(pair.toLowerCase());
    i += 2;
  }
  s = s.slice(i);
  if (s.trim() !== '') return null;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function isUuid(text: string): boolean {
  return parseUuid(text) !== null;
}

/** A new random UUID (v4), lowercase 8-4-4-4-12. */
export function generateUuid(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
