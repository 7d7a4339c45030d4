// dom.ts — the few DOM helpers the views share: an element factory, clearing, and formatting of
// sizes and durations the way virt-manager shows them.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** h('button', {class: 'x', onclick: fn}, 'label') */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

/** KiB -> "1.5 GiB" (virt-manager style, binary units). */
export function formatKiB(kib: number): string {
  return formatBytes(kib * 1024);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d ? d + 'd ' : ''}${pad(hh)}:${pad(mm)}:${pad(ss)}`;
}

/** Shows an error the way the app does everywhere: a dismissable banner with the message. */
export function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const bar = document.getElementById('errors');
  if (!bar) return;
  const item = h('div', { class: 'error', role: 'alert' }, msg, h('button', { class: 'close', title: 'Dismiss', onclick: () => item.remove() }, '×'));
  bar.append(item);
}

/** Runs an async UI action, reporting its failure in the error bar. */
export function action(fn: () => Promise<unknown>): () => void {
  return () => void fn().catch(showError);
}

/** A modal dialog with OK/Cancel and an optional checkbox; resolves to the user's answer. */
export function confirmDialog(title: string, text: string, checkboxLabel?: string): Promise<{ ok: boolean; checked: boolean }> {
  return new Promise((resolve) => {
    const box = checkboxLabel ? h('input', { type: 'checkbox', 'data-testid': 'dialog-checkbox' }) : null;
    const dlg = h('dialog', { class: 'dialog', 'data-testid': 'dialog' },
      h('h2', {}, title), h('p', {}, text),
      box ? h('label', {}, box, ' ', checkboxLabel!) : null,
      h('div', { class: 'toolbar' },
        h('button', { onclick: () => done(false), 'data-testid': 'dialog-cancel' }, 'Cancel'),
        h('button', { class: 'primary', onclick: () => done(true), 'data-testid': 'dialog-ok' }, 'OK')));
    const done = (ok: boolean) => {
      dlg.close();
      dlg.remove();
      resolve({ ok, checked: box?.checked ?? false });
    };
    document.body.append(dlg);
    dlg.showModal();
  });
}
