// Defaults libvirt fills in at define time, generated identifiers, and live
// (running-domain) formatting versus --inactive.
import { describe, expect, it } from 'vitest';
import { copyDomainDef, formatDomainXML, parseDomainXML } from '../../../src/virt/conf/index.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('domain defaults', () => {
  const def = parseDomainXML(`<domain><name>d</name><memory>65536</memory><genid/>
    <devices><interface type='network'><source network='default'/></interface>
    <interface type='user'/></devices></domain>`);

  it('fills type, os, lifecycle, clock, vcpu and currentMemory', () => {
    expect(def.type).toBe('kvm');
    expect(def.os).toMatchObject({ type: 'hvm', arch: 'x86_64', machine: 'pc', boot: ['hd'] });
    expect([def.onPoweroff, def.onReboot, def.onCrash]).toEqual(['destroy', 'restart', 'destroy']);
    expect(def.clock.offset).toBe('utc');
    expect(def.vcpu).toEqual({ max: 1, placement: 'static', current: undefined, cpuset: undefined });
    expect(def.currentMemory).toBe(65536);
    expect(def.devices.memballoon).toEqual({ model: 'virtio' });
  });

  it('generates a uuid, a genid and distinct 52:54:00 MACs', () => {
    expect(def.uuid).toMatch(UUID_RE);
    expect(def.genid).toMatch(UUID_RE);
    const macs = def.devices.interfaces.map((i) => i.mac);
    for (const m of macs) expect(m).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(new Set(macs).size).toBe(2);
  });

  it('keeps the generated values through a round trip', () => {
    const again = parseDomainXML(formatDomainXML(def, { inactive: true }));
    expect(again.uuid).toBe(def.uuid);
    expect(again.genid).toBe(def.genid);
    expect(again.devices.interfaces.map((i) => i.mac)).toEqual(def.devices.interfaces.map((i) => i.mac));
  });

  it('adds a console for the first serial port, and a serial for a lone serial console', () => {
    const a = parseDomainXML(`<domain><name>s</name><memory>1024</memory><devices><serial type='pty'/></devices></domain>`);
    expect(a.devices.consoles).toEqual([{ source: { type: 'pty' }, target: { type: 'serial', port: 0 } }]);
    const b = parseDomainXML(`<domain><name>c</name><memory>1024</memory><devices><console type='pty'/></devices></domain>`);
    expect(b.devices.serials.length).toBe(1);
    expect(b.devices.serials[0].target).toEqual({ type: 'isa-serial', port: 0, model: 'isa-serial' });
  });

  it('keeps foreign metadata verbatim and drops un-namespaced metadata, as libvirt does', () => {
    const d = parseDomainXML(`<domain><name>m</name><memory>1024</memory><metadata>
      <plain>dropped</plain><x:a xmlns:x='urn:x'>kept <x:b c="d&amp;e"/></x:a><x:dup xmlns:x='urn:x'/></metadata></domain>`);
    const xml = formatDomainXML(d, { inactive: true });
    expect(xml).toContain(`<metadata>\n    <x:a xmlns:x="urn:x">\n      kept\n      <x:b c="d&amp;e"/>\n    </x:a>\n  </metadata>`);
    expect(xml).not.toContain('plain');
    expect(xml).not.toContain('x:dup');
  });
});

describe('clock', () => {
  it('turns a numeric utc/localtime adjustment into offset variable, as libvirt does', () => {
    const d = parseDomainXML(`<domain><name>c</name><memory>1024</memory><clock offset='localtime' adjustment='3600'/></domain>`);
    expect(formatDomainXML(d, { inactive: true })).toContain(`<clock offset='variable' adjustment='3600' basis='localtime'/>`);
    const r = parseDomainXML(`<domain><name>c</name><memory>1024</memory><clock offset='utc' adjustment='reset'/></domain>`);
    expect(r.clock).toEqual({ offset: 'utc', adjustment: 'reset', timers: [] });
  });
});

describe('accepted but uninterpreted elements', () => {
  it('keeps input, graphics, video, audio and unknown elements verbatim, at libvirt positions', () => {
    const d = parseDomainXML(`<domain><name>v</name><memory>1024</memory>
      <perf><event name='cmt' enabled='no'/></perf>
      <devices>
        <video><model type='virtio' heads='1'><acceleration accel3d='no'/></model></video>
        <audio id='1' type='none'/>
        <graphics type='spice' autoport='yes'><image compression='off'/></graphics>
        <input type='keyboard' bus='virtio'/>
      </devices>
      <resource><partition>/machine</partition></resource></domain>`);
    const xml = formatDomainXML(d, { inactive: true });
    const order = ['<resource>', '<os>', '<on_crash>', '<perf>', '<devices>', `<input type='keyboard' bus='virtio'/>`,
      `<input type='mouse' bus='ps2'/>`, `<graphics type='spice' autoport='yes'>`, `<image compression='off'/>`,
      `<audio id='1' type='none'/>`, `<model type='virtio' heads='1'>`, `<acceleration accel3d='no'/>`, '<memballoon'];
    const at = order.map((t) => xml.indexOf(t));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(formatDomainXML(parseDomainXML(xml), { inactive: true })).toBe(xml);
  });
});

describe('live and inactive formatting', () => {
  const liveXml = `<domain type='kvm' id='7'>
  <name>live</name>
  <uuid>5f1b7a8e-0b1e-4f0e-9d55-0a6f6a3d2c11</uuid>
  <memory unit='KiB'>65536</memory>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:01:02:03'/>
      <source network='default' bridge='virbr0'/>
      <target dev='vnet0'/>
      <alias name='net0'/>
    </interface>
    <serial type='pty'>
      <source path='/dev/pts/4'/>
      <target port='0'/>
      <alias name='serial0'/>
    </serial>
  </devices>
</domain>`;

  it('define (inactive parse) drops live-only state', () => {
    const xml = formatDomainXML(parseDomainXML(liveXml));
    expect(xml.startsWith(`<domain type='kvm'>`)).toBe(true);
    expect(xml).not.toContain('vnet0');
    expect(xml).not.toContain('/dev/pts/4');
    expect(xml).not.toContain('alias');
  });

  it('a live parse keeps it, and --inactive formatting hides it', () => {
    const def = parseDomainXML(liveXml, { live: true });
    expect(def.id).toBe(7);
    const live = formatDomainXML(def);
    expect(live.startsWith(`<domain type='kvm' id='7'>`)).toBe(true);
    expect(live).toContain(`<source network='default' bridge='virbr0'/>`);
    expect(live).toContain(`<target dev='vnet0'/>`);
    expect(live).toContain(`<alias name='net0'/>`);
    expect(live).toContain(`<console type='pty' tty='/dev/pts/4'>`);
    const inactive = formatDomainXML(def, { inactive: true });
    expect(inactive).not.toContain(`id='7'`);
    expect(inactive).not.toContain('vnet0');
    expect(inactive).not.toContain('tty=');
  });

  it('keeps a user-chosen interface target name, drops generated vnetN ones', () => {
    const xml = `<domain><name>t</name><memory>1024</memory><devices>
      <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='mytap0'/></interface>
      <interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/><target dev='vnet3'/></interface>
      </devices></domain>`;
    const out = formatDomainXML(parseDomainXML(xml), { inactive: true });
    expect(out).toContain(`<target dev='mytap0'/>`);
    expect(out).not.toContain('vnet3');
  });

  it('copyDomainDef gives an equal, independent definition', () => {
    const def = parseDomainXML(liveXml, { live: true });
    const copy = copyDomainDef(def);
    expect(formatDomainXML(copy)).toBe(formatDomainXML(def));
    copy.devices.interfaces[0].mac = '52:54:00:ff:ff:ff';
    expect(def.devices.interfaces[0].mac).toBe('52:54:00:01:02:03');
  });
});
