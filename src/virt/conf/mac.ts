/*
 * mac.ts — MAC addresses as libvirt handles them (virMacAddrParse / virMacAddrFormat
 * / virDomainNetGenerateMAC).
 *
 * Parsing takes six ':'-separated hex octets of 1–2 digits; formatting gives
 * lowercase two-digit octets. Generated addresses use QEMU's/KVM's locally
 * administered prefix 52:54:00 followed by three random octets.
 */

/** Canonical lowercase form, or null when the text is not a MAC address. */
export function parseMac(text: string): string | null {
  const parts = text.trim().split(':');
  if (parts.length !== 6) return null;
  const out: string[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out.push(p.toLowerCase().padStart(2, '0'));
  }
  return out.join(':');
}

/** True for a multicast address (low bit of the first octet set). */
export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

export const QEMU_MAC_PREFIX = '52:54:00';

/** A new random 52:54:00:xx:xx:xx address not in `taken` (canonical forms). */
export function generateMac(taken: Iterable<string> = []): string {
  const used = new Set(taken);
  for (;;) {
    const b = new Uint8Array(3);
    globalThis.crypto.getRandomValues(b);
    const mac = `${QEMU_MAC_PREFIX}:${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':')}`;
    if (!used.has(mac)) return mac;
  }
}
