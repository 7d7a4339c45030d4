// vm-devices.ts — the VM's devices as virt-manager lists them: disks (target, bus, source, format,
// I/O limits), network interfaces (MAC, model, network, link, and the addresses of the running VM's
// DHCP leases, what `virsh domifaddr` shows), consoles and channels, rng, balloon.
import { h, clear } from '../dom.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import type { DomainInterface } from '../../../src/virt/driver/connect.js';

export function devicesTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const list = h('div', { class: 'devices', 'data-testid': 'devices' });
  el.append(list);
  const render = () => {
    clear(list);
    const d = dom.def.devices;
    const addrs = dom.isActive() ? interfaceAddresses(session, dom) : [];
    const addressOf = (mac: string) => addrs.find((i) => i.hwaddr === mac)?.addrs.map((a) => `${a.addr}/${a.prefix}`).join(', ') ?? '';
    const section = (title: string, rows: string[][]) => rows.length && list.append(h('h3', {}, title),
      h('table', { class: 'kv' }, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i ? h('td', {}, c) : h('th', {}, c)))))));
    section('Disks', d.disks.map((x) => [x.target.dev, `${x.device} on ${x.target.bus}`,
      x.source.type === 'file' ? x.source.file ?? '' : x.source.type === 'volume' ? `${x.source.pool}/${x.source.volume}` : x.source.type,
      x.driver?.type ?? 'raw', x.readonly ? 'read-only' : 'read-write', x.iotune ? 'I/O limits' : '']));
    section('Network interfaces', d.interfaces.map((x) => [x.mac, x.model ?? 'virtio', x.type === 'network' ? `network ${x.source.network}` : x.type,
      `link ${x.link ?? 'up'}`, addressOf(x.mac)]));
    section('Consoles and channels', [...d.serials.map((s, i) => [`serial${i}`, s.source.type]),
      ...d.consoles.map((c, i) => [`console${i}`, c.target?.type ?? 'serial']), ...d.channels.map((c) => ['channel', c.target?.name ?? c.target?.type ?? ''])]);
    section('Other', [
      ...d.rngs.map((r) => ['rng', r.model, r.rate ? `${r.rate.bytes} bytes / ${r.rate.period ?? 1000} ms` : 'unlimited']),
      ...(d.memballoon ? [['memballoon', d.memballoon.model, d.memballoon.statsPeriod ? `stats every ${d.memballoon.statsPeriod}s` : '']] : []),
    ]);
  };
  render();
  return session.subscribe(render);
}

/** The running VM's interface addresses from its networks' leases; none if a network is gone. */
function interfaceAddresses(session: Session, dom: DomainObj): DomainInterface[] {
  try {
    return session.conn.interfaceAddresses(dom);
  } catch {
    return [];
  }
}
