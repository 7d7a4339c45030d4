// storage.ts — storage pools and their volumes: capacity vs allocation (thin provisioning shows),
// create a volume (raw or qcow2, optionally over a backing volume), upload an image file from the
// user's disk with a progress bar, download, clone, resize, delete. The browser's storage quota is
// shown; persistent storage is requested; an upload that would not fit is refused before it starts.
import { h, clear, action, formatBytes, showError, confirmDialog } from '../dom.js';
import type { Session } from '../session.js';
import type { PoolObj } from '../../../src/virt/driver/pools.js';
import type { VolObj } from '../../../src/virt/driver/volumes.js';
import { POOL_STATE_NAMES } from '../../../src/virt/driver/pools.js';

export function storageView(el: HTMLElement, session: Session): () => void {
  const quota = h('div', { class: 'host-summary', 'data-testid': 'storage-quota' });
  const pools = h('div', { 'data-testid': 'pools' });
  el.append(h('h1', {}, 'Storage'), quota, pools);
  let alive = true;
  /** upload forms live across re-renders: an upload in progress keeps its progress bar */
  const uploads = new Map<string, HTMLElement>();
  let generation = 0;
  const render = async () => {
    const mine = ++generation; // renders overlap (they await IndexedDB): only the newest is shown
    await renderQuota(quota);
    const parts: HTMLElement[] = [];
    for (const p of session.conn.pools.list()) {
      const refresh = () => void render();
      if (!uploads.has(p.def.name)) uploads.set(p.def.name, uploadForm(session, p, refresh));
      parts.push(await poolSection(session, p, refresh, uploads.get(p.def.name)!));
    }
    if (!alive || mine !== generation) return;
    clear(pools);
    if (parts.length === 0) pools.append(h('p', { class: 'muted' }, 'No storage pools are defined.'));
    pools.append(...parts);
  };
  void render().catch(showError);
  void navigator.storage?.persist?.();
  const unsub = session.conn.events.on(() => void render().catch(showError));
  return () => { alive = false; unsub(); };
}

async function renderQuota(el: HTMLElement): Promise<void> {
  const est = await navigator.storage?.estimate?.();
  const persisted = await navigator.storage?.persisted?.();
  clear(el);
  if (!est) return void el.append('Storage quota: unknown');
  const pct = est.quota ? (100 * (est.usage ?? 0)) / est.quota : 0;
  el.append(h('div', {}, h('strong', {}, 'Browser storage '), `${formatBytes(est.usage ?? 0)} used of ${formatBytes(est.quota ?? 0)} quota`,
    persisted ? ' · persistent' : ' · may be evicted by the browser'),
  h('div', { class: 'bar' }, h('div', { class: 'bar-fill', style: `width:${pct}%` })));
}

async function poolSection(session: Session, pool: PoolObj, refresh: () => void, upload: HTMLElement): Promise<HTMLElement> {
  const info = await session.conn.pools.info(pool);
  const active = info.state === 2;
  const sec = h('section', { class: 'pool', 'data-testid': `pool-${pool.def.name}` },
    h('h2', {}, pool.def.name, ' ', h('span', { class: 'muted' }, `${POOL_STATE_NAMES[info.state]} · ${pool.path}`)),
    h('div', {}, `${formatBytes(info.allocation)} allocated · ${formatBytes(info.available)} available`));
  if (!active) {
    sec.append(h('button', { onclick: action(async () => { await session.conn.pools.start(pool, true); refresh(); }) }, 'Start pool'));
    return sec;
  }
  const vols = await session.conn.volumes.list(pool);
  const table = h('table', { class: 'vol-table' }, h('tr', {}, ...['Volume', 'Format', 'Capacity', 'Allocation', ''].map((t) => h('th', {}, t))));
  for (const v of vols) table.append(await volumeRow(session, v, refresh));
  sec.append(table, createForm(session, pool, vols, refresh), upload);
  return sec;
}

async function volumeRow(session: Session, vol: VolObj, refresh: () => void): Promise<HTMLElement> {
  const i = await session.conn.volumes.info(vol);
  const pct = i.capacity ? Math.min(100, (100 * i.allocation) / i.capacity) : 0;
  return h('tr', { 'data-testid': `vol-${vol.name}` },
    h('td', {}, vol.name, i.backing ? h('div', { class: 'muted' }, `backing: ${i.backing.path}`) : null),
    h('td', {}, i.format),
    h('td', { 'data-testid': `vol-capacity-${vol.name}` }, formatBytes(i.capacity)),
    h('td', {}, h('div', { class: 'bar small', title: `${pct.toFixed(1)}% of capacity` }, h('div', { class: 'bar-fill', style: `width:${pct}%` })),
      formatBytes(i.allocation)),
    h('td', {},
      h('button', { onclick: action(() => downloadVolume(session, vol)) }, 'Download'),
      h('button', { onclick: action(async () => { const name = prompt(`Clone ${vol.name} as:`, `${vol.name.replace(/(\.\w+)?$/, '-clone$1')}`); if (name) { await cloneVolume(session, vol, name); refresh(); } }) }, 'Clone'),
      h('button', { onclick: action(async () => { const size = prompt(`New capacity of ${vol.name} (e.g. 20G):`); if (size) { await session.conn.volumes.resize(vol, parseSize(size)); refresh(); } }) }, 'Resize'),
      h('button', { onclick: action(async () => { if ((await confirmDialog(`Delete ${vol.name}?`, 'Its data is lost.')).ok) { await session.conn.volumes.delete(vol); refresh(); } }) }, 'Delete')));
}

function createForm(session: Session, pool: PoolObj, vols: VolObj[], refresh: () => void): HTMLElement {
  const name = h('input', { placeholder: 'name.qcow2', 'data-testid': 'create-vol-name' });
  const size = h('input', { placeholder: '10G', value: '1G', size: 6, 'data-testid': 'create-vol-size' });
  const format = h('select', { 'data-testid': 'create-vol-format' }, h('option', { value: 'qcow2' }, 'qcow2'), h('option', { value: 'raw' }, 'raw'));
  const backing = h('select', {}, h('option', { value: '' }, 'no backing volume'), ...vols.map((v) => h('option', { value: v.path }, `backing: ${v.name}`)));
  const create = action(async () => {
    const b = (backing as HTMLSelectElement).value;
    const fmt = (format as HTMLSelectElement).value;
    const xml = `<volume><name>${esc(name.value)}</name><capacity unit='B'>${parseSize(size.value)}</capacity>` +
      `<target><format type='${fmt}'/></target>` +
      (b ? `<backingStore><path>${esc(b)}</path><format type='${b.endsWith('.qcow2') ? 'qcow2' : 'raw'}'/></backingStore>` : '') + `</volume>`;
    await session.conn.volumes.createXML(pool, xml);
    refresh();
  });
  return h('div', { class: 'toolbar' }, 'New volume: ', name, size, format, backing, h('button', { onclick: create, 'data-testid': 'create-vol' }, 'Create'));
}

function uploadForm(session: Session, pool: PoolObj, refresh: () => void): HTMLElement {
  const file = h('input', { type: 'file', 'data-testid': 'upload-file' });
  const progress = h('progress', { max: 100, value: 0, 'data-testid': 'upload-progress' });
  const label = h('span', { class: 'muted', 'data-testid': 'upload-status' });
  const upload = action(async () => {
    const f = file.files?.[0];
    if (!f) throw new Error('choose an image file first');
    const est = await navigator.storage?.estimate?.();
    if (est?.quota !== undefined && (est.usage ?? 0) + f.size > est.quota) {
      throw new Error(`'${f.name}' (${formatBytes(f.size)}) does not fit: ${formatBytes(est.quota - (est.usage ?? 0))} of browser storage left`);
    }
    const format = /\.qcow2$/i.test(f.name) ? 'qcow2' : 'raw';
    const vol = await session.conn.volumes.createXML(pool,
      `<volume><name>${esc(f.name)}</name><capacity unit='B'>${f.size}</capacity><target><format type='raw'/></target></volume>`);
    let done = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let off = 0; off < f!.size; off += 1 << 20) {
        const b = new Uint8Array(await f!.slice(off, off + (1 << 20)).arrayBuffer());
        done += b.length;
        (progress as HTMLProgressElement).value = (100 * done) / f!.size;
        label.textContent = `${formatBytes(done)} of ${formatBytes(f!.size)}`;
        yield b;
      }
    }
    await session.conn.volumes.upload(vol, chunks());
    label.textContent = `uploaded ${f.name} (${formatBytes(f.size)}, ${format})`;
    refresh();
  });
  return h('div', { class: 'toolbar' }, 'Upload image: ', file, h('button', { onclick: upload, 'data-testid': 'upload' }, 'Upload'), progress, label);
}

async function downloadVolume(session: Session, vol: VolObj): Promise<void> {
  const parts: Uint8Array[] = [];
  for await (const c of session.conn.volumes.download(vol)) parts.push(c);
  const url = URL.createObjectURL(new Blob(parts as BlobPart[]));
  const a = h('a', { href: url, download: vol.name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function cloneVolume(session: Session, vol: VolObj, name: string): Promise<void> {
  const i = await session.conn.volumes.info(vol);
  await session.conn.volumes.createXML(vol.pool,
    `<volume><name>${esc(name)}</name><capacity unit='B'>${i.capacity}</capacity><target><format type='${i.format}'/></target></volume>`, vol);
}

/** "10G", "512M", "1.5GiB", plain bytes -> bytes (binary units, as virsh vol-create-as). */
export function parseSize(s: string): number {
  const m = /^\s*([\d.]+)\s*([kmgt]?)(i?b)?\s*$/i.exec(s);
  if (!m) throw new Error(`invalid size '${s}': use a number with an optional K, M, G or T suffix`);
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');
}
