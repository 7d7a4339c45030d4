// vm-overview.ts — the details overview: state and reason (and, shut off, why the VM last stopped by
// itself: a guest power-off, a crash with its reason such as a hung worker), uptime (from the VM's start), vCPUs and
// memory, the guest's own memory statistics when the balloon reports them, and the VM's exit
// statistics as kvm_stat shows them: each exit reason and in-kernel event with its total since the
// start and its rate over the last refresh, summed over the vCPUs, busiest first.
import { h, clear, formatKiB, formatDuration } from '../dom.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import { reasonName, stateName } from '../../../src/virt/driver/states.js';
import type { StopCause, VmStats } from '../../../src/virt/hypervisor.js';

export function vmOverviewTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const table = h('table', { class: 'kv', 'data-testid': 'vm-overview' });
  const exitsTable = h('table', { class: 'vol-table', 'data-testid': 'vm-exits' });
  el.append(table, h('h2', {}, 'Exit statistics (kvm_stat)'), exitsTable);
  let stats: VmStats | undefined;
  let previous: { t: number; exits: Record<string, number> } | undefined;
  const render = () => {
    clear(table);
    for (const [k, v] of overviewRows(dom, stats)) table.append(h('tr', { 'data-key': k }, h('th', {}, k), h('td', {}, v)));
    clear(exitsTable);
    if (!stats) {
      exitsTable.append(h('tr', {}, h('td', { class: 'muted' }, 'The VM is not running.')));
      previous = undefined;
      return;
    }
    const now = { t: performance.now(), exits: exitTotals(stats) };
    exitsTable.append(h('tr', {}, ...['Event', 'Total', 'Current (/s)'].map((t) => h('th', {}, t))),
      ...exitRows(now, previous).map(([name, total, rate]) =>
        h('tr', { 'data-event': name, 'data-total': String(total) }, h('td', {}, name), h('td', {}, String(total)), h('td', {}, rate === undefined ? '-' : rate.toFixed(0)))));
    previous = now;
  };
  const refresh = async () => {
    stats = dom.isActive() && dom.vm ? await dom.vm.stats().catch(() => undefined) : undefined;
    render();
  };
  render();
  void refresh();
  return session.subscribe(() => void refresh());
}

function overviewRows(dom: DomainObj, stats: VmStats | undefined): [string, string][] {
  const rows: [string, string][] = [
    ['Name', dom.name],
    ['UUID', dom.uuid],
    ['State', `${stateName(dom.state)} (${reasonName(dom.state, dom.reason)})`],
    ...(!dom.isActive() && dom.lastStop ? [['Last stop', lastStop(dom.lastStop)] as [string, string]] : []),
    ['Uptime', dom.isActive() && dom.startTime !== undefined ? formatDuration((Date.now() - dom.startTime) / 1000) : '-'],
    ['vCPUs', `${dom.def.vcpu.current ?? dom.def.vcpu.max} of ${dom.def.vcpu.max}`],
    ['Memory', `${formatKiB(dom.def.currentMemory)} of ${formatKiB(dom.def.memory)}`],
    ['Persistent', dom.persistent ? 'yes' : 'no'],
    ['Autostart', dom.autostart ? 'enable' : 'disable'],
  ];
  if (stats) {
    rows.push(['Host memory used', formatKiB(stats.rssKiB)], ['CPU time', `${(stats.cpuTimeNs / 1e9).toFixed(1)}s`]);
    if (stats.balloon.availableKiB !== undefined) rows.push(['Guest: available', formatKiB(stats.balloon.availableKiB)]);
    if (stats.balloon.unusedKiB !== undefined) rows.push(['Guest: unused', formatKiB(stats.balloon.unusedKiB)]);
  }
  return rows;
}

const STOP_CAUSES: Record<StopCause, string> = {
  'guest-poweroff': 'the guest powered off', 'guest-reset': 'the guest reset the machine', crash: 'crashed',
};

/** Why the VM last stopped by itself, with the machine's detail (a triple fault, a hung worker...). */
function lastStop(s: { cause: StopCause; detail?: string }): string {
  return `${STOP_CAUSES[s.cause]}${s.detail ? `: ${s.detail}` : ''}`;
}

/** The vCPUs' counters summed by name. */
export function exitTotals(stats: VmStats): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const v of stats.vcpus) for (const [k, n] of Object.entries(v.exits)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
}

/** kvm_stat's rows: [event, total, per second since `prev` (undefined without one)], busiest first. */
export function exitRows(now: { t: number; exits: Record<string, number> }, prev?: { t: number; exits: Record<string, number> }):
  [string, number, number | undefined][] {
  const dt = prev ? (now.t - prev.t) / 1000 : 0;
  return Object.entries(now.exits)
    .map(([k, n]): [string, number, number | undefined] => [k, n, prev && dt > 0 ? Math.max(0, n - (prev.exits[k] ?? 0)) / dt : undefined])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
