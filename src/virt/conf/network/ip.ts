/*
 * ip.ts — IPv4 helpers for network XML: dotted-quad parsing, netmask <->
 * prefix, and the range checks of libvirt's virSocketAddrGetRange ("range A -
 * B is not entirely within network N/P", "range A - B is reversed").
 */
export function parseIPv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Prefix length of a contiguous netmask, or null. */
export function netmaskToPrefix(mask: string): number | null {
  const n = parseIPv4(mask);
  if (n === null) return null;
  const inv = ~n >>> 0;
  if ((inv & (inv + 1)) !== 0) return null;
  let p = 0;
  for (let b = 31; b >= 0 && (n >>> b) & 1; b--) p++;
  return p;
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function sameSubnet(a: number, b: number, prefix: number): boolean {
  const m = prefixMask(prefix);
  return ((a & m) >>> 0) === ((b & m) >>> 0);
}
