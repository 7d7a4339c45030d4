// vm-devices.ts — the VM's devices as virt-manager lists them: disks (target, bus, source, format,
// I/O limits), network interfaces (MAC, model, network, link), consoles and channels, rng, balloon.
import { h, clear } from '../dom.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';

export function devicesTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const list = h('div', { class: 'devices', 'data-testid': 'devices' });
  el.append(list);
  const render = () => {
    clear(list);
    const d = dom.def.devices;
    const section = (title: string, rows: string[][]) => rows.length && list.append(h('h3', {}, title),
      h('table', { class: 'kv' }, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i ? h('td', {}, c) : h('th', {}, c)))))));
    section('Disks', d.disks.map((x) => [x.target.dev, `${x.device} on ${x.target.bus}`,
      x.source.type === 'file' ? x.source.file ?? '' : x.source.type === 'volume' ? `${x.source.pool}/${x.source.volume}` : x.source.type,
      x.driver?.type ?? 'raw', x.readonly ? 'read-only' : 'read-write', x.iotune ? 'I/O limits' : '']));
    section('Network interfaces', d.interfaces.map((x) => [x.mac, x.model ?? 'virtio', x.type === 'network' ? `network ${x.source.network}` : x.type,
      `link ${x.link ?? 'up'}`]));
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
