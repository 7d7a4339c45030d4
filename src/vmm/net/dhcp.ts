// dhcp.ts — the DHCP server of a virtual network (RFC 2131, options RFC 2132), what dnsmasq does
// for libvirt: addresses from the <dhcp><range>, fixed ones from <host mac ip name>, leases with an
// expiry that `virsh net-dhcp-leases` lists. Pure message logic: the gateway carries the frames.
import { ipFromNumber, ipToNumber, macFromBytes, type Mac } from './frame.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
const MAGIC = 0x63825363;
const DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5, NAK = 6, RELEASE = 7, INFORM = 8;
const OPT_SUBNET = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_HOSTNAME = 12, OPT_DOMAIN = 15, OPT_BROADCAST = 28;
const OPT_REQUESTED_IP = 50, OPT_LEASE_TIME = 51, OPT_MSG_TYPE = 53, OPT_SERVER_ID = 54;
const OPT_T1 = 58, OPT_T2 = 59, OPT_CLIENT_ID = 61, OPT_END = 255, OPT_PAD = 0;

export interface DhcpHost { mac: Mac; ip: string; name?: string }

export interface DhcpConfig {
  serverIp: string;
  netmask: string;
  rangeStart: string;
  rangeEnd: string;
  hosts: DhcpHost[];
  domain?: string;
  /** seconds; libvirt's default lease is one hour */
  leaseTime?: number;
  /** seconds since the epoch, injectable for tests */
  now?: () => number;
}

export interface DhcpLease {
  mac: Mac;
  ip: string;
  hostname: string | null;
  clientId: string | null;
  /** seconds since the epoch */
  expiry: number;
}

export interface DhcpMessage {
  op: number; xid: number; flags: number; ciaddr: number; yiaddr: number; chaddr: Mac;
  options: Map<number, Uint8Array>;
}

export function parseDhcp(data: Uint8Array): DhcpMessage | null {
  if (data.length < 240) return null;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint32(236) !== MAGIC || data[1] !== 1 || data[2] !== 6) return null;
  const options = new Map<number, Uint8Array>();
  for (let i = 240; i < data.length;) {
    const code = data[i++]!;
    if (code === OPT_PAD) continue;
    if (code === OPT_END || i >= data.length) break;
    const len = data[i++]!;
    if (i + len > data.length) return null;
    options.set(code, data.subarray(i, i + len));
    i += len;
  }
  return { op: data[0]!, xid: v.getUint32(4), flags: v.getUint16(10), ciaddr: v.getUint32(12), yiaddr: v.getUint32(16),
    chaddr: macFromBytes(data, 28), options };
}

export class DhcpServer {
  private readonly leases = new Map<Mac, DhcpLease>();
  private readonly now: () => number;

  constructor(readonly config: DhcpConfig) {
    this.now = config.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Active leases, oldest address first (what `virsh net-dhcp-leases` shows). */
  activeLeases(): DhcpLease[] {
    const t = this.now();
    return [...this.leases.values()].filter((l) => l.expiry > t).sort((a, b) => ipToNumber(a.ip) - ipToNumber(b.ip));
  }

  /** The address a hostname has (a lease or a fixed host), for the DNS server. */
  lookupName(name: string): string | null {
    const n = name.toLowerCase();
    const fixed = this.config.hosts.find((h) => h.name?.toLowerCase() === n);
    if (fixed) return fixed.ip;
    return this.activeLeases().find((l) => l.hostname?.toLowerCase() === n)?.ip ?? null;
  }

  /** Answers a client message; null when nothing is to be sent. */
  handle(msg: DhcpMessage): { reply: Uint8Array; yiaddr: number; broadcast: boolean } | null {
    const type = msg.options.get(OPT_MSG_TYPE)?.[0];
    if (msg.op !== 1 || type === undefined) return null;
    switch (type) {
      case DISCOVER: {
        const ip = this.choose(msg);
        return ip === null ? null : this.answer(msg, OFFER, ip);
      }
      case REQUEST: return this.request(msg);
      case RELEASE: case DECLINE: this.leases.delete(msg.chaddr); return null;
      case INFORM: return this.answer(msg, ACK, msg.ciaddr, false);
      default: return null;
    }
  }

  private request(msg: DhcpMessage): ReturnType<DhcpServer['handle']> {
    const server = msg.options.get(OPT_SERVER_ID);
    if (server && readU32(server) !== ipToNumber(this.config.serverIp)) {
      this.leases.delete(msg.chaddr); // the client chose another server
      return null;
    }
    const wanted = msg.options.get(OPT_REQUESTED_IP) ? readU32(msg.options.get(OPT_REQUESTED_IP)!) : msg.ciaddr;
    const ip = this.choose(msg);
    if (ip === null || ip !== wanted) return this.answer(msg, NAK, 0, false);
    const hostOpt = msg.options.get(OPT_HOSTNAME);
    const clientId = msg.options.get(OPT_CLIENT_ID);
    const fixed = this.config.hosts.find((h) => h.mac === msg.chaddr);
    this.leases.set(msg.chaddr, {
      mac: msg.chaddr, ip: ipFromNumber(ip),
      hostname: fixed?.name ?? (hostOpt ? new TextDecoder().decode(hostOpt) : null),
      clientId: clientId ? Array.from(clientId, (b) => b.toString(16).padStart(2, '0')).join(':') : null,
      expiry: this.now() + this.leaseTime,
    });
    return this.answer(msg, ACK, ip);
  }

  private get leaseTime(): number {
    return this.config.leaseTime ?? 3600;
  }

  /** The address for a client: its fixed host entry, its lease, the one it asks for, or the first free. */
  private choose(msg: DhcpMessage): number | null {
    const fixed = this.config.hosts.find((h) => h.mac === msg.chaddr);
    if (fixed) return ipToNumber(fixed.ip);
    const current = this.leases.get(msg.chaddr);
    if (current) return ipToNumber(current.ip);
    const req = msg.options.get(OPT_REQUESTED_IP);
    if (req && this.isFree(readU32(req))) return readU32(req);
    for (let ip = ipToNumber(this.config.rangeStart); ip <= ipToNumber(this.config.rangeEnd); ip++) {
      if (this.isFree(ip)) return ip;
    }
    return null;
  }

  private isFree(ip: number): boolean {
    const s = ipToNumber(this.config.rangeStart), e = ipToNumber(this.config.rangeEnd);
    if (ip < s || ip > e) return false;
    const t = this.now();
    const str = ipFromNumber(ip);
    return !this.config.hosts.some((h) => h.ip === str) && ![...this.leases.values()].some((l) => l.ip === str && l.expiry > t);
  }

  private answer(msg: DhcpMessage, type: number, yiaddr: number, withLease = true) {
    const c = this.config;
    const opts: [number, Uint8Array][] = [[OPT_MSG_TYPE, Uint8Array.of(type)], [OPT_SERVER_ID, u32(ipToNumber(c.serverIp))]];
    if (type !== NAK) {
      const mask = ipToNumber(c.netmask);
      opts.push([OPT_SUBNET, u32(mask)], [OPT_ROUTER, u32(ipToNumber(c.serverIp))], [OPT_DNS, u32(ipToNumber(c.serverIp))],
        [OPT_BROADCAST, u32((ipToNumber(c.serverIp) & mask) | (~mask >>> 0))]);
      if (withLease) opts.push([OPT_LEASE_TIME, u32(this.leaseTime)], [OPT_T1, u32(this.leaseTime / 2)], [OPT_T2, u32((this.leaseTime * 7) / 8)]);
      if (c.domain) opts.push([OPT_DOMAIN, new TextEncoder().encode(c.domain)]);
      const name = c.hosts.find((h) => h.mac === msg.chaddr)?.name;
      if (name) opts.push([OPT_HOSTNAME, new TextEncoder().encode(name)]);
    }
    const body = new Uint8Array(240 + opts.reduce((n, [, d]) => n + 2 + d.length, 0) + 1);
    const v = new DataView(body.buffer);
    body[0] = 2; body[1] = 1; body[2] = 6;
    v.setUint32(4, msg.xid);
    v.setUint16(10, msg.flags);
    v.setUint32(12, msg.ciaddr);
    v.setUint32(16, yiaddr);
    v.setUint32(20, ipToNumber(c.serverIp));
    body.set(msg.chaddr.split(':').map((h) => parseInt(h, 16)), 28);
    v.setUint32(236, MAGIC);
    let i = 240;
    for (const [code, d] of opts) { body[i++] = code; body[i++] = d.length; body.set(d, i); i += d.length; }
    body[i] = OPT_END;
    return { reply: body, yiaddr, broadcast: (msg.flags & 0x8000) !== 0 || type === NAK };
  }
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

function readU32(b: Uint8Array): number {
  return b.length < 4 ? 0 : new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
}

export const DHCP_MESSAGE_TYPES = { DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM } as const;
