// The guests' ip= network set-up (/lib/wasmvirt/ipconfig, run by /init) as the built debian image
// ships it, run by the image's own busybox sh on this host with `ip`, `hostname` and `udhcpc`
// replaced by shell functions that log their arguments (nothing on this host changes): each form of ip= (initramfs-tools', from the kernel's
// nfsroot.rst) leads to the commands it should, and a malformed spec or a missing device fails with
// a message naming it. The guest tests (test/guest/net.test.ts) run the same script in a real guest.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OUT, INITRAMFS_FILE } from '../../scripts/images/build.js';
import { readCpio } from '../../scripts/images/cpio.js';

const initramfs = join(DEFAULT_OUT, 'debian', INITRAMFS_FILE);

/**
 * Shell functions in place of the commands that would change this host: ipconfig is sourced after
 * them, so they win over busybox's applets (which its sh runs in preference to anything on PATH).
 * Each logs "name args" a line; `ip link show dev X` fails unless X is in $DEVICES.
 */
const STUBS = `
ip() {
  echo "ip $*" >> "$CALLS"
  [ "$1 $2 $3" = "link show dev" ] || return 0
  case " $DEVICES " in *" $4 "*) return 0 ;; esac
  return 1
}
hostname() {
  [ $# = 0 ] && { cat "$HOSTNAME_FILE"; return 0; }
  echo "hostname $*" >> "$CALLS"; echo "$1" > "$HOSTNAME_FILE"
}
udhcpc() { echo "udhcpc $*" >> "$CALLS"; echo "udhcpc: started" >&2; }
`;

describe.skipIf(!existsSync(initramfs))('ipconfig (ip= on the kernel command line)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wasmvirt-ipconfig-'));
    const files = new Map(readCpio(gunzipSync(readFileSync(initramfs))).map((m) => [m.path, m]));
    for (const [path, name] of [['bin/busybox', 'busybox'], ['lib/wasmvirt/ipconfig', 'ipconfig']]) {
      const m = files.get(path);
      if (m?.kind !== 'file' || !m.data) throw new Error(`${initramfs} has no ${path}: run npm run images`);
      writeFileSync(join(dir, name), m.data);
      chmodSync(join(dir, name), 0o755);
    }
    writeFileSync(join(dir, 'stubs'), STUBS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs ipconfig SPEC with the given devices; with `dhcp`, resolves once the background udhcpc has run. */
  async function ipconfig(spec: string, devices = 'lo eth0', dhcp = false): Promise<{ status: number | null; stderr: string; calls: string[] }> {
    const calls = join(dir, 'calls');
    writeFileSync(calls, '');
    writeFileSync(join(dir, 'hostname'), 'wasmvirt\n');
    const r = spawnSync(join(dir, 'busybox'), ['sh', '-c', '. "$STUBS"; set -- "$SPEC"; . "$IPCONFIG"'], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent', STUBS: join(dir, 'stubs'), SPEC: spec, IPCONFIG: join(dir, 'ipconfig'), CALLS: calls, DEVICES: devices, HOSTNAME_FILE: join(dir, 'hostname'), UDHCPC_LOG: join(dir, 'udhcpc.log') },
    });
    for (let i = 0; dhcp && i < 100 && !readFileSync(calls, 'utf8').includes('udhcpc'); i++) await new Promise((ok) => setTimeout(ok, 20));
    return { status: r.status, stderr: r.stderr, calls: readFileSync(calls, 'utf8').split('\n').filter(Boolean) };
  }

  const LINK_UP = ['ip link show dev eth0', 'ip link set dev lo up', 'ip link set dev eth0 up'];

  it('ip=dhcp brings eth0 up and leaves udhcpc running with the current hostname, logging to its file', async () => {
    for (const spec of ['dhcp', 'on', 'any', ':::::eth0:dhcp', '::::::']) {
      const r = await ipconfig(spec, 'lo eth0', true);
      expect(r, spec).toMatchObject({ status: 0, stderr: '' });
      expect(r.calls, spec).toEqual([...LINK_UP, 'udhcpc -i eth0 -b -x hostname:wasmvirt']);
    }
    expect(readFileSync(join(dir, 'udhcpc.log'), 'utf8')).toContain('udhcpc: started');
  });

  it('a <hostname> field names the guest and its DHCP requests; <device> picks the interface', async () => {
    const r = await ipconfig('::::web-1:eth1:dhcp', 'lo eth0 eth1', true);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(['hostname web-1', 'ip link show dev eth1', 'ip link set dev lo up', 'ip link set dev eth1 up',
      'udhcpc -i eth1 -b -x hostname:web-1']);
  });

  it('a <client-ip> with autoconf off (or empty) sets a static address and the default route', async () => {
    for (const autoconf of ['off', 'none', 'static', '']) {
      const r = await ipconfig(`10.0.2.15::10.0.2.2:255.255.255.0:box:eth0:${autoconf}`);
      expect(r.status, autoconf).toBe(0);
      expect(r.calls, autoconf).toEqual(['hostname box', ...LINK_UP, 'ip addr add 10.0.2.15/24 dev eth0',
        'ip route add default via 10.0.2.2 dev eth0']);
    }
    const classful = await ipconfig('10.0.2.15::::::off');
    expect(classful.calls).toEqual([...LINK_UP, 'ip addr add 10.0.2.15/8 dev eth0']);
  });

  it('ip=off and ip=none do nothing', async () => {
    for (const spec of ['off', 'none']) expect(await ipconfig(spec), spec).toMatchObject({ status: 0, calls: [] });
  });

  it('refuses a malformed spec or a missing device with a message naming it, touching nothing', async () => {
    const cases: [string, RegExp][] = [
      ['bogus', /ip=bogus: expected dhcp, on, any, off, none or <client-ip>:/],
      [':::::eth0:magic', /unknown autoconf method "magic"/],
      ['::::::static', /a static address needs <client-ip>/],
      ['300.1.1.1::::::off', /bad address or netmask "300\.1\.1\.1"/],
    ];
    for (const [spec, message] of cases) {
      const r = await ipconfig(spec);
      expect(r.status, spec).toBe(1);
      expect(r.stderr, spec).toMatch(message);
      expect(r.calls, spec).toEqual([]);
    }
    const missing = await ipconfig(':::::eth1:dhcp');
    expect(missing).toMatchObject({ status: 1, calls: ['ip link show dev eth1'] });
    expect(missing.stderr).toContain('wasmvirt-init: ip=:::::eth1:dhcp: no network device eth1');
  });
});
