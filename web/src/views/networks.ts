// networks.ts — virtual networks: list with state, autostart, bridge and address range; details of
// the selected one with its DHCP leases (what `virsh net-dhcp-leases` shows, looked at every
// LEASE_POLL_MS: a guest taking a lease is no libvirt event); create from XML, start, stop, delete.
import { h, clear, action, showError } from '../dom.js';
import type { Session } from '../session.js';
import type { NetworkObj } from '../../../src/virt/driver/networks.js';
import { xmlEditor } from './xml-editor.js';

const LEASE_POLL_MS = 2000;

const DEFAULT_XML = `<network>
  <name>isolated</name>
  <bridge name='virbr1'/>
  <ip address='192.168.100.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.100.2' end='192.168.100.254'/>
    </dhcp>
  </ip>
</network>`;

export function networksView(el: HTMLElement, session: Session): () => void {
  const list = h('div', { 'data-testid': 'networks' });
  const editor = xmlEditor(DEFAULT_XML, async (xml) => {
    const net = await session.conn.networks.defineXML(xml);
    return `Network ${net.def.name} defined.`;
  }, 'Define network');
  el.append(h('h1', {}, 'Networks'), list, h('h2', {}, 'New network from XML'), editor.element);
  let shown = '';
  const render = () => {
    shown = leasesKey(session);
    clear(list);
    for (const n of session.conn.networks.list()) list.append(networkSection(session, n));
  };
  render();
  const unsub = session.conn.events.on(() => { try { render(); } catch (e) { showError(e); } });
  const poll = setInterval(() => { if (leasesKey(session) !== shown) render(); }, LEASE_POLL_MS);
  return () => { unsub(); clearInterval(poll); };
}

/** What the lease tables show, as one string to compare. */
function leasesKey(session: Session): string {
  const drv = session.conn.networks;
  return JSON.stringify(drv.list().map((n) => (n.active ? drv.dhcpLeases(n) : [])));
}

function networkSection(session: Session, n: NetworkObj): HTMLElement {
  const drv = session.conn.networks;
  const active = n.active;
  const ip = n.def.ips[0];
  const leases = active ? drv.dhcpLeases(n) : [];
  return h('section', { class: 'pool', 'data-testid': `network-${n.def.name}` },
    h('h2', {}, n.def.name, ' ', h('span', { class: 'muted' }, `${active ? 'active' : 'inactive'} · ${n.def.forward?.mode ?? 'isolated'}` +
      ` · ${n.def.bridge?.name ?? ''}${ip ? ` · ${ip.address}/${ip.prefix}` : ''}`)),
    h('div', { class: 'toolbar' },
      h('button', { disabled: active, onclick: action(() => drv.start(n)) }, 'Start'),
      h('button', { disabled: !active, onclick: action(() => drv.destroy(n)) }, 'Stop'),
      h('button', { onclick: action(() => drv.setAutostart(n, !n.autostart)) }, n.autostart ? 'Autostart: on' : 'Autostart: off'),
      h('button', { disabled: active, onclick: action(() => drv.undefine(n)) }, 'Delete')),
    h('table', { class: 'vol-table', 'data-testid': `leases-${n.def.name}` },
      h('tr', {}, ...['Expiry Time', 'MAC address', 'IP address', 'Hostname'].map((t) => h('th', {}, t))),
      ...leases.map((l) => h('tr', { 'data-testid': `lease-${l.mac}` }, h('td', {}, new Date(l.expiryTime * 1000).toLocaleString()), h('td', {}, l.mac),
        h('td', {}, `${l.ipaddr}/${l.prefix}`), h('td', {}, l.hostname ?? '-')))));
}
