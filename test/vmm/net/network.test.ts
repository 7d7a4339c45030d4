// network.test.ts — a libvirt-style NAT network's own services on the virtual switch: ARP and
// ICMP echo from the gateway, its neighbour table (what `domifaddr --source arp` reads), DHCP leases (dynamic and fixed), DNS names of VMs, and frames
// switched between two VM ports with a learning MAC table.
import { describe, expect, it } from 'vitest';
import { VirtualSwitch, type SwitchPort } from '../../../src/vmm/net/switch.js';
import { Gateway, NEIGHBOUR_LIMIT } from '../../../src/vmm/net/gateway.js';
import {
  buildIpv4Frame, buildUdp, etherType, ETHERTYPE_ARP, ETH_HEADER, internetChecksum, ipFromNumber, ipToNumber,
  IPPROTO_ICMP, IPPROTO_UDP, macToBytes, parseIpv4, parseUdp, writeEthernet, BROADCAST_MAC,
} from '../../../src/vmm/net/frame.js';
import { parseDhcp } from '../../../src/vmm/net/dhcp.js';

const GW_MAC = '52:54:00:00:00:01';

class Nic {
  readonly inbox: Uint8Array[] = [];
  readonly port: SwitchPort;
  constructor(sw: VirtualSwitch, readonly mac: string) { this.port = sw.attach({ receive: (f) => this.inbox.push(f) }, mac); }
  take(): Uint8Array[] { return this.inbox.splice(0); }
}

function network(now = () => 1_000_000) {
  const sw = new VirtualSwitch('virbr0');
  const gw = new Gateway(sw, {
    ip: '192.168.122.1', netmask: '255.255.255.0', mac: GW_MAC, domain: 'wasmvirt.test',
    dhcp: { rangeStart: '192.168.122.2', rangeEnd: '192.168.122.254', now,
      hosts: [{ mac: '52:54:00:aa:00:09', ip: '192.168.122.9', name: 'fixed' }] },
    dnsHosts: [{ ip: '192.168.122.200', hostnames: ['storage'] }],
  });
  return { sw, gw };
}

function arpRequest(mac: string, ip: string, target: string, op = 1): Uint8Array {
  const f = new Uint8Array(ETH_HEADER + 28);
  writeEthernet(f, BROADCAST_MAC, mac, ETHERTYPE_ARP);
  f.set([0, 1, 8, 0, 6, 4, 0, op], ETH_HEADER);
  f.set(macToBytes(mac), ETH_HEADER + 8);
  f.set(ip.split('.').map(Number), ETH_HEADER + 14);
  f.set(target.split('.').map(Number), ETH_HEADER + 24);
  return f;
}

function dhcp(mac: string, type: number, extra: [number, number[]][] = []): Uint8Array {
  const body = new Uint8Array(300);
  const v = new DataView(body.buffer);
  body.set([1, 1, 6]);
  v.setUint32(4, 0x1234);
  body.set(macToBytes(mac), 28);
  v.setUint32(236, 0x63825363);
  let i = 240;
  for (const [code, data] of [[53, [type]], ...extra] as [number, number[]][]) { body[i++] = code; body[i++] = data.length; body.set(data, i); i += data.length; }
  body[i] = 255;
  const udp = buildUdp(0, 0xffffffff, { srcPort: 68, dstPort: 67, data: body });
  return buildIpv4Frame(BROADCAST_MAC, mac, { src: 0, dst: 0xffffffff, protocol: IPPROTO_UDP, payload: udp });
}

function dhcpReply(frame: Uint8Array) {
  const msg = parseDhcp(parseUdp(parseIpv4(frame)!.payload)!.data)!;
  return { type: msg.options.get(53)![0], yiaddr: ipFromNumber(msg.yiaddr), msg };
}

/** The frames the gateway sent this NIC (other VMs' broadcasts are flooded to it too). */
function fromGateway(nic: Nic): Uint8Array[] {
  return nic.take().filter((f) => f.subarray(6, 12).every((b, i) => b === macToBytes(GW_MAC)[i]));
}

function lease(nic: Nic, hostname?: string) {
  nic.take();
  nic.port.send(dhcp(nic.mac, 1));
  const offer = dhcpReply(fromGateway(nic)[0]!);
  const host: [number, number[]][] = hostname ? [[12, [...new TextEncoder().encode(hostname)]]] : [];
  nic.port.send(dhcp(nic.mac, 3, [[50, offer.yiaddr.split('.').map(Number)], [54, [192, 168, 122, 1]], ...host]));
  return { offer, ack: dhcpReply(fromGateway(nic)[0]!) };
}

function dnsQuery(name: string): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return Uint8Array.from([0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
}

describe('virtual network', () => {
  it('the gateway answers ARP for its address and ignores others', () => {
    const { sw } = network();
    const vm = new Nic(sw, '52:54:00:aa:00:01');
    vm.port.send(arpRequest(vm.mac, '192.168.122.50', '192.168.122.1'));
    const [reply] = vm.take();
    expect(etherType(reply!)).toBe(ETHERTYPE_ARP);
    expect(reply![ETH_HEADER + 7]).toBe(2);
    expect([...reply!.subarray(ETH_HEADER + 8, ETH_HEADER + 14)]).toEqual([...macToBytes(GW_MAC)]);
    vm.port.send(arpRequest(vm.mac, '192.168.122.50', '192.168.122.77'));
    expect(vm.take()).toEqual([]);
  });

  it('the gateway learns who asks for it by ARP, and only updates entries on other ARP (as Linux)', () => {
    const { sw, gw } = network();
    const a = new Nic(sw, '52:54:00:aa:00:01');
    a.port.send(arpRequest(a.mac, '192.168.122.60', '192.168.122.77')); // asks for someone else: not entered
    expect(gw.neighbours()).toEqual([]);
    a.port.send(arpRequest(a.mac, '192.168.122.50', '192.168.122.1'));
    a.port.send(arpRequest('52:54:00:aa:00:02', '192.168.122.40', '192.168.122.1', 2)); // a reply to us
    expect(gw.neighbours()).toEqual([{ ip: '192.168.122.40', mac: '52:54:00:aa:00:02' }, { ip: '192.168.122.50', mac: a.mac }]);
    a.port.send(arpRequest('52:54:00:aa:00:03', '192.168.122.50', '192.168.122.77')); // the address moved
    expect(gw.neighbours()[1]).toEqual({ ip: '192.168.122.50', mac: '52:54:00:aa:00:03' });
    // off the subnet, the gateway's own address, the network and broadcast addresses, group or zero MACs
    for (const [mac, ip] of [[a.mac, '10.0.0.5'], [a.mac, '192.168.122.1'], [a.mac, '192.168.122.0'], [a.mac, '192.168.122.255'],
      ['01:00:5e:00:00:01', '192.168.122.70'], ['00:00:00:00:00:00', '192.168.122.71']]) {
      a.port.send(arpRequest(mac!, ip!, '192.168.122.1'));
    }
    expect(gw.neighbours()).toHaveLength(2);
    const bad = arpRequest(a.mac, '192.168.122.80', '192.168.122.1');
    bad[ETH_HEADER + 4] = 8; // a hardware address length that is not Ethernet's: no ARP for IPv4 over Ethernet
    a.port.send(bad);
    expect(gw.neighbours()).toHaveLength(2);
  });

  it('the neighbour table holds at most NEIGHBOUR_LIMIT entries; the oldest make way', () => {
    const sw = new VirtualSwitch('virbr9');
    const gw = new Gateway(sw, { ip: '10.9.0.1', netmask: '255.255.0.0', mac: GW_MAC });
    const vm = new Nic(sw, '52:54:00:aa:00:01');
    for (let i = 0; i < NEIGHBOUR_LIMIT + 6; i++) vm.port.send(arpRequest(vm.mac, `10.9.${(i >> 8) + 1}.${i & 255}`, '10.9.0.1'));
    const table = gw.neighbours();
    expect(table).toHaveLength(NEIGHBOUR_LIMIT);
    expect(table.some((n) => n.ip === '10.9.1.5')).toBe(false);
    expect(table.some((n) => n.ip === '10.9.1.6')).toBe(true);
  });

  it('the gateway answers ICMP echo with the same id, sequence and data', () => {
    const { sw } = network();
    const vm = new Nic(sw, '52:54:00:aa:00:01');
    const echo = Uint8Array.from([8, 0, 0, 0, 0x12, 0x34, 0, 7, ...new TextEncoder().encode('ping-data')]);
    const sum = internetChecksum(echo);
    echo[2] = sum >> 8; echo[3] = sum & 255;
    vm.port.send(buildIpv4Frame(GW_MAC, vm.mac, { src: ipToNumber('192.168.122.50'), dst: ipToNumber('192.168.122.1'), protocol: IPPROTO_ICMP, payload: echo }));
    const p = parseIpv4(vm.take()[0]!)!;
    expect(p.protocol).toBe(IPPROTO_ICMP);
    expect(p.payload[0]).toBe(0);
    expect(internetChecksum(p.payload)).toBe(0);
    expect([...p.payload.subarray(4)]).toEqual([...echo.subarray(4)]);
  });

  it('DHCP hands out addresses from the range, keeps them per MAC, honours fixed hosts and lists leases', () => {
    const { sw, gw } = network();
    const a = new Nic(sw, '52:54:00:aa:00:01');
    const b = new Nic(sw, '52:54:00:aa:00:02');
    const fixed = new Nic(sw, '52:54:00:aa:00:09');
    const la = lease(a, 'vm-a');
    expect(la.offer.type).toBe(2);
    expect(la.ack.type).toBe(5);
    expect(la.ack.yiaddr).toBe('192.168.122.2');
    expect(lease(b, 'vm-b').ack.yiaddr).toBe('192.168.122.3');
    expect(lease(fixed).ack.yiaddr).toBe('192.168.122.9');
    expect(lease(a, 'vm-a').ack.yiaddr).toBe('192.168.122.2'); // renewal keeps the address
    const router = la.ack.msg.options.get(3)!;
    expect([...router]).toEqual([192, 168, 122, 1]);
    expect(gw.dhcp!.activeLeases().map((l) => [l.ip, l.mac, l.hostname, l.expiry])).toEqual([
      ['192.168.122.2', a.mac, 'vm-a', 1_000_000 + 3600],
      ['192.168.122.3', b.mac, 'vm-b', 1_000_000 + 3600],
      ['192.168.122.9', fixed.mac, 'fixed', 1_000_000 + 3600],
    ]);
  });

  it('DHCP NAKs a request for an address it did not offer', () => {
    const { sw } = network();
    const a = new Nic(sw, '52:54:00:aa:00:01');
    a.port.send(dhcp(a.mac, 3, [[50, [10, 0, 0, 5]]]));
    expect(dhcpReply(a.take()[0]!).type).toBe(6);
  });

  it('DNS resolves VM hostnames, fixed hosts and <dns><host> entries; NXDOMAIN otherwise', () => {
    const { sw } = network();
    const a = new Nic(sw, '52:54:00:aa:00:01');
    lease(a, 'vm-a');
    const ask = (name: string) => {
      const udp = buildUdp(ipToNumber('192.168.122.2'), ipToNumber('192.168.122.1'), { srcPort: 5555, dstPort: 53, data: dnsQuery(name) });
      a.port.send(buildIpv4Frame(GW_MAC, a.mac, { src: ipToNumber('192.168.122.2'), dst: ipToNumber('192.168.122.1'), protocol: IPPROTO_UDP, payload: udp }));
      const reply = parseUdp(parseIpv4(a.take()[0]!)!.payload)!.data;
      return { rcode: reply[3]! & 15, answers: reply[7]!, ip: reply.length >= 4 ? [...reply.subarray(reply.length - 4)].join('.') : '' };
    };
    expect(ask('vm-a')).toEqual({ rcode: 0, answers: 1, ip: '192.168.122.2' });
    expect(ask('vm-a.wasmvirt.test')).toMatchObject({ rcode: 0, ip: '192.168.122.2' });
    expect(ask('fixed')).toMatchObject({ rcode: 0, ip: '192.168.122.9' });
    expect(ask('storage')).toMatchObject({ rcode: 0, ip: '192.168.122.200' });
    expect(ask('nosuchhost')).toMatchObject({ rcode: 3, answers: 0 });
  });

  it('switches unicast frames between VMs once MACs are learned, floods before', () => {
    const { sw } = network();
    const a = new Nic(sw, '52:54:00:aa:00:01');
    const b = new Nic(sw, '52:54:00:aa:00:02');
    const c = new Nic(sw, '52:54:00:aa:00:03');
    const frame = (dst: string, src: string) => { const f = new Uint8Array(60); writeEthernet(f, dst, src, 0x88b5); return f; };
    a.port.send(frame(b.mac, a.mac)); // b unknown: flooded to b and c (and the gateway)
    expect([b.take().length, c.take().length]).toEqual([1, 1]);
    b.port.send(frame(a.mac, b.mac)); // a learned: only a
    expect([a.take().length, c.take().length]).toEqual([1, 0]);
    a.port.send(frame(b.mac, a.mac)); // b learned now
    expect([b.take().length, c.take().length]).toEqual([1, 0]);
    expect(a.port.stats).toMatchObject({ tx_packets: 2, rx_packets: 1 });
    const jumbo = new Uint8Array(3000);
    writeEthernet(jumbo, b.mac, a.mac, 0x88b5);
    a.port.send(jumbo);
    expect(b.take().length).toBe(0);
    expect(a.port.stats.tx_drop).toBe(1);
  });
});
