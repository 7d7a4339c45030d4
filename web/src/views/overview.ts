// overview.ts — virt-manager's main window: the host memory pool (used / free / shared frames) and
// every VM with its state, vCPUs, memory and live graphs of CPU, memory, disk and network I/O.
import { h, clear, formatBytes, formatKiB } from '../dom.js';
import { Sparkline } from '../widgets/sparkline.js';
import { navigate, type Route } from '../router.js';
import type { Session, Sample } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import { stateName } from '../../../src/virt/driver/states.js';

const GRAPH_POINTS = 60;

export function overviewView(panel: HTMLElement, session: Session, _route: Route): () => void {
  const host = h('div', { class: 'host-summary', 'data-testid': 'host-summary' });
  const table = h('table', { class: 'vm-table', 'data-testid': 'vm-table' });
  panel.append(h('h1', {}, 'Overview'), host, h('div', { class: 'toolbar' },
    h('button', { onclick: () => navigate({ page: 'new' }), 'data-testid': 'new-vm' }, 'New VM')), table);
  const graphs = new Map<string, Record<string, Sparkline>>();

  const render = () => {
    renderHost(host, session);
    clear(table);
    table.append(h('tr', {}, ...['Name', 'State', 'vCPUs', 'Memory', 'CPU', 'Memory usage', 'Disk I/O', 'Network I/O'].map((t) => h('th', {}, t))));
    for (const d of session.conn.domains.list().sort((a, b) => a.name.localeCompare(b.name))) {
      table.append(row(d, session, graphsFor(graphs, d)));
    }
  };
  render();
  return session.subscribe(render);
}

function renderHost(el: HTMLElement, session: Session): void {
  const p = session.host.poolStats();
  const pct = p.totalFrames ? (100 * p.usedFrames) / p.totalFrames : 0;
  clear(el);
  el.dataset.usedBytes = String(p.usedBytes); // for tests
  el.append(
    h('div', {}, h('strong', {}, 'Host memory pool '), `${formatBytes(p.usedBytes)} used of ${formatBytes(p.totalBytes)}`,
      ` · ${formatBytes(p.freeFrames * 4096)} free · ${formatBytes(p.sharedFrames * 4096)} shared · ${p.vmCount} VM(s)`),
    h('div', { class: 'bar', title: `${pct.toFixed(1)}% used` }, h('div', { class: 'bar-fill', style: `width:${pct}%` })),
    h('div', { class: 'muted' }, `wasmvirt core ${session.host.coreVersion} · pool shared by every VM worker`),
  );
}

function graphsFor(cache: Map<string, Record<string, Sparkline>>, d: DomainObj): Record<string, Sparkline> {
  let g = cache.get(d.uuid);
  if (!g) {
    g = {
      cpu: new Sparkline(110, 28, '#5b9', 100, 'CPU'),
      mem: new Sparkline(110, 28, '#79d', 0, 'Memory'),
      disk: new Sparkline(110, 28, '#d95', 0, 'Disk I/O'),
      net: new Sparkline(110, 28, '#c7c', 0, 'Network I/O'),
    };
    cache.set(d.uuid, g);
  }
  return g;
}

function row(d: DomainObj, session: Session, g: Record<string, Sparkline>): HTMLElement {
  const s = session.samples(d).slice(-GRAPH_POINTS);
  const series = (f: (x: Sample) => number) => s.map(f);
  g.cpu!.set(series((x) => x.cpuPct));
  g.mem!.set(series((x) => x.memKiB));
  g.disk!.set(series((x) => x.diskRdBps + x.diskWrBps));
  g.net!.set(series((x) => x.netRxBps + x.netTxBps));
  const last = s[s.length - 1];
  return h('tr', { class: 'vm-row', 'data-testid': `vm-row-${d.name}`, onclick: () => navigate({ page: 'vm', name: d.name, tab: 'overview' }) },
    h('td', {}, h('strong', {}, d.name), d.def.title ? h('div', { class: 'muted' }, d.def.title) : null),
    h('td', { 'data-testid': `vm-state-${d.name}` }, stateName(d.state)),
    h('td', {}, String(d.def.vcpu.current ?? d.def.vcpu.max)),
    h('td', {}, formatKiB(d.def.memory)),
    h('td', {}, g.cpu!.canvas, last ? h('div', { class: 'muted' }, `${last.cpuPct.toFixed(0)}%`) : null),
    h('td', {}, g.mem!.canvas),
    h('td', {}, g.disk!.canvas),
    h('td', {}, g.net!.canvas),
  );
}
