// console-view.ts — the serial console of a running VM in xterm.js: fitted to the panel, with
// scrollback and copy/paste, "Send key" for Ctrl-Alt-Del (a reboot request), Ctrl-C and a serial line
// BREAK (Linux takes the next key as Magic SysRq), reconnectable after switching
// tabs (the host keeps a backlog, replayed on attach). When the VM is not running it says so and
// attaches by itself once it starts. While output floods it goes to xterm.js four times a second,
// which keeps the page's frames few and short while a VM boots (`npm run bench -- ui`).
import { h, clear, showError } from '../dom.js';
import { openTerminal, type FittedTerminal } from '../widgets/term.js';
import type { Session } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';
import type { ConsoleStream } from '../../../src/virt/hypervisor.js';

/** Console output goes to xterm.js at once while it trickles (the echo of a keystroke, a prompt): up
 *  to FLOOD_BYTES in a FLOOD_WINDOW_MS window. Beyond that (a booting kernel's log) the rest waits for
 *  the next window and goes in one write: each write that scrolls re-renders the whole viewport, the
 *  page's longest work while VMs boot (`npm run bench -- ui`), and four a second read like a
 *  jump-scrolling terminal. */
const FLOOD_BYTES = 1024;
const FLOOD_WINDOW_MS = 250;
function paced(t: FittedTerminal): { push(bytes: Uint8Array): void; cancel(): void } {
  let queued: Uint8Array[] = [];
  let queuedBytes = 0;
  let windowStart = -Infinity;
  let windowBytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    if (now - windowStart >= FLOOD_WINDOW_MS) { windowStart = now; windowBytes = 0; }
    for (const b of queued) t.term.write(b);
    windowBytes += queuedBytes;
    queued = [];
    queuedBytes = 0;
  };
  return {
    push: (bytes) => {
      queued.push(bytes);
      queuedBytes += bytes.length;
      if (timer) return;
      const now = performance.now();
      if (now - windowStart >= FLOOD_WINDOW_MS || windowBytes + queuedBytes <= FLOOD_BYTES) flush();
      else timer = setTimeout(flush, windowStart + FLOOD_WINDOW_MS - now);
    },
    cancel: () => { clearTimeout(timer); timer = undefined; queued = []; queuedBytes = 0; },
  };
}

export function consoleTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const status = h('div', { class: 'muted', 'data-testid': 'console-status' });
  const keys = h('select', { 'data-testid': 'send-key', onchange: () => sendKey() },
    h('option', { value: '' }, 'Send key…'), h('option', { value: 'cad' }, 'Ctrl+Alt+Del'),
    h('option', { value: 'ctrlc' }, 'Ctrl+C'), h('option', { value: 'break' }, 'Break (the next key is a SysRq key)'));
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
    if (v === 'break' && stream) {
      stream.sendBreak().then(() => {
        status.textContent = 'BREAK sent to serial0: the next key is a Magic SysRq key (h lists them)';
        t.term.focus();
      }, showError);
    }
  };
  attach();
  // The console takes the keyboard when its tab opens (not when the VM starts: a VM booting in the
  // background does not steal focus), in the next frame: focusing forces a style and layout pass,
  // which the frame does anyway.
  requestAnimationFrame(() => t.term.focus());
  const unsub = session.subscribe(attach);
  return () => { unsub(); input.dispose(); detach(); t.dispose(); clear(el); };
}
