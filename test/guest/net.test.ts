// net.test.ts — two debian guests on the default NAT network (issue 6, "Done when"), wired the way
// the Node hypervisor wires NICs: each VM's virtio-net in its worker_thread, frame rings to a
// NicBridge on the network's VirtualSwitch, whose Gateway answers ARP, ICMP and DHCP. Both get a
// lease with busybox udhcpc (listed like `virsh net-dhcp-leases`): one runs it from its shell, the
// other's /init runs it for `ip=::::net-1:eth0:dhcp` on its kernel command line, as initramfs-tools
// would, and names the guest (and its lease) net-1. They ping the gateway and each other,
// and move 16 MiB by TCP with busybox nc; the md5sums match. The same file then goes by HTTP
// (busybox httpd's sendfile, wget): with the guests' checksum and segmentation offload (TSO, partial
// checksums) the frames cross the switch as super-segments of up to 64 KiB, and the md5sum still matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerHypervisor } from '../../src/worker/hypervisor.js';
import { debianHasExt4, dhcp, eth0Address, GuestVm, guestHypervisor } from './guest.js';

const MACS = ['52:54:00:6e:00:0a', '52:54:00:6e:00:0b'];

describe.skipIf(!debianHasExt4())('two debian guests on one virtual network', () => {
  let hv: WorkerHypervisor;
  let a: GuestVm;
  let b: GuestVm;
  const ip: string[] = [];

  beforeAll(async () => {
    hv = await guestHypervisor(768);
    [a, b] = await Promise.all(MACS.map((mac, i) => GuestVm.boot(hv, {
      name: `net-${i}`, nics: [{ mac, network: 'default' }], cmdline: i === 1 ? 'console=ttyS0 quiet ip=::::net-1:eth0:dhcp' : undefined,
    })));
  }, 900_000);

  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  it('both get DHCP leases from the network, listed by MAC (and the hostname ip= gave)', async () => {
    ip.push(await dhcp(a));
    // b's /init left udhcpc running in the background: its lease comes without a word from the shell
    await b.ok('for i in $(seq 300); do ip -4 -o addr show dev eth0 | grep -q inet && break; usleep 100000; done');
    ip.push(await eth0Address(b));
    expect(ip[0]).toMatch(/^192\.168\.122\.\d+$/);
    expect(ip[1]).toMatch(/^192\.168\.122\.\d+$/);
    expect(ip[0]).not.toBe(ip[1]);
    const leases = hv.networkLeases('default')!;
    for (let i = 0; i < 2; i++) expect(leases.find((l) => l.mac === MACS[i])?.ip).toBe(ip[i]);
    expect(leases.find((l) => l.mac === MACS[1])?.hostname).toBe('net-1');
    expect((await b.ok('hostname')).trim()).toBe('net-1');
    expect(await a.ok('ip -4 addr show eth0')).toContain(`inet ${ip[0]}/24`);
    // the image's udhcpc event script also set the default route and the network's DNS server
    for (const g of [a, b]) {
      expect(await g.ok('ip route show default')).toMatch(/^default via 192\.168\.122\.1 dev eth0/m);
      expect(await g.ok('cat /etc/resolv.conf')).toMatch(/^nameserver 192\.168\.122\.1$/m);
    }
  }, 600_000);

  it('each pings the gateway, and one pings the other; the gateway knows both by ARP', async () => {
    expect(ip).toHaveLength(2);
    await a.ok('ping -c 2 -W 5 192.168.122.1', 120);
    await b.ok('ping -c 2 -W 5 192.168.122.1', 120);
    const out = await a.ok(`ping -c 3 -W 5 ${ip[1]}`, 120);
    expect(out).toMatch(/3 packets transmitted, 3 packets received/);
    // both asked for the gateway by ARP: its neighbour table (domifaddr --source arp) has them
    const table = hv.networkNeighbours('default')!;
    for (let i = 0; i < 2; i++) expect(table).toContainEqual({ ip: ip[i], mac: MACS[i] });
  }, 300_000);

  it('moves 16 MiB by TCP with busybox nc; the md5sums match', async () => {
    expect(ip).toHaveLength(2);
    // The listener's stdin stays open (sleep |): busybox nc half-closes its socket at stdin EOF, and
    // the sender quits when the peer half-closes. In a subshell it is no job of the console's ash,
    // whose tty a background job would otherwise try to read.
    await b.ok('(sleep 9999 | nc -l -p 5001 > /tmp/recv 2>/dev/null &)');
    await a.ok('dd if=/dev/urandom of=/tmp/send bs=1M count=16 2>/dev/null', 600);
    const sent = await a.md5('/tmp/send', 120);
    await a.ok(`nc ${ip[1]} 5001 < /tmp/send`, 600);
    await b.ok('while pidof nc > /dev/null; do usleep 100000; done; killall sleep', 600); // the listener exits at the sender's close
    const received = (await b.ok('md5sum /tmp/recv; wc -c < /tmp/recv')).split(/\s+/);
    expect(received[2]).toBe(String(16 << 20));
    expect(received[0]).toBe(sent);
  }, 900_000);

  it('serves the file by HTTP in super-segments larger than the MTU (TSO); the md5sum matches', async () => {
    expect(ip).toHaveLength(2);
    await a.ok('mkdir -p /www && cp /tmp/send /www/f && httpd -p 80 -h /www');
    const sentBy = async () => Object.values((await a.vm.stats()).net)[0]!;
    const before = await sentBy();
    const out = await b.ok(`wget -q -O - http://${ip[0]}/f | md5sum; echo $(($(wget -q -O - http://${ip[0]}/f | wc -c)))`, 600);
    const [md5, , bytes] = out.split(/\s+/);
    expect(bytes).toBe(String(16 << 20));
    const after = await sentBy();
    // frames larger than the MTU left the sender's NIC (on average over twice its size; the
    // average follows the congestion window: 5.2 KB in one CI run): the guest used TCP segmentation offload
    expect((after.txBytes - before.txBytes) / (after.txPackets - before.txPackets)).toBeGreaterThan(2 * 1514);
    expect(md5).toBe(await a.md5('/tmp/send', 120));
  }, 900_000);
});
