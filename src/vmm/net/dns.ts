// dns.ts — the DNS server of a virtual network (RFC 1035), answering what dnsmasq answers for a
// libvirt network without upstream servers: A records of the VMs (DHCP hostnames and fixed hosts)
// and of <dns><host> entries, with or without the network's domain; NXDOMAIN otherwise (there is
// no upstream to forward to from a browser tab).
export const DNS_PORT = 53;
const TYPE_A = 1, TYPE_AAAA = 28, CLASS_IN = 1;
const RCODE_OK = 0, RCODE_FORMERR = 1, RCODE_NXDOMAIN = 3, RCODE_NOTIMP = 4;

export interface DnsQuestion { name: string; type: number; klass: number; end: number }

/** Reads the first question of a query; null if the message is malformed. */
export function parseQuestion(msg: Uint8Array): DnsQuestion | null {
  if (msg.length < 12) return null;
  const labels: string[] = [];
  let i = 12;
  for (let guard = 0; guard < 128; guard++) {
    if (i >= msg.length) return null;
    const len = msg[i++]!;
    if (len === 0) {
      if (i + 4 > msg.length) return null;
      return { name: labels.join('.'), type: (msg[i]! << 8) | msg[i + 1]!, klass: (msg[i + 2]! << 8) | msg[i + 3]!, end: i + 4 };
    }
    if (len > 63 || i + len > msg.length) return null; // no compression in questions we accept
    labels.push(new TextDecoder().decode(msg.subarray(i, i + len)));
    i += len;
  }
  return null;
}

export type Resolver = (name: string) => string | null;

export class DnsServer {
  constructor(private readonly resolve: Resolver, private readonly domain?: string) {}

  /** The reply to a query, or null for something that is not a query. */
  handle(query: Uint8Array): Uint8Array | null {
    if (query.length < 12 || query[2]! & 0x80) return null;
    const opcode = (query[2]! >> 3) & 15;
    const qd = (query[4]! << 8) | query[5]!;
    const q = parseQuestion(query);
    if (!q || qd !== 1) return this.header(query, q?.end ?? 12, RCODE_FORMERR, 0);
    if (opcode !== 0) return this.header(query, q.end, RCODE_NOTIMP, 0);
    const ip = q.klass === CLASS_IN ? this.lookup(q.name) : null;
    if (!ip) return this.header(query, q.end, RCODE_NXDOMAIN, 0);
    if (q.type !== TYPE_A) return this.header(query, q.end, RCODE_OK, 0); // name exists, no record of that type
    const reply = this.header(query, q.end, RCODE_OK, 1, 16);
    const a = reply.subarray(q.end);
    a.set([0xc0, 12, 0, TYPE_A, 0, CLASS_IN, 0, 0, 0, 0, 0, 4]);
    a.set(ip.split('.').map(Number), 12);
    return reply;
  }

  private lookup(name: string): string | null {
    const n = name.toLowerCase().replace(/\.$/, '');
    const d = this.domain?.toLowerCase();
    if (d && n.endsWith('.' + d)) return this.resolve(n.slice(0, -d.length - 1));
    return n.includes('.') ? null : this.resolve(n);
  }

  /** Copies id and question; sets QR, AA, RA, the rcode and the answer count. */
  private header(query: Uint8Array, qEnd: number, rcode: number, answers: number, extra = 0): Uint8Array {
    const reply = new Uint8Array(qEnd + extra);
    reply.set(query.subarray(0, qEnd));
    reply[2] = 0x84 | (query[2]! & 0x79); // QR, opcode, AA, RD
    reply[3] = 0x80 | rcode; // RA
    reply.set([0, answers, 0, 0, 0, 0], 6);
    return reply;
  }
}

export { TYPE_A, TYPE_AAAA };
