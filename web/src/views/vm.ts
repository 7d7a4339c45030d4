// vm.ts — one VM's details window: its actions (start, shutdown, reboot, force off, pause/resume,
// delete with a "remove storage" choice) and the tabs overview / console / XML / devices /
// performance. A VM that does not exist shows a clear message instead of a blank page.
import { h, clear, action, showError, confirmDialog } from '../dom.js';
import { navigate, type Route, type VmTab } from '../router.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import { DomainState, stateName } from '../../../src/virt/driver/states.js';
import { vmOverviewTab } from './vm-overview.js';
import { consoleTab } from './console-view.js';
import { xmlTab } from './xml-editor.js';
import { devicesTab } from './vm-devices.js';
import { performanceTab } from './vm-performance.js';

type Tab = (el: HTMLElement, session: Session, dom: DomainObj) => () => void;
const TABS: [VmTab, string, Tab][] = [
  ['overview', 'Overview', vmOverviewTab],
  ['console', 'Console', consoleTab],
  ['xml', 'XML', xmlTab],
  ['devices', 'Devices', devicesTab],
  ['performance', 'Performance', performanceTab],
];

export function vmView(panel: HTMLElement, session: Session, route: Route): () => void {
  if (route.page !== 'vm') return () => {};
  let dom: DomainObj;
  try {
    dom = session.conn.domains.lookupByName(route.name);
  } catch (e) {
    panel.append(h('h1', {}, route.name), h('p', { class: 'error', 'data-testid': 'vm-missing' }, (e as Error).message));
    return () => {};
  }
  const actions = h('div', { class: 'toolbar', 'data-testid': 'vm-actions' });
  const body = h('div', { class: 'tab-body' });
  const stateEl = h('span', { class: 'state', 'data-testid': 'vm-state' });
  panel.append(h('h1', {}, dom.name, ' ', stateEl), actions,
    h('div', { class: 'tabs' }, ...TABS.map(([id, label]) =>
      h('a', { href: `#/vm/${encodeURIComponent(dom.name)}/${id}`, class: id === route.tab ? 'active' : '', 'data-testid': `tab-${id}` }, label))),
    body);
  const tab = TABS.find(([id]) => id === route.tab)![2];
  const disposeTab = tab(body, session, dom);
  const render = () => {
    stateEl.textContent = stateName(dom.state);
    renderActions(actions, session, dom);
  };
  render();
  const unsub = session.subscribe(render);
  return () => { unsub(); disposeTab(); };
}

function renderActions(el: HTMLElement, session: Session, dom: DomainObj): void {
  const d = session.conn.domains;
  const lc = d.lifecycle;
  const active = dom.isActive();
  const btn = (label: string, enabled: boolean, fn: () => Promise<unknown>, id: string) =>
    h('button', { disabled: !enabled, onclick: action(fn), 'data-testid': `action-${id}` }, label);
  clear(el);
  el.append(
    btn('Start', !active, () => d.start(dom), 'start'),
    btn('Shut down', active, () => lc.shutdown(dom), 'shutdown'),
    btn('Reboot', active, () => lc.reboot(dom), 'reboot'),
    btn('Force off', active, () => lc.destroy(dom), 'destroy'),
    dom.state === DomainState.Paused
      ? btn('Resume', true, () => lc.resume(dom), 'resume')
      : btn('Pause', dom.state === DomainState.Running, () => lc.suspend(dom), 'pause'),
    btn('Delete…', !active, () => deleteVm(session, dom), 'delete'),
  );
}

async function deleteVm(session: Session, dom: DomainObj): Promise<void> {
  const answer = await confirmDialog(`Delete ${dom.name}?`, 'The definition of this virtual machine is removed.',
    'Also delete its disk volumes (storage)');
  if (!answer.ok) return;
  const removeStorage = answer.checked;
  if (removeStorage) {
    for (const disk of dom.def.devices.disks) {
      const path = disk.source.type === 'file' ? disk.source.file : undefined;
      if (!path) continue;
      try {
        const vol = await session.conn.volumes.lookupByPath(path);
        await session.conn.volumes.delete(vol);
      } catch (e) {
        showError(e);
      }
    }
  }
  await session.conn.domains.undefine(dom);
  navigate({ page: 'overview' });
}
