// console-view.ts — the serial console of a running VM in xterm.js: fitted to the panel, with
// scrollback and copy/paste, "Send key" for Ctrl-Alt-Del (a reboot request) and Ctrl-C, reconnectable after switching
// tabs (the host keeps a backlog, replayed on attach). When the VM is not running it says so and
// attaches by itself once it starts. Output is paced to ten writes a second while it floods, which
// keeps the page's frames short while a VM boots (`npm run bench -- ui`).
import { h, clear } from '../dom.js';
import { openTerminal, type FittedTerminal } from '../widgets/term.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import type { ConsoleStream } from '../../../src/virt/hypervisor.js';

/** Console output goes to xterm.js at most every FLUSH_MS: a booting kernel's flood is drawn ten
 *  times a second, not sixty (each frame re-renders the whole scrolled viewport), while output after
 *  a quiet spell (the echo of a keystroke) goes at once. */
const FLUSH_MS = 100;
function paced(t: FittedTerminal): { push(bytes: Uint8Array): void; cancel(): void } {
  let queued: Uint8Array[] = [];
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    last = performance.now();
    for (const b of queued) t.term.write(b);
    queued = [];
  };
  return {
    push: (bytes) => {
      queued.push(bytes);
      if (timer) return;
      const wait = last + FLUSH_MS - performance.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    cancel: () => { clearTimeout(timer); timer = undefined; queued = []; },
  };
}

export function consoleTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const status = h('div', { class: 'muted', 'data-testid': 'console-status' });
  const keys = h('select', { 'data-testid': 'send-key', onchange: () => sendKey() },
    h('option', { value: '' }, 'Send key…'), h('option', { value: 'cad' }, 'Ctrl+Alt+Del'),
    h('option', { value: 'ctrlc' }, 'Ctrl+C'));
  const box = h('div', { class: 'console', 'data-testid': 'console' });
  el.append(h('div', { class: 'toolbar' }, keys, status), box);
  const t: FittedTerminal = openTerminal(box);
  let stream: ConsoleStream | undefined;
  let unlisten: (() => void) | undefined;
  let attachedTo: unknown;

  const attach = () => {
    if (!dom.isActive() || !dom.vm) {
      status.textContent = 'The VM is not running: start it to see its console.';
      attachedTo = undefined;
      return;
    }
    if (attachedTo === dom.vm) return;
    detach();
    attachedTo = dom.vm;
    stream = dom.vm.openConsole('serial0');
    const out = paced(t);
    const off = stream.onData(out.push);
    unlisten = () => { off(); out.cancel(); };
    status.textContent = 'Connected to serial0';
    // in the next frame: focusing forces a style and layout pass, which the frame does anyway
    requestAnimationFrame(() => t.term.focus());
  };
  const detach = () => {
    unlisten?.();
    stream?.close();
    stream = undefined;
  };
  const input = t.term.onData((data) => stream?.write(new TextEncoder().encode(data)));
  const sendKey = () => {
    const v = (keys as HTMLSelectElement).value;
    (keys as HTMLSelectElement).value = '';
    if (v === 'cad' && dom.vm) void dom.vm.reboot(); // the pc machine turns Ctrl-Alt-Del into a reset request
    if (v === 'ctrlc') stream?.write(Uint8Array.of(3));
  };
  attach();
  const unsub = session.subscribe(attach);
  return () => { unsub(); input.dispose(); detach(); t.dispose(); clear(el); };
}
