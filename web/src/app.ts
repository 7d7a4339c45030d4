// app.ts — the application shell: the navigation on the left (overview, VMs, storage, networks,
// virsh), the error bar, and the view of the current route. Views are functions that fill a panel
// and return a dispose function; switching routes disposes the old one.
import { h, clear } from './dom.js';
import { parseRoute, routeHash, type Route } from './router.js';
import type { Session } from './session.js';
import { overviewView } from './views/overview.js';
import { vmView } from './views/vm.js';
import { storageView } from './views/storage.js';
import { networksView } from './views/networks.js';
import { virshView } from './views/virsh.js';
import { newVmView } from './views/new-vm.js';

export type Dispose = () => void;
export type View = (panel: HTMLElement, session: Session, route: Route) => Dispose;

const views: Record<Route['page'], View> = {
  overview: overviewView,
  vm: vmView,
  storage: storageView,
  networks: networksView,
  virsh: virshView,
  new: newVmView,
};

export function startApp(root: HTMLElement, session: Session): void {
  const nav = h('nav', { class: 'sidebar' });
  const panel = h('section', { class: 'panel', id: 'panel' });
  root.append(nav, h('div', { class: 'content' }, h('div', { id: 'errors' }), panel));
  let dispose: Dispose = () => {};
  let current = '';

  const renderNav = () => {
    clear(nav);
    const route = parseRoute(location);
    const link = (label: string, r: Route, testid: string) =>
      h('a', { href: routeHash(r), class: routeHash(r) === routeHash(route) ? 'active' : '', 'data-testid': testid }, label);
    nav.append(
      link('Overview', { page: 'overview' }, 'nav-overview'),
      h('div', { class: 'nav-group' }, 'Virtual machines'),
      ...session.conn.domains.list().sort((a, b) => a.name.localeCompare(b.name)).map((d) =>
        link(d.name, { page: 'vm', name: d.name, tab: 'overview' }, `nav-vm-${d.name}`)),
      link('+ New VM', { page: 'new' }, 'nav-new'),
      h('div', { class: 'nav-group' }, 'Host'),
      link('Storage', { page: 'storage' }, 'nav-storage'),
      link('Networks', { page: 'networks' }, 'nav-networks'),
      link('virsh', { page: 'virsh' }, 'nav-virsh'),
    );
  };

  const render = () => {
    const route = parseRoute(location);
    const key = routeHash(route);
    renderNav();
    if (key === current) return;
    current = key;
    dispose();
    clear(panel);
    dispose = views[route.page](panel, session, route);
  };
  addEventListener('hashchange', render);
  session.conn.events.on(() => renderNav());
  render();
}
