// lifecycle.test.ts — the driver's state machine with the fake hypervisor:
// states and reasons, events, on_poweroff/on_reboot/on_crash, what reaches the
// hypervisor (resolved disks, interfaces, noReboot), failures that change nothing.
import { describe, it, expect } from 'vitest';
import { makeEnv, domainXml } from './harness.js';
import { settle } from './fake-hypervisor.js';
import { DomainState, DomainEventType, ShutoffReason, RunningReason } from '../../src/virt/driver/states.js';
import type { VirtEvent } from '../../src/virt/driver/events.js';
import { VirError } from '../../src/virt/error.js';

async function setup() {
  const env = makeEnv();
  const conn = await env.open();
  const events: VirtEvent[] = [];
  conn.events.on((e) => events.push(e));
  const lifecycle = () => events.filter((e) => e.type === 'domain-lifecycle').map((e) => e.type === 'domain-lifecycle' ? `${DomainEventType[e.event]}:${e.detail}` : '');
  return { env, conn, events, lifecycle };
}

describe('domain lifecycle', () => {
  it('define, start, suspend, resume, destroy with libvirt states, reasons and events', async () => {
    const { env, conn, lifecycle } = await setup();
    const dom = await conn.domains.defineXML(domainXml('a'));
    expect([dom.state, dom.reason, dom.id]).toEqual([DomainState.Shutoff, ShutoffReason.Unknown, -1]);
    await conn.domains.start(dom);
    expect([dom.state, dom.reason, dom.id]).toEqual([DomainState.Running, RunningReason.Booted, 1]);
    expect(env.hv.vm('a').def.id).toBe(1);
    await conn.domains.lifecycle.suspend(dom);
    expect(env.hv.vm('a').state).toBe('paused');
    await conn.domains.lifecycle.resume(dom);
    await conn.domains.lifecycle.destroy(dom);
    expect(env.hv.vm('a').state).toBe('stopped');
    expect([dom.state, dom.reason, dom.id]).toEqual([DomainState.Shutoff, ShutoffReason.Destroyed, -1]);
    expect(lifecycle()).toEqual(['Defined:0', 'Started:0', 'Suspended:0', 'Resumed:0', 'Stopped:1']);
    await conn.domains.start(dom);
    expect(dom.id).toBe(2);
  });

  it('a guest power-off after the ACPI button ends as shut off (shutdown); a late hook from an old VM is ignored', async () => {
    const { env, conn, lifecycle } = await setup();
    const dom = await conn.domains.defineXML(domainXml('a'));
    await conn.domains.start(dom);
    const first = env.hv.vm('a');
    await conn.domains.lifecycle.shutdown(dom);
    expect(first.log).toEqual(['powerButton']);
    expect(dom.state).toBe(DomainState.Running);
    await settle();
    expect([dom.state, dom.reason]).toEqual([DomainState.Shutoff, ShutoffReason.Shutdown]);
    await conn.domains.start(dom);
    first.crash();
    expect(dom.state).toBe(DomainState.Running);
    expect(lifecycle()).toEqual(['Defined:0', 'Started:0', 'Shutdown:1', 'Stopped:0', 'Started:0']);
  });

  it('on_reboot=destroy asks the VM for noReboot and a guest reset shuts it off', async () => {
    const { env, conn } = await setup();
    const dom = await conn.domains.defineXML(domainXml('a', { onReboot: 'destroy' }));
    await conn.domains.start(dom);
    expect(env.hv.vm('a').options.noReboot).toBe(true);
    env.hv.vm('a').guestReset();
    await settle();
    expect([dom.state, dom.reason]).toEqual([DomainState.Shutoff, ShutoffReason.Shutdown]);
    const other = await conn.domains.defineXML(domainXml('b'));
    await conn.domains.start(other);
    expect(env.hv.vm('b').options.noReboot).toBe(false);
  });

  it('on_crash: destroy shuts off (crashed), preserve keeps it crashed until destroy, restart boots again', async () => {
    const { env, conn } = await setup();
    const d1 = await conn.domains.defineXML(domainXml('d1'));
    const d2 = await conn.domains.defineXML(domainXml('d2', { onCrash: 'preserve' }));
    const d3 = await conn.domains.defineXML(domainXml('d3', { onCrash: 'restart' }));
    for (const d of [d1, d2, d3]) await conn.domains.start(d);
    for (const n of ['d1', 'd2', 'd3']) env.hv.vm(n).crash();
    await settle();
    expect([d1.state, d1.reason]).toEqual([DomainState.Shutoff, ShutoffReason.Crashed]);
    expect([d2.state, d2.reason, d2.isActive()]).toEqual([DomainState.Crashed, 1, true]);
    expect(d3.state).toBe(DomainState.Running);
    expect(env.hv.vms.filter((v) => v.def.name === 'd3').length).toBe(2);
    await conn.domains.lifecycle.destroy(d2);
    expect([d2.state, d2.reason]).toEqual([DomainState.Shutoff, ShutoffReason.Destroyed]);
  });

  it('a transient domain with on_poweroff=restart comes back; without it, it is gone', async () => {
    const { env, conn } = await setup();
    const t = await conn.domains.createXML(domainXml('t', { onPoweroff: 'restart' }));
    env.hv.vm('t').guestPoweroff();
    await settle();
    expect(conn.domains.lookupByName('t')).toBe(t);
    expect([t.state, t.id]).toEqual([DomainState.Running, 2]);
    await conn.domains.lifecycle.shutdown(t);
    await settle();
    expect(t.state).toBe(DomainState.Running);
    const u = await conn.domains.createXML(domainXml('u'));
    env.hv.vm('u').guestPoweroff();
    await settle();
    expect(() => conn.domains.lookupByName('u')).toThrow("Domain not found: no domain with matching name 'u'");
    expect(u.state).toBe(DomainState.Shutoff);
  });

  it('a failed start leaves the domain shut off, its id unused and nothing plugged', async () => {
    const { env, conn } = await setup();
    const dom = await conn.domains.defineXML(domainXml('a'));
    env.hv.failNextStart = new Error('out of host memory');
    await expect(conn.domains.start(dom)).rejects.toThrow("internal error: failed to start domain 'a': out of host memory");
    expect([dom.state, dom.id, dom.vm]).toEqual([DomainState.Shutoff, -1, undefined]);
    await conn.domains.createXML(domainXml('t'));
    env.hv.failNextStart = new Error('boom');
    await expect(conn.domains.createXML(domainXml('t2'))).rejects.toBeInstanceOf(VirError);
    expect(conn.domains.list().map((d) => d.name).sort()).toEqual(['a', 't']);
  });

  it('resolves volume disks to paths and network interfaces to vnetN, refusing inactive pools and networks', async () => {
    const { env, conn } = await setup();
    await conn.pools.defineXML(`<pool type='dir'><name>p</name><target><path>/images</path></target></pool>`);
    const pool = conn.pools.lookupByName('p');
    await conn.pools.build(pool);
    await conn.pools.start(pool);
    await conn.volumes.createXML(pool, `<volume><name>d.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>`);
    await conn.networks.defineXML(`<network><name>n</name><ip address='10.1.0.1' prefix='24'/></network>`);
    const dom = await conn.domains.defineXML(domainXml('a', {
      disks: `<disk type='volume' device='disk'><source pool='p' volume='d.qcow2'/><target dev='vda' bus='virtio'/></disk>`,
      interfaces: `<interface type='network'><mac address='52:54:00:00:00:01'/><source network='n'/></interface>`,
    }));
    await expect(conn.domains.start(dom)).rejects.toThrow("Requested operation is not valid: network 'n' is not active");
    await conn.networks.start(conn.networks.lookupByName('n'));
    await conn.pools.destroy(pool);
    await expect(conn.domains.start(dom)).rejects.toThrow("storage pool 'p' containing volume 'd.qcow2' is not active");
    await conn.pools.start(pool);
    await conn.domains.start(dom);
    const opts = env.hv.vm('a').options;
    expect(opts.disks).toEqual([{ target: 'vda', bus: 'virtio', device: 'disk', format: 'qcow2', path: '/images/d.qcow2', readOnly: false }]);
    expect(opts.interfaces).toEqual([{ mac: '52:54:00:00:00:01', model: 'virtio', target: 'vnet0', network: 'n', linkUp: true }]);
    expect(dom.def.devices.interfaces[0].target).toBe('vnet0');
    expect(conn.domains.xmlDesc(dom, false)).toContain("<target dev='vnet0'/>");
    expect(conn.domains.xmlDesc(dom, true)).not.toContain('vnet0');
    const b = await conn.domains.createXML(domainXml('b', {
      interfaces: `<interface type='network'><mac address='52:54:00:00:00:02'/><source network='n'/></interface>`,
    }));
    expect(b.def.devices.interfaces[0].target).toBe('vnet1');
    await conn.domains.lifecycle.destroy(dom);
    const c = await conn.domains.createXML(domainXml('c', {
      interfaces: `<interface type='network'><mac address='52:54:00:00:00:03'/><source network='n'/></interface>`,
    }));
    expect(c.def.devices.interfaces[0].target).toBe('vnet0');
    const d = await conn.domains.createXML(domainXml('d', {
      interfaces: `<interface type='network'><mac address='52:54:00:00:00:04'/><source network='n'/><target dev='mytap'/></interface>`,
    }));
    expect(d.def.devices.interfaces[0].target).toBe('mytap');
  });

  it('a definition changed while running takes effect at the next start', async () => {
    const { conn } = await setup();
    const dom = await conn.domains.defineXML(domainXml('a', { uuid: '12345678-1234-4234-8234-123456789abc', memory: 262144 }));
    await conn.domains.start(dom);
    await conn.domains.defineXML(domainXml('a', { uuid: '12345678-1234-4234-8234-123456789abc', memory: 524288 }));
    expect(dom.def.memory).toBe(262144);
    expect(dom.configDef().memory).toBe(524288);
    await conn.domains.lifecycle.destroy(dom);
    expect(dom.def.memory).toBe(524288);
  });
});

describe('volumes through the block layer', () => {
  it('upload, download, clone and wipe move real bytes; thin volumes stay thin', async () => {
    const env = makeEnv();
    const conn = await env.open();
    await conn.pools.defineXML(`<pool type='dir'><name>p</name><target><path>/images</path></target></pool>`);
    const pool = conn.pools.lookupByName('p');
    await conn.pools.start(pool, true);
    const vol = await conn.volumes.createXML(pool, `<volume><name>v.raw</name><capacity unit='MiB'>8</capacity></volume>`);
    expect((await conn.volumes.info(vol)).allocation).toBe(0);
    const data = new TextEncoder().encode('x'.repeat(100000));
    async function* src() {
      yield data;
    }
    expect(await conn.volumes.upload(vol, src(), 4096)).toBe(100000);
    const parts: Uint8Array[] = [];
    for await (const c of conn.volumes.download(vol, 4096, 100000)) parts.push(c);
    expect(new TextDecoder().decode(parts[0])).toBe('x'.repeat(100000));
    const copy = await conn.volumes.createXML(pool, `<volume><name>c.qcow2</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>`, vol);
    const info = await conn.volumes.info(copy);
    expect(info).toMatchObject({ format: 'qcow2', capacity: 8 * 1024 * 1024 });
    expect(info.allocation).toBeLessThan(1024 * 1024);
    const { openImage } = await import('../../src/vmm/block/index.js');
    const dev = await openImage(env.blocks, 'images/c.qcow2', { readOnly: true });
    expect(new TextDecoder().decode(await dev.read(4096, 5))).toBe('xxxxx');
    expect((await dev.read(0, 4096)).every((b) => b === 0)).toBe(true);
    await dev.close();
    await conn.volumes.wipe(vol);
    const after: Uint8Array[] = [];
    for await (const c of conn.volumes.download(vol, 4096, 10)) after.push(c);
    expect([...after[0]]).toEqual(new Array(10).fill(0));
  });
});

describe('networks run by the hypervisor', () => {
  it('tells the hypervisor when a network starts and stops, and lists its DHCP server\'s leases', async () => {
    const env = makeEnv();
    const calls: string[] = [];
    Object.assign(env.hv, {
      networkStarted: (def: { name: string }) => calls.push(`start ${def.name}`),
      networkStopped: (name: string) => calls.push(`stop ${name}`),
      networkLeases: (name: string) => (name === 'n'
        ? [{ mac: '52:54:00:00:00:09', ip: '10.1.0.9', hostname: 'g', clientId: null, expiry: 2_000_000_000 }] : undefined),
    });
    const conn = await env.open();
    const net = await conn.networks.defineXML(`<network><name>n</name><ip address='10.1.0.1' prefix='24'><dhcp><range start='10.1.0.2' end='10.1.0.9'/></dhcp></ip></network>`);
    await conn.networks.start(net);
    expect(conn.networks.dhcpLeases(net)).toEqual([{
      iface: 'virbr0', expiryTime: 2_000_000_000, type: 'ipv4', mac: '52:54:00:00:00:09', ipaddr: '10.1.0.9', prefix: 24,
      hostname: 'g', clientid: undefined,
    }]);
    await conn.networks.destroy(net);
    expect(calls).toEqual(['start n', 'stop n']);
  });
});
