// xml-editor.ts — the domain XML editor: the persistent definition in a text area with line
// numbers; Apply redefines the domain through the same path as `virsh define`, and a validation
// error is shown with its message and the offending line highlighted. Nothing is changed on error.
import { h, clear } from '../dom.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';

export function xmlTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const editor = xmlEditor(session.conn.domains.xmlDesc(dom, true), async (xml) => {
    await session.conn.domains.defineXML(xml);
    return 'Saved. Changes to a running VM take effect at its next start.';
  });
  el.append(editor.element);
  return () => clear(el);
}

export interface XmlEditor {
  element: HTMLElement;
  textarea: HTMLTextAreaElement;
}

/** A reusable editor: `apply` returns a success message or throws an error naming a line. */
export function xmlEditor(initial: string, apply: (xml: string) => Promise<string>, applyLabel = 'Apply'): XmlEditor {
  const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
  const textarea = h('textarea', { class: 'xml', spellcheck: 'false', 'data-testid': 'xml-text' });
  textarea.value = initial;
  const message = h('div', { class: 'xml-message', 'data-testid': 'xml-message' });
  const updateGutter = (bad?: number) => {
    clear(gutter);
    const n = textarea.value.split('\n').length;
    for (let i = 1; i <= n; i++) gutter.append(h('span', { class: i === bad ? 'bad' : '', 'data-line': i }, `${i}\n`));
  };
  textarea.addEventListener('input', () => updateGutter());
  textarea.addEventListener('scroll', () => { gutter.scrollTop = textarea.scrollTop; });
  const run = async () => {
    message.className = 'xml-message';
    try {
      message.textContent = await apply(textarea.value);
      message.classList.add('ok');
      updateGutter();
    } catch (e) {
      const line = errorLine(e);
      message.textContent = line ? `Line ${line}: ${(e as Error).message}` : (e as Error).message;
      message.classList.add('error');
      message.dataset.line = line ? String(line) : '';
      updateGutter(line);
      if (line) selectLine(textarea, line);
    }
  };
  updateGutter();
  const element = h('div', { class: 'xml-editor' },
    h('div', { class: 'editor-area' }, gutter, textarea), message,
    h('div', { class: 'toolbar' }, h('button', { class: 'primary', onclick: () => void run(), 'data-testid': 'xml-apply' }, applyLabel)));
  return { element, textarea };
}

/** The line an error points at: the parser's own field, or "line N" in libvirt's message. */
export function errorLine(e: unknown): number | undefined {
  const f = (e as { line?: number }).line;
  if (typeof f === 'number' && f > 0) return f;
  const m = /\bline (\d+)/i.exec((e as Error)?.message ?? '');
  return m ? Number(m[1]) : undefined;
}

function selectLine(t: HTMLTextAreaElement, line: number): void {
  const lines = t.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  t.focus();
  t.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}
