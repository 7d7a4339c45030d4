// router.ts — the page's locations: the overview, a VM's details tab, storage, networks, the virsh
// terminal, the new-VM wizard. Deep links use the query (`/?vm=NAME&console` opens a VM straight on
// its console, for demos and embedding); navigation inside the app uses the hash.
export type Route =
  | { page: 'overview' }
  | { page: 'vm'; name: string; tab: VmTab }
  | { page: 'storage' }
  | { page: 'networks' }
  | { page: 'virsh' }
  | { page: 'new' };

export type VmTab = 'overview' | 'console' | 'xml' | 'devices' | 'performance';
const TABS: VmTab[] = ['overview', 'console', 'xml', 'devices', 'performance'];

export function parseRoute(loc: { search: string; hash: string }): Route {
  const hash = loc.hash.replace(/^#\/?/, '');
  if (hash) {
    const [page, name, tab] = hash.split('/').map(decodeURIComponent);
    if (page === 'vm' && name) return { page: 'vm', name, tab: TABS.includes(tab as VmTab) ? (tab as VmTab) : 'overview' };
    if (page === 'storage' || page === 'networks' || page === 'virsh' || page === 'new') return { page };
    return { page: 'overview' };
  }
  const q = new URLSearchParams(loc.search);
  const vm = q.get('vm');
  if (vm) return { page: 'vm', name: vm, tab: q.has('console') ? 'console' : 'overview' };
  return { page: 'overview' };
}

export function routeHash(r: Route): string {
  if (r.page === 'vm') return `#/vm/${encodeURIComponent(r.name)}/${r.tab}`;
  return `#/${r.page}`;
}

export function navigate(r: Route): void {
  location.hash = routeHash(r);
}
