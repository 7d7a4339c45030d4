// vm-overview.ts — the details overview: state and reason, uptime, vCPUs and memory, the guest's
// own memory statistics when the balloon reports them, and the VM's exit statistics (kvm_stat).
import { h, clear, formatKiB, formatDuration } from '../dom.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import { reasonName, stateName } from '../../../src/virt/driver/states.js';
import type { VmStats } from '../../../src/virt/hypervisor.js';

export function vmOverviewTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const table = h('table', { class: 'kv', 'data-testid': 'vm-overview' });
  el.append(table);
  let stats: VmStats | undefined;
  let startedAt = dom.isActive() ? performance.now() : 0;
  const render = () => {
    if (!dom.isActive()) startedAt = 0;
    else if (!startedAt) startedAt = performance.now();
    const rows: [string, string][] = [
      ['Name', dom.name],
      ['UUID', dom.uuid],
      ['State', `${stateName(dom.state)} (${reasonName(dom.state, dom.reason)})`],
      ['Uptime', startedAt ? formatDuration((performance.now() - startedAt) / 1000) : '-'],
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
    clear(table);
    for (const [k, v] of rows) table.append(h('tr', {}, h('th', {}, k), h('td', {}, v)));
  };
  const refresh = async () => {
    stats = dom.isActive() && dom.vm ? await dom.vm.stats().catch(() => undefined) : undefined;
    render();
  };
  render();
  void refresh();
  return session.subscribe(() => void refresh());
}
